import { AuditAction, Payment, PaymentKind, PaymentPurpose, PaymentStatus } from '../../entities';
import { type AuditLog, createdFields } from './audit-log';
import type { Scoped } from '../db/organization-scope';
import { conflict, paymentFailed } from '../errors/errors';
import type { PaymentProvider } from '../payments/payment-provider';
import { Clock } from '../common/clock';
import { PaymentMethodService } from './payment-method.service';
import type { ServiceContext } from './service-context';

/** A declined charge as an idempotency key remembers it, to be answered (and replayed) as PAYMENT_FAILED. */
export interface Declined {
  paymentId: string;
  code: string;
  message: string;
}

export interface ChargeRequest {
  purpose: PaymentPurpose;
  invoiceId: string | null;
  amountCents: number;
  /** The provider-side idempotency key (R19: a retried charge never charges twice). */
  providerKey: string;
  /** What to do once a card is on file, for the no-card error ("buy again", "pay again"). */
  retry: string;
}

/** A charge's Payment row, and how the provider declined it (when it did). */
export interface ChargeResult {
  payment: Payment;
  declined: Declined | null;
}

/** R33: a refund of part of an invoice's charge, back to the card it came from. */
export interface RefundRequest {
  invoiceId: string;
  amountCents: number;
  /** The provider-side idempotency key (a retried refund never refunds twice). */
  providerKey: string;
}

/**
 * R19, R20: the one payment path — charge the card on file and record the Payment row. Credit purchases and
 * invoice payments use it, and credit notes refund through it (R33). A decline is an outcome, not a rollback: its
 * FAILED payment is committed, and the caller answers PAYMENT_FAILED (`declinedError`) after the transaction.
 */
export class PaymentsService {
  constructor(
    private readonly clock: Clock,
    private readonly provider: PaymentProvider,
    private readonly methods: PaymentMethodService,
    private readonly audit: AuditLog,
  ) {}

  /**
   * Inside the organization's scope: charges `amountCents` to the card on file and inserts the Payment (SUCCEEDED,
   * or FAILED with the provider's code). No card on file: PAYMENT_FAILED, nothing written. Nothing to charge
   * (0 cents): no provider call, a SUCCEEDED payment without provider reference.
   */
  async charge(tx: Scoped<ServiceContext>, request: ChargeRequest): Promise<ChargeResult> {
    const method = await this.methods.find(tx.em, tx.organizationId);
    if (!method)
      throw paymentFailed(
        `No payment method on file: add a card with updatePaymentMethod, then ${request.retry}`,
        'no_payment_method',
      );
    const outcome =
      request.amountCents > 0
        ? await this.provider.charge(request.amountCents, method.providerRef, request.providerKey)
        : null;
    const failure = outcome?.status === 'failed' ? outcome : null;
    const payment = tx.em.create(Payment, {
      organizationId: tx.organizationId,
      purpose: request.purpose,
      kind: PaymentKind.CHARGE,
      invoiceId: request.invoiceId,
      amountCents: request.amountCents,
      status: failure ? PaymentStatus.FAILED : PaymentStatus.SUCCEEDED,
      failureCode: failure?.code ?? null,
      providerRef: outcome?.chargeRef ?? null,
      createdAt: this.clock.now(),
    });
    await tx.em.insert(Payment, payment);
    // R31: a declined charge is committed (its FAILED payment), and so is its audit event.
    if (failure)
      await this.audit.record(tx, {
        action: AuditAction.PAYMENT_FAILED,
        targetType: 'Payment',
        targetId: payment.id,
        changes: createdFields({
          purpose: payment.purpose,
          invoiceId: payment.invoiceId,
          amountCents: payment.amountCents,
          status: payment.status,
          failureCode: payment.failureCode,
        }),
        at: payment.createdAt,
      });
    const declined = failure ? { paymentId: payment.id, code: failure.code, message: failure.message } : null;
    return { payment, declined };
  }

  /**
   * R33: inside the organization's scope, refunds `amountCents` of the invoice's succeeded charge through the
   * provider and inserts the REFUND payment (SUCCEEDED, amount positive, the provider's refund reference). A refund
   * the provider refuses throws PAYMENT_FAILED with its code, so the caller's transaction writes nothing.
   */
  async refund(tx: Scoped<ServiceContext>, request: RefundRequest): Promise<Payment> {
    const charge = await tx.em.findOne(Payment, {
      where: {
        organizationId: tx.organizationId,
        invoiceId: request.invoiceId,
        kind: PaymentKind.CHARGE,
        status: PaymentStatus.SUCCEEDED,
      },
      order: { createdAt: 'DESC', id: 'DESC' },
    });
    if (!charge?.providerRef) throw conflict('The invoice has no charge on the card to refund');
    const outcome = await this.provider.refund(request.amountCents, charge.providerRef, request.providerKey);
    if (outcome.status === 'failed')
      throw paymentFailed(`The refund was refused (${outcome.code}): ${outcome.message}`, outcome.code);
    const payment = tx.em.create(Payment, {
      organizationId: tx.organizationId,
      purpose: PaymentPurpose.INVOICE,
      kind: PaymentKind.REFUND,
      invoiceId: request.invoiceId,
      amountCents: request.amountCents,
      status: PaymentStatus.SUCCEEDED,
      failureCode: null,
      providerRef: outcome.refundRef,
      createdAt: this.clock.now(),
    });
    await tx.em.insert(Payment, payment);
    return payment;
  }

  /** R19: the PAYMENT_FAILED of a declined charge (`consequence` says what it leaves as it was). */
  declinedError({ code, message, paymentId }: Declined, consequence = ''): Error {
    return paymentFailed(`The payment was declined (${code}): ${message}${consequence}`, code, paymentId);
  }
}
