import { EntityManager } from 'typeorm';
import { AuditAction, PaymentMethod } from '../../entities';
import type { AuditLog } from './audit-log';
import { MAX_LENGTH } from '../../entities/lengths';
import { UnitOfWork } from '../db/unit-of-work';
import type { PaymentProvider } from '../payments/payment-provider';
import { Clock } from '../common/clock';
import type { ServiceContext } from './service-context';
import { checkText } from './text';

/** R20: the card on file — the one place that reads or replaces it. */
export class PaymentMethodService {
  constructor(
    private readonly uow: UnitOfWork,
    private readonly clock: Clock,
    private readonly provider: PaymentProvider,
    private readonly audit: AuditLog,
  ) {}

  /** The organization's card on file, or null when none was added. */
  find(em: EntityManager, organizationId: string): Promise<PaymentMethod | null> {
    return em.findOne(PaymentMethod, { where: { organizationId } });
  }

  /**
   * R20: exchanges a provider token for the card on file (replacing the previous one). Allowed for terminated
   * organizations too: their open invoices stay payable (R21).
   */
  async update(ctx: ServiceContext, token: string, organizationIdArg?: string | null): Promise<PaymentMethod> {
    checkText('token', token, { max: MAX_LENGTH.providerToken, min: 1 }); // R34
    // The provider call happens before the lock is taken: a slow provider never holds up the organization's writers.
    const card = await this.provider.attach(token);
    return this.uow.forOrganization(
      ctx,
      { organizationId: organizationIdArg },
      { allowTerminated: true },
      async (tx) => {
        const { organizationId } = tx;
        const existing = await this.find(tx.em, organizationId);
        const method = existing ?? tx.em.create(PaymentMethod, { organizationId });
        Object.assign(method, {
          brand: card.brand,
          last4: card.last4,
          expMonth: card.expMonth,
          expYear: card.expYear,
          providerRef: card.ref,
          updatedAt: this.clock.now(),
        });
        const saved = await tx.em.save(method);
        // R31: that the card on file changed, never which card: no token, brand, last4, expiry or provider reference.
        await this.audit.record(tx, {
          action: AuditAction.PAYMENT_METHOD_UPDATED,
          targetType: 'PaymentMethod',
          targetId: saved.id,
          changes: { paymentMethod: { before: existing ? 'set' : 'none', after: 'set' } },
          at: method.updatedAt,
        });
        return saved;
      },
    );
  }
}
