import {
  AuditAction,
  AlertKind,
  Invoice,
  InvoiceStatus,
  NotificationKind,
  Organization,
  Payment,
  PaymentPurpose,
} from '../../entities';
import type { AppConfig } from '../config/config';
import type { Scoped } from '../db/organization-scope';
import { UnitOfWork } from '../db/unit-of-work';
import { alreadyPaid, conflict } from '../errors/errors';
import { invoiceMail } from '../notifications/templates';
import { AlertService } from './alert.service';
import { BillingContactsService } from './billing-contacts.service';
import { IdempotencyService, validateIdempotencyKey } from './idempotency.service';
import { amountDueCents, formatUsd } from '../common/money';
import { OutboxWriter } from './outbox-writer';
import { Declined, PaymentsService } from './payments.service';
import type { ServiceContext } from './service-context';
import { type AuditLog, changedFields } from './audit-log';

type PayOutcome = { invoiceId: string } | { declined: Declined };

/**
 * R19: paying an invoice with the payment method on file. Runs under the organization's write lock — so two
 * payments at the same instant, with the same key or different ones, cannot both charge — and through the one
 * idempotency mechanism. Allowed after termination (R21: payment obligations survive).
 */
export class InvoicePaymentService {
  constructor(
    private readonly uow: UnitOfWork,
    private readonly config: Pick<AppConfig, 'billingPortalUrl'>,
    private readonly payments: PaymentsService,
    private readonly idempotency: IdempotencyService,
    private readonly alerts: AlertService,
    private readonly contacts: BillingContactsService,
    private readonly outboxWriter: OutboxWriter,
    private readonly audit: AuditLog,
  ) {}

  async pay(ctx: ServiceContext, invoiceId: string, idempotencyKey: string): Promise<Invoice> {
    validateIdempotencyKey(idempotencyKey);
    const outcome = await this.uow.forOrganization(
      ctx,
      { owner: Invoice, id: invoiceId },
      { allowTerminated: true },
      async (tx): Promise<PayOutcome> => {
        const { organization: org, organizationId } = tx;
        return this.idempotency.run(
          tx,
          { organizationId, key: idempotencyKey, operation: 'payInvoice', args: { invoiceId } },
          ({ providerKey }) => this.charge(tx, org, invoiceId, providerKey),
        );
      },
    );
    if ('declined' in outcome) throw this.payments.declinedError(outcome.declined, '. The invoice stays open.');
    return ctx.em.findOneByOrFail(Invoice, { id: outcome.invoiceId });
  }

  /** Inside the lock: a declined charge is an outcome (recorded, remembered for the key), not a rollback. */
  private async charge(
    tx: Scoped<ServiceContext>,
    org: Organization,
    invoiceId: string,
    providerKey: string,
  ): Promise<PayOutcome> {
    const invoice = await tx.find(Invoice, invoiceId);
    if (invoice.status === InvoiceStatus.PAID) throw alreadyPaid(invoice.number);
    if (invoice.status !== InvoiceStatus.OPEN)
      throw conflict(`Invoice ${invoice.number} is ${invoice.status} and cannot be paid`);
    const amountDue = amountDueCents(invoice);
    const { payment, declined } = await this.payments.charge(tx, {
      purpose: PaymentPurpose.INVOICE,
      invoiceId,
      amountCents: amountDue,
      providerKey,
      retry: 'pay again',
    });
    const recipients = await this.contacts.recipients(tx.em, org.id, org);
    if (declined) {
      await this.alerts.raise(tx, {
        organizationId: org.id,
        kind: AlertKind.PAYMENT_FAILED,
        message: `Payment of ${formatUsd(amountDue)} for invoice ${invoice.number} failed (${declined.code.replace(/_/g, ' ')}); the invoice is still open.`,
      });
      await this.outboxWriter.enqueue(tx, {
        organizationId: org.id,
        invoiceId,
        kind: NotificationKind.PAYMENT_FAILED,
        recipients,
        mail: invoiceMail(
          NotificationKind.PAYMENT_FAILED,
          invoice,
          org.name,
          this.config.billingPortalUrl,
          null,
          declined.code,
        ),
      });
      return { declined };
    }
    const before = { status: invoice.status, amountPaidCents: invoice.amountPaidCents, paidAt: invoice.paidAt };
    invoice.status = InvoiceStatus.PAID;
    invoice.amountPaidCents += amountDue;
    invoice.paidAt = payment.createdAt;
    await tx.em.update(
      Invoice,
      { id: invoiceId },
      { status: invoice.status, amountPaidCents: invoice.amountPaidCents, paidAt: invoice.paidAt },
    );
    await this.audit.record(tx, {
      action: AuditAction.INVOICE_PAID,
      targetType: 'Invoice',
      targetId: invoiceId,
      changes: changedFields(before, invoice, ['status', 'amountPaidCents', 'paidAt']),
      at: payment.createdAt,
    });
    await this.outboxWriter.enqueue(tx, {
      organizationId: org.id,
      invoiceId,
      kind: NotificationKind.PAYMENT_RECEIPT,
      recipients,
      mail: invoiceMail(NotificationKind.PAYMENT_RECEIPT, invoice, org.name, this.config.billingPortalUrl),
    });
    return { invoiceId };
  }

  paymentsOf(em: ServiceContext['em'], invoiceId: string): Promise<Payment[]> {
    return em.find(Payment, { where: { invoiceId }, order: { createdAt: 'ASC', id: 'ASC' } });
  }
}
