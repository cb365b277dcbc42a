import { EntityManager } from 'typeorm';
import { AuditAction, CreditEntryKind, CreditLot, CreditPurchase, CreditSource, PaymentPurpose } from '../../entities';
import { type AuditLog, createdFields } from './audit-log';
import { requireOperator } from '../auth/guards';
import { targetOrganizationId } from '../auth/tenancy';
import { UnitOfWork } from '../db/unit-of-work';
import { badInput } from '../errors/errors';
import { Clock } from '../common/clock';
import { CreditLedger } from './credit-ledger';
import { CreditQuoteValue, quoteCredits, validateCreditQuantity } from './credit-pricing';
import { IdempotencyService, validateIdempotencyKey } from './idempotency.service';
import { OrganizationService } from './organization.service';
import { Declined, PaymentsService } from './payments.service';
import type { ServiceContext } from './service-context';

/** What purchaseCredits remembers under its idempotency key: the purchase, or the declined charge (replayed as PAYMENT_FAILED). */
type PurchaseOutcome = { purchaseId: string } | { declined: Declined };

/** Adding credits (R12, R13): quotes, dashboard purchases charged to the card on file, and annual grants. */
export class CreditPurchaseService {
  constructor(
    private readonly uow: UnitOfWork,
    private readonly clock: Clock,
    private readonly organizations: OrganizationService,
    private readonly idempotency: IdempotencyService,
    private readonly ledger: CreditLedger,
    private readonly payments: PaymentsService,
    private readonly audit: AuditLog,
  ) {}

  /** R12: the price of `quantity` credits now, at the organization's list price with the volume discount. */
  async quote(ctx: ServiceContext, quantity: number, organizationIdArg?: string | null): Promise<CreditQuoteValue> {
    const organizationId = targetOrganizationId(ctx.viewer, organizationIdArg);
    validateCreditQuantity(quantity);
    const contract = await this.organizations.requireContract(ctx.em, organizationId);
    return quoteCredits(quantity, contract.creditUnitPriceCents);
  }

  /**
   * R13: charges the payment method on file at the quoted price at once. Success: a DASHBOARD lot that never
   * expires, a PURCHASE entry and a SUCCEEDED payment. A declined charge: a FAILED payment is committed (with the
   * idempotency key, so the same key replays the same PAYMENT_FAILED without charging again, as Stripe does), no
   * lot, no entry, and PAYMENT_FAILED. No card on file: PAYMENT_FAILED and nothing is written (the same key may be
   * retried once a card is added).
   */
  async purchaseCredits(
    ctx: ServiceContext,
    quantity: number,
    idempotencyKey: string,
    organizationIdArg?: string | null,
  ): Promise<CreditPurchase> {
    validateCreditQuantity(quantity);
    validateIdempotencyKey(idempotencyKey);
    const outcome = await this.uow.forOrganization(
      ctx,
      { organizationId: organizationIdArg },
      {},
      async (tx): Promise<PurchaseOutcome> => {
        const { organizationId } = tx;
        return this.idempotency.run(
          tx,
          { organizationId, key: idempotencyKey, operation: 'purchaseCredits', args: { quantity } },
          async ({ providerKey }) => {
            const contract = await this.organizations.requireContract(tx.em, organizationId);
            const quote = quoteCredits(quantity, contract.creditUnitPriceCents);
            // Before the charge: a purchase the balance cannot hold is refused without charging.
            await this.ledger.assertCanAdd(tx, quantity, this.clock.now());
            const { payment, declined } = await this.payments.charge(tx, {
              purpose: PaymentPurpose.CREDIT_PURCHASE,
              invoiceId: null,
              amountCents: quote.totalCents,
              providerKey,
              retry: 'buy again',
            });
            if (declined) return { declined };

            const now = payment.createdAt;
            const lot = await this.ledger.addLot(
              tx,
              { source: CreditSource.DASHBOARD, quote, expiresAt: null, kind: CreditEntryKind.PURCHASE, billed: false },
              now,
            );
            const purchase = tx.em.create(CreditPurchase, {
              organizationId,
              quantity,
              totalCents: quote.totalCents,
              lotId: lot.id,
              paymentId: payment.id,
              createdAt: now,
            });
            await tx.em.insert(CreditPurchase, purchase);
            await this.audit.record(tx, {
              action: AuditAction.CREDITS_PURCHASED,
              targetType: 'CreditPurchase',
              targetId: purchase.id,
              changes: createdFields({
                quantity,
                totalCents: quote.totalCents,
                lotId: lot.id,
                paymentId: payment.id,
              }),
              at: now,
            });
            return { purchaseId: purchase.id };
          },
        );
      },
    );
    if ('declined' in outcome) throw this.payments.declinedError(outcome.declined);
    return this.findPurchase(ctx.em, outcome.purchaseId);
  }

  async findPurchase(em: EntityManager, id: string): Promise<CreditPurchase> {
    return em.findOneOrFail(CreditPurchase, { where: { id }, relations: { lot: true, payment: true } });
  }

  /**
   * R13: an annual upfront purchase (operators). An ANNUAL lot priced at the volume tier, billed on the next
   * invoice as a CREDIT_PURCHASE line (lots with source ANNUAL and purchasedAt / periodId in the period), with
   * an optional expiry that must lie in the future.
   */
  async grantCredits(
    ctx: ServiceContext,
    organizationId: string,
    quantity: number,
    expiresAt: Date | null | undefined,
    idempotencyKey: string,
  ): Promise<CreditLot> {
    requireOperator(ctx.viewer);
    validateCreditQuantity(quantity);
    validateIdempotencyKey(idempotencyKey);
    if (expiresAt && Number.isNaN(expiresAt.getTime())) throw badInput('expiresAt', 'expiresAt is not a valid instant');
    const lotId = await this.uow.forOrganization(ctx, { organizationId }, {}, async (tx) => {
      const args = { organizationId, quantity, expiresAt: expiresAt ? expiresAt.toISOString() : null };
      return this.idempotency.run(
        tx,
        { organizationId, key: idempotencyKey, operation: 'grantCredits', args },
        async () => {
          const now = this.clock.now();
          if (expiresAt && expiresAt.getTime() <= now.getTime())
            throw badInput('expiresAt', 'expiresAt must be in the future');
          const contract = await this.organizations.requireContract(tx.em, organizationId);
          const quote = quoteCredits(quantity, contract.creditUnitPriceCents);
          const lot = await this.ledger.addLot(
            tx,
            {
              source: CreditSource.ANNUAL,
              quote,
              expiresAt: expiresAt ?? null,
              kind: CreditEntryKind.GRANT,
              billed: true,
            },
            now,
          );
          await this.audit.record(tx, {
            action: AuditAction.CREDITS_GRANTED,
            targetType: 'CreditLot',
            targetId: lot.id,
            changes: createdFields({
              quantity,
              totalCents: quote.totalCents,
              expiresAt: expiresAt ?? null,
            }),
            at: now,
          });
          return lot.id;
        },
      );
    });
    return ctx.em.findOneByOrFail(CreditLot, { id: lotId });
  }
}
