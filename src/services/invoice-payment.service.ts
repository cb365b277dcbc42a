import { AlertKind, Invoice, InvoiceStatus, NotificationKind, Organization, Payment, PaymentPurpose, PaymentStatus } from '../../entities';
import type { AppConfig } from '../config/config';
import type { Scoped } from '../db/organization-scope';
import { UnitOfWork } from '../db/unit-of-work';
import { alreadyPaid, conflict, paymentFailed } from '../errors/errors';
import { invoiceMail } from '../notifications/templates';
import type { PaymentProvider } from '../payments/payment-provider';
import { AlertService } from './alert.service';
import { BillingContactsService } from './billing-contacts.service';
import { Clock } from '../common/clock';
import { CreditService } from './credit.service';
import { IdempotencyService, validateIdempotencyKey } from './idempotency.service';
import { formatUsd } from '../common/money';
import { NotificationService } from './notification.service';
import type { ServiceContext } from './service-context';

type PayOutcome = { invoiceId: string } | { declined: { paymentId: string; code: string; message: string } };

/**
 * R19: paying an invoice with the payment method on file. Runs under the organization's write lock — so two
 * payments at the same instant, with the same key or different ones, cannot both charge — and through the one
 * idempotency mechanism. Allowed after termination (R21: payment obligations survive).
 */
export class InvoicePaymentService {
  constructor(
    private readonly uow: UnitOfWork,
    private readonly clock: Clock,
    private readonly config: Pick<AppConfig, 'billingPortalUrl'>,
    private readonly credits: CreditService,
    private readonly idempotency: IdempotencyService,
    private readonly provider: PaymentProvider,
    private readonly alerts: AlertService,
    private readonly contacts: BillingContactsService,
    private readonly notifications: NotificationService,
  ) {}

  async pay(ctx: ServiceContext, invoiceId: string, idempotencyKey: string): Promise<Invoice> {
    validateIdempotencyKey(idempotencyKey);
    const outcome = await this.uow.forOrganization(ctx, { owner: Invoice, id: invoiceId }, { allowTerminated: true }, async (tx): Promise<PayOutcome> => {
      const { organization: org, organizationId } = tx;
      return this.idempotency.run(tx, { organizationId, key: idempotencyKey, operation: 'payInvoice', args: { invoiceId } }, ({ providerKey }) =>
        this.charge(tx, org, invoiceId, providerKey));
    });
    if ('declined' in outcome) {
      const { code, message, paymentId } = outcome.declined;
      throw paymentFailed(`The payment was declined (${code}): ${message}. The invoice stays open.`, code, paymentId);
    }
    return ctx.em.findOneByOrFail(Invoice, { id: outcome.invoiceId });
  }

  /** Inside the lock: a declined charge is an outcome (recorded, remembered for the key), not a rollback. */
  private async charge(tx: Scoped<ServiceContext>, org: Organization, invoiceId: string, providerKey: string): Promise<PayOutcome> {
    const invoice = await tx.find(Invoice, invoiceId);
    if (invoice.status === InvoiceStatus.PAID) throw alreadyPaid(invoice.number);
    if (invoice.status !== InvoiceStatus.OPEN) throw conflict(`Invoice ${invoice.number} is ${invoice.status} and cannot be paid`);
    const method = await this.credits.paymentMethod(tx.em, org.id);
    if (!method) throw paymentFailed('No payment method on file: add a card with updatePaymentMethod, then pay again', 'no_payment_method');
    const amountDue = invoice.totalCents - invoice.amountPaidCents;
    const result = await this.provider.charge(amountDue, method.providerRef, providerKey);
    const now = this.clock.now();
    const failed = result.status === 'failed';
    const payment = tx.em.create(Payment, {
      organizationId: org.id, purpose: PaymentPurpose.INVOICE, invoiceId, amountCents: amountDue,
      status: failed ? PaymentStatus.FAILED : PaymentStatus.SUCCEEDED, failureCode: failed ? result.code : null, providerRef: result.chargeRef, createdAt: now,
    });
    await tx.em.insert(Payment, payment);
    const recipients = await this.contacts.recipients(tx.em, org.id, org);
    if (result.status === 'failed') {
      await this.alerts.raise(tx, {
        organizationId: org.id, kind: AlertKind.PAYMENT_FAILED,
        message: `Payment of ${formatUsd(amountDue)} for invoice ${invoice.number} failed (${result.code.replace(/_/g, ' ')}); the invoice is still open.`,
      });
      await this.notifications.enqueue(tx, {
        organizationId: org.id, invoiceId, kind: NotificationKind.PAYMENT_FAILED, recipients,
        mail: invoiceMail(NotificationKind.PAYMENT_FAILED, invoice, org.name, this.config.billingPortalUrl, null, result.code),
      });
      return { declined: { paymentId: payment.id, code: result.code, message: result.message } };
    }
    invoice.status = InvoiceStatus.PAID;
    invoice.amountPaidCents += amountDue;
    invoice.paidAt = now;
    await tx.em.update(Invoice, { id: invoiceId }, { status: invoice.status, amountPaidCents: invoice.amountPaidCents, paidAt: now });
    await this.notifications.enqueue(tx, {
      organizationId: org.id, invoiceId, kind: NotificationKind.PAYMENT_RECEIPT, recipients,
      mail: invoiceMail(NotificationKind.PAYMENT_RECEIPT, invoice, org.name, this.config.billingPortalUrl),
    });
    return { invoiceId };
  }

  payments(em: ServiceContext['em'], invoiceId: string): Promise<Payment[]> {
    return em.find(Payment, { where: { invoiceId }, order: { createdAt: 'ASC', id: 'ASC' } });
  }
}
