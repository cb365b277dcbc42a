import { In } from 'typeorm';
import { Invoice, InvoiceStatus, Notification, NotificationKind, Organization } from '../../entities';
import type { AppConfig } from '../config/config';
import { sqlInstant } from '../db/sql';
import { isUniqueViolation } from '../db/unique-violation';
import { UnitOfWork } from '../db/unit-of-work';
import { invoiceMail } from '../notifications/templates';
import { BillingContactsService } from './billing-contacts.service';
import { forEachIsolated, IsolationOptions } from './job-isolation';
import { OutboxWriter } from './outbox-writer';
import type { ServiceContext } from './service-context';

/** R23: reminders go this many days before the due date. */
export const REMINDER_OFFSETS_DAYS = [15, 7, 3, 1] as const;
const DAY_MS = 86_400_000;
const CHUNK = 200;

/**
 * R23, as a pure rule: the one reminder to queue for an invoice at `asOf`, or null.
 * - Only before the due date (a reminder says "due in N days"; nothing here is an overdue notice).
 * - Only the latest reminder whose moment has come: a late run sends that one, never a burst of older ones.
 * - Only moments after the invoice was issued: with payment terms of 10 days there is no 15-day reminder (the
 *   invoice mail itself just went out).
 * - Never one older than a reminder already queued (also holds if the test clock is moved backwards).
 */
export function reminderDue(
  invoice: { issuedAt: Date; dueAt: Date },
  asOf: Date,
  alreadyQueued: readonly number[],
): number | null {
  const due = invoice.dueAt.getTime();
  if (asOf.getTime() >= due) return null;
  const reached = REMINDER_OFFSETS_DAYS.filter(
    (d) => due - d * DAY_MS <= asOf.getTime() && due - d * DAY_MS > invoice.issuedAt.getTime(),
  );
  if (reached.length === 0) return null;
  const latest = Math.min(...reached);
  return alreadyQueued.some((q) => q <= latest) ? null : latest;
}

/**
 * R23: queues invoice reminders into the outbox. Safe on any number of instances at once: each reminder is
 * written in its own short transaction under the organization's lock, after re-reading what is already queued,
 * and the unique (invoiceId, kind, offsetDays) index turns any remaining race into a duplicate-key error that
 * means "already queued".
 */
export class ReminderService {
  constructor(
    private readonly uow: UnitOfWork,
    private readonly config: Pick<AppConfig, 'billingPortalUrl'>,
    private readonly contacts: BillingContactsService,
    private readonly outboxWriter: OutboxWriter,
  ) {}

  /**
   * Queues every reminder due at `asOf`, stamped `at` (createdAt, first delivery time). Returns how many it queued.
   * R35: each reminder is its own transaction; one that fails is reported with its organization (the others are
   * still queued) and, not being written, is due again on the next run.
   */
  async queueDue(ctx: ServiceContext, asOf: Date, at: Date = asOf, options: IsolationOptions = {}): Promise<number> {
    const candidates = await ctx.em
      .createQueryBuilder(Invoice, 'i')
      .select(['i.id', 'i.organizationId', 'i.issuedAt', 'i.dueAt'])
      .where('i.status = :open', { open: InvoiceStatus.OPEN })
      .andWhere('i.dueAt > :asOf', { asOf: sqlInstant(ctx.em, asOf) })
      .andWhere('i.dueAt <= :horizon', {
        horizon: sqlInstant(ctx.em, new Date(asOf.getTime() + REMINDER_OFFSETS_DAYS[0] * DAY_MS)),
      })
      .orderBy('i.dueAt', 'ASC')
      .addOrderBy('i.id', 'ASC')
      .getMany();
    let queued = 0;
    for (let i = 0; i < candidates.length && !options.signal?.aborted; i += CHUNK) {
      const chunk = candidates.slice(i, i + CHUNK);
      const queuedOffsets = await this.queuedOffsets(
        ctx,
        chunk.map((c) => c.id),
      );
      const due = chunk.flatMap((invoice) => {
        const offsetDays = reminderDue(invoice, asOf, queuedOffsets.get(invoice.id) ?? []);
        return offsetDays === null ? [] : [{ invoice, offsetDays }];
      });
      await forEachIsolated(
        due,
        ({ invoice, offsetDays }) => ({
          organizationId: invoice.organizationId,
          detail: { invoiceId: invoice.id, offsetDays },
        }),
        async ({ invoice, offsetDays }) => {
          try {
            queued += await this.queueOne(ctx, invoice.id, invoice.organizationId, offsetDays, asOf, at);
          } catch (error) {
            if (!isUniqueViolation(error)) throw error; // a duplicate means another instance queued it first
          }
        },
        options,
      );
    }
    return queued;
  }

  private async queueOne(
    ctx: ServiceContext,
    invoiceId: string,
    organizationId: string,
    offsetDays: number,
    asOf: Date,
    at: Date,
  ): Promise<number> {
    // Serializes with payments and other instances; reminders still go after termination (R21: invoices stay payable).
    return this.uow.forOrganization(ctx, { organizationId }, { allowTerminated: true }, async (tx) => {
      const org: Organization = tx.organization;
      const invoice = await tx.em.findOneBy(Invoice, { id: invoiceId });
      if (!invoice || invoice.status !== InvoiceStatus.OPEN) return 0;
      const queued = (await this.queuedOffsets(tx, [invoiceId])).get(invoiceId) ?? [];
      if (reminderDue(invoice, asOf, queued) !== offsetDays) return 0;
      await this.outboxWriter.enqueue(tx, {
        organizationId,
        invoiceId,
        kind: NotificationKind.INVOICE_REMINDER,
        offsetDays,
        at,
        // R22/R23: the billing recipients of this moment, not of when the invoice was issued.
        recipients: await this.contacts.recipients(tx.em, organizationId, org),
        mail: invoiceMail(
          NotificationKind.INVOICE_REMINDER,
          invoice,
          org.name,
          this.config.billingPortalUrl,
          offsetDays,
        ),
      });
      return 1;
    });
  }

  private async queuedOffsets(ctx: Pick<ServiceContext, 'em'>, invoiceIds: string[]): Promise<Map<string, number[]>> {
    const map = new Map<string, number[]>();
    if (invoiceIds.length === 0) return map;
    const rows = await ctx.em.find(Notification, {
      where: { invoiceId: In(invoiceIds), kind: NotificationKind.INVOICE_REMINDER },
      select: { invoiceId: true, offsetDays: true },
    });
    for (const r of rows)
      if (r.invoiceId && r.offsetDays !== null) map.set(r.invoiceId, [...(map.get(r.invoiceId) ?? []), r.offsetDays]);
    return map;
  }
}
