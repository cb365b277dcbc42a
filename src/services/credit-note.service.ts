import { type AuditLog, createdFields } from './audit-log';
import { EntityManager, In } from 'typeorm';
import {
  AuditAction,
  BillingPeriod,
  CreditNote,
  CreditNoteReason,
  Invoice,
  InvoiceStatus,
  NotificationKind,
  Organization,
} from '../../entities';
import { MAX_LENGTH } from '../../entities/lengths';
import type { AppConfig } from '../config/config';
import { Clock } from '../common/clock';
import { amountDueCents, formatUsd } from '../common/money';
import type { Scoped } from '../db/organization-scope';
import { Page, PageArgs, paginate } from '../db/paginate';
import { UnitOfWork } from '../db/unit-of-work';
import { badInput } from '../errors/errors';
import { creditNoteMail } from '../notifications/templates';
import { BillingContactsService } from './billing-contacts.service';
import { IdempotencyService, validateIdempotencyKey } from './idempotency.service';
import { OutboxWriter } from './outbox-writer';
import { PaymentsService } from './payments.service';
import type { ServiceContext } from './service-context';
import { checkText } from './text';

export interface IssueCreditNoteInput {
  invoiceId: string;
  amountCents: number;
  reason: CreditNoteReason;
  memo?: string | null;
  idempotencyKey: string;
}

/** CN-000001, CN-000002…: the printed form of a credit note's sequence. */
export const creditNoteNumber = (sequence: number) => `CN-${String(sequence).padStart(6, '0')}`;

/** The id the upcoming (DRAFT) invoice of a period has (R18): `upcoming-<period id>`. */
const UPCOMING_PREFIX = 'upcoming-';

/** R33: what a credit note may still take from an invoice: its total less its earlier notes. */
export function creditableCents(invoice: Pick<Invoice, 'totalCents' | 'creditedCents'>): number {
  return invoice.totalCents - invoice.creditedCents;
}

/** R33: the pure checks of an issueCreditNote call, before anything is read (BAD_USER_INPUT, nothing written). */
export function validateCreditNoteInput(input: IssueCreditNoteInput): void {
  validateIdempotencyKey(input.idempotencyKey);
  if (!Number.isSafeInteger(input.amountCents) || input.amountCents <= 0)
    throw badInput('amountCents', 'amountCents must be a positive whole number of cents');
  if (!Object.values(CreditNoteReason).includes(input.reason))
    throw badInput('reason', `reason must be one of ${Object.values(CreditNoteReason).join(', ')}`);
  if (input.memo != null) checkText('memo', input.memo, { max: MAX_LENGTH.creditNoteMemo, multiline: true });
}

/**
 * R33: credit notes, the only correction of an issued invoice (operators). Each note is numbered gapless per
 * organization and never changes (database triggers). On an OPEN invoice it lowers the amount due — reaching zero
 * makes the invoice PAID without a charge, so reminders stop (R23 reminds OPEN invoices only); on a PAID invoice its
 * amount goes back to the card through the payment provider and is recorded as a REFUND payment (amountPaid stays
 * what was charged). Idempotent by key (R19) and serialized by the organization's lock, so concurrent notes never
 * credit more than the invoice's total.
 */
export class CreditNoteService {
  constructor(
    private readonly uow: UnitOfWork,
    private readonly clock: Clock,
    private readonly config: Pick<AppConfig, 'billingPortalUrl'>,
    private readonly payments: PaymentsService,
    private readonly idempotency: IdempotencyService,
    private readonly contacts: BillingContactsService,
    private readonly outboxWriter: OutboxWriter,
    private readonly audit: AuditLog,
  ) {}

  /**
   * Issues a note. Like payInvoice (R19), the provider's refund runs inside the organization's lock, after the
   * idempotency key is looked up and with the provider's own idempotency key: a replayed key returns the first note
   * and refunds nothing, a retried transaction (a MariaDB deadlock) replays the provider's first answer, and a
   * concurrent note waits for this one, then sees what is left to credit. Allowed after termination (R21: payment
   * obligations, and their corrections, survive).
   */
  async issue(ctx: ServiceContext, input: IssueCreditNoteInput): Promise<CreditNote> {
    validateCreditNoteInput(input);
    await this.refuseDraftInvoice(ctx, input.invoiceId);
    const memo = input.memo ? input.memo : null;
    const { creditNoteId } = await this.uow.forOrganization(
      ctx,
      { owner: Invoice, id: input.invoiceId },
      { allowTerminated: true },
      (tx) =>
        this.idempotency.run(
          tx,
          {
            organizationId: tx.organizationId,
            key: input.idempotencyKey,
            operation: 'issueCreditNote',
            args: { invoiceId: input.invoiceId, amountCents: input.amountCents, reason: input.reason, memo },
          },
          ({ providerKey }) => this.write(tx, { ...input, memo }, providerKey),
        ),
    );
    return ctx.em.findOneByOrFail(CreditNote, { id: creditNoteId });
  }

  /** Inside the lock: the note, the invoice's new amounts, the refund (PAID), the mail. Any refusal writes nothing. */
  private async write(
    tx: Scoped<ServiceContext>,
    input: IssueCreditNoteInput & { memo: string | null },
    providerKey: string,
  ): Promise<{ creditNoteId: string }> {
    const invoice = await tx.find(Invoice, input.invoiceId);
    if (invoice.status !== InvoiceStatus.OPEN && invoice.status !== InvoiceStatus.PAID)
      throw badInput(
        'invoiceId',
        `Invoice ${invoice.number} is ${invoice.status}; only OPEN and PAID invoices take credit notes`,
      );
    const creditable = creditableCents(invoice);
    if (input.amountCents > creditable)
      throw badInput(
        'amountCents',
        `Invoice ${invoice.number} has ${formatUsd(creditable)} left to credit (its total less earlier credit notes); ${formatUsd(input.amountCents)} is more`,
      );
    const now = this.clock.now();
    const refund =
      invoice.status === InvoiceStatus.PAID
        ? await this.payments.refund(tx, { invoiceId: invoice.id, amountCents: input.amountCents, providerKey })
        : null;
    const org: Organization = tx.organization;
    org.lastCreditNoteSequence += 1;
    await tx.em.update(Organization, { id: org.id }, { lastCreditNoteSequence: org.lastCreditNoteSequence });
    const note = tx.em.create(CreditNote, {
      organizationId: org.id,
      invoiceId: invoice.id,
      sequence: org.lastCreditNoteSequence,
      number: creditNoteNumber(org.lastCreditNoteSequence),
      amountCents: input.amountCents,
      refundedCents: refund ? refund.amountCents : 0,
      reason: input.reason,
      memo: input.memo,
      refundPaymentId: refund?.id ?? null,
      createdAt: now,
    });
    await tx.em.insert(CreditNote, note);
    await this.applyToInvoice(tx, invoice, note, now);
    await this.audit.record(tx, {
      action: AuditAction.CREDIT_NOTE_ISSUED,
      targetType: 'CreditNote',
      targetId: note.id,
      changes: createdFields({
        number: note.number,
        invoiceId: invoice.id,
        invoiceNumber: invoice.number,
        amountCents: note.amountCents,
        refundedCents: note.refundedCents,
        memo: note.memo,
        invoiceStatus: invoice.status,
      }),
      reason: input.reason,
      at: now,
    });
    await this.outboxWriter.enqueue(tx, {
      organizationId: org.id,
      invoiceId: invoice.id,
      kind: NotificationKind.CREDIT_NOTE_ISSUED,
      recipients: await this.contacts.recipients(tx.em, org.id, org),
      mail: creditNoteMail(note, invoice, org.name, this.config.billingPortalUrl),
    });
    return { creditNoteId: note.id };
  }

  /** R33: the invoice's credited amounts move; an OPEN invoice whose amount due reaches zero is PAID, with no charge. */
  private async applyToInvoice(tx: ServiceContext, invoice: Invoice, note: CreditNote, now: Date): Promise<void> {
    invoice.creditedCents += note.amountCents;
    invoice.refundedCents += note.refundedCents;
    const settled = invoice.status === InvoiceStatus.OPEN && amountDueCents(invoice) <= 0;
    if (settled) {
      invoice.status = InvoiceStatus.PAID;
      invoice.paidAt = now;
    }
    await tx.em.update(
      Invoice,
      { id: invoice.id },
      {
        creditedCents: invoice.creditedCents,
        refundedCents: invoice.refundedCents,
        ...(settled ? { status: invoice.status, paidAt: invoice.paidAt } : {}),
      },
    );
  }

  /**
   * R33: the upcoming invoice (R18, id `upcoming-<period>`) is a DRAFT preview: BAD_USER_INPUT. An id that names no
   * period a viewer may see stays NOT_FOUND (R5), answered by the scope.
   */
  private async refuseDraftInvoice(ctx: ServiceContext, invoiceId: string): Promise<void> {
    if (!invoiceId.startsWith(UPCOMING_PREFIX)) return;
    const period = await ctx.em.findOneBy(BillingPeriod, { id: invoiceId.slice(UPCOMING_PREFIX.length) });
    if (period && (ctx.viewer.isOperator || period.organizationId === ctx.viewer.organizationId))
      throw badInput('invoiceId', 'The upcoming invoice is a DRAFT preview; credit notes correct issued invoices only');
  }

  /** The organization's credit notes, newest first. */
  list(em: EntityManager, organizationId: string, page: PageArgs): Promise<Page<CreditNote>> {
    const qb = em.createQueryBuilder(CreditNote, 'note').where('note.organizationId = :organizationId', {
      organizationId,
    });
    return paginate(qb, page, { column: 'sequence', direction: 'DESC', unique: true });
  }

  /** The notes of these invoices, oldest first. */
  ofInvoices(em: EntityManager, invoiceIds: readonly string[]): Promise<CreditNote[]> {
    if (invoiceIds.length === 0) return Promise.resolve([]);
    return em.find(CreditNote, { where: { invoiceId: In([...invoiceIds]) }, order: { sequence: 'ASC' } });
  }
}
