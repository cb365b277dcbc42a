import { EntityManager, In } from 'typeorm';
import {
  AuditAction,
  BillingPeriod,
  Contract,
  Invoice,
  InvoiceLineItem,
  InvoiceStatus,
  Notification,
  NotificationKind,
  Organization,
} from '../../entities';
import { requireOperator } from '../auth/guards';
import type { AppConfig } from '../config/config';
import { Page, PageArgs, pageOfOrganization } from '../db/paginate';
import { sqlInstant } from '../db/sql';
import { UnitOfWork } from '../db/unit-of-work';
import { conflict, notFound } from '../errors/errors';
import { invoiceMail } from '../notifications/templates';
import { periodEnd } from './billing-calendar';
import { BillingContactsService } from './billing-contacts.service';
import { Clock } from '../common/clock';
import { BilledPeriod, DraftLine, InvoiceLineSource, invoiceNumber } from './invoice-lines';
import { forEachIsolated, IsolationOptions } from './job-isolation';
import { sumCents } from '../common/money';
import { OutboxWriter } from './outbox-writer';
import { OrganizationService } from './organization.service';
import type { PeakEvidenceService } from './peak-evidence.service';
import type { ServiceContext } from './service-context';
import type { Scoped } from '../db/organization-scope';
import { type AuditLog, createdFields } from './audit-log';

const DAY_MS = 86_400_000;

/** R18: the preview of the open period's invoice, computed as of now and never stored; so it has no number, dates or payments. */
export interface DraftInvoice {
  /** `upcoming-<period id>`: no stored invoice has it, so looking it up is NOT_FOUND. */
  id: string;
  number: null;
  status: InvoiceStatus.DRAFT;
  periodStart: Date;
  periodEnd: Date;
  issuedAt: null;
  dueAt: null;
  currency: string;
  subtotalCents: number;
  totalCents: number;
  amountPaidCents: 0;
  lines: DraftLine[];
}

/** R32: what a draft is computed from besides the stored state: another contract, licenses changed now. */
export interface InvoiceHypothesis {
  contract?: Contract;
  changedAt?: BilledPeriod['changedAt'];
}

/** An invoice as the API shows it: a stored one, or the DRAFT preview of the open period. */
export type InvoiceView = Invoice | DraftInvoice;

/** A stored invoice is issued OPEN or PAID (R17) and never DRAFT, so the status tells the preview apart. */
export function isDraftInvoice(invoice: InvoiceView): invoice is DraftInvoice {
  return invoice.status === InvoiceStatus.DRAFT;
}

/**
 * R17–R18: periods close into immutable invoices; the preview runs the same line code as of now.
 * Every close holds the organization's write lock, so numbers are gapless and a period closes once.
 */
export class InvoiceService {
  constructor(
    private readonly uow: UnitOfWork,
    private readonly clock: Clock,
    private readonly config: Pick<AppConfig, 'billingPortalUrl'>,
    private readonly organizations: OrganizationService,
    private readonly contacts: BillingContactsService,
    private readonly outboxWriter: OutboxWriter,
    private readonly lineSources: InvoiceLineSource[],
    private readonly evidence: Pick<PeakEvidenceService, 'freeze'>,
    private readonly audit: AuditLog,
  ) {}

  async lines(em: EntityManager, org: Organization, contract: Contract, period: BilledPeriod): Promise<DraftLine[]> {
    const lines: DraftLine[] = [];
    for (const source of this.lineSources) lines.push(...(await source.lines(em, org, contract, period)));
    return lines;
  }

  /** R18: what the open period's invoice would be if it closed now; status DRAFT, number null, nothing stored. */
  async upcoming(ctx: ServiceContext, organizationId: string): Promise<DraftInvoice | null> {
    return this.draft(ctx, organizationId, {});
  }

  /**
   * R18 and R32: the open period's invoice as of now through the one line code — as things are (an empty
   * hypothesis), or with a hypothetical contract and licenses changed now (`changedAt`). Reads only; null without an
   * open period (terminated).
   */
  async draft(ctx: ServiceContext, organizationId: string, what: InvoiceHypothesis): Promise<DraftInvoice | null> {
    const period = await this.organizations.currentPeriod(ctx.em, organizationId);
    if (!period) return null; // terminated: no open period
    const [org, contract] = await Promise.all([
      this.organizations.find(ctx.em, organizationId),
      what.contract ?? this.organizations.requireContract(ctx.em, organizationId),
    ]);
    if (!org) throw notFound('Organization', organizationId);
    const now = this.clock.now();
    const to = now < period.end ? now : period.end;
    const lines = await this.lines(ctx.em, org, contract, {
      periodId: period.id,
      from: period.start,
      to,
      open: period,
      // Changes at or after the period's end belong to the next period (a period the scheduler has not closed yet).
      ...(what.changedAt && now < period.end ? { changedAt: what.changedAt } : {}),
    });
    const total = sum(lines);
    return {
      id: `upcoming-${period.id}`,
      number: null,
      status: InvoiceStatus.DRAFT,
      periodStart: period.start,
      periodEnd: period.end,
      issuedAt: null,
      dueAt: null,
      currency: 'USD',
      subtotalCents: total,
      totalCents: total,
      amountPaidCents: 0,
      lines,
    };
  }

  list(
    em: EntityManager,
    organizationId: string,
    status: InvoiceStatus | null | undefined,
    page: PageArgs,
  ): Promise<Page<Invoice>> {
    // Newest first: the sequence follows the order of issue.
    return pageOfOrganization(em, Invoice, organizationId, status, page, {
      column: 'sequence',
      direction: 'DESC',
      unique: true,
    });
  }

  lineItems(em: EntityManager, invoiceIds: readonly string[]): Promise<InvoiceLineItem[]> {
    return em.find(InvoiceLineItem, { where: { invoiceId: In([...invoiceIds]) }, order: { position: 'ASC' } });
  }

  /** The mail written to the outbox about one invoice, oldest first. */
  notificationsOf(em: EntityManager, invoiceId: string): Promise<Notification[]> {
    return em.find(Notification, { where: { invoiceId }, order: { createdAt: 'ASC', id: 'ASC' } });
  }

  /** Operators: ends the current period now, issues its invoice and starts the next period (re-anchored at now). */
  async closeCurrentPeriod(ctx: ServiceContext, organizationId: string): Promise<Invoice> {
    requireOperator(ctx.viewer);
    return this.uow.forOrganization(ctx, { organizationId }, {}, async (tx) => {
      const org = tx.organization;
      const period = await this.organizations.currentPeriod(tx.em, organizationId);
      if (!period) throw conflict('The organization has no open billing period');
      const now = this.clock.now();
      if (now <= period.start)
        throw conflict('The current billing period has just started; there is nothing to close yet');
      return this.closePeriod(tx, org, period, now, { final: false });
    });
  }

  /**
   * Closes every period that has ended by `asOf`, oldest first, one invoice each (the scheduler calls this).
   * R35: each organization closes in its own transaction; one that fails is reported and left open for the next
   * run, and the others still close.
   */
  async closeDuePeriods(ctx: ServiceContext, asOf: Date, options: IsolationOptions = {}): Promise<number> {
    const due = await ctx.em
      .createQueryBuilder(BillingPeriod, 'p')
      .where('p.openForOrganizationId IS NOT NULL')
      .andWhere('p.end <= :asOf', { asOf: sqlInstant(ctx.em, asOf) })
      .orderBy('p.end', 'ASC')
      .addOrderBy('p.organizationId', 'ASC')
      .getMany();
    let closed = 0;
    await forEachIsolated(
      due,
      (p) => ({ organizationId: p.organizationId, detail: { periodId: p.id } }),
      async ({ organizationId }) => {
        closed += await this.uow.forOrganization(ctx, { organizationId }, {}, async (tx) => {
          const org = tx.organization;
          let count = 0;
          // Re-read under the lock: another instance may have closed it meanwhile.
          for (
            let period = await this.organizations.currentPeriod(tx.em, organizationId);
            period && period.end <= asOf;
            period = await this.organizations.currentPeriod(tx.em, organizationId)
          ) {
            await this.closePeriod(tx, org, period, asOf, { final: false });
            count++;
          }
          return count;
        });
      },
      options,
    );
    return closed;
  }

  /**
   * Issues the invoice of `period` as of `at` and, unless final, opens the next period where this one ends.
   * A period closed before its scheduled end is cut at `at`, and the next one is anchored there.
   * An invoice of $0.00 is issued PAID: there is nothing to collect or remind about. The caller holds the
   * organization scope (closes here, the final close of a termination in OrganizationLifecycleService).
   */
  async closePeriod(
    tx: Scoped<ServiceContext>,
    org: Organization,
    period: BillingPeriod,
    at: Date,
    opts: { final: boolean },
  ): Promise<Invoice> {
    const contract = await tx.em.findOneByOrFail(Contract, { organizationId: org.id });
    const early = at < period.end;
    const end = early ? at : period.end;
    const lines = await this.lines(tx.em, org, contract, { periodId: period.id, from: period.start, to: end });
    const total = sum(lines);
    org.lastInvoiceSequence += 1;
    await tx.em.update(Organization, { id: org.id }, { lastInvoiceSequence: org.lastInvoiceSequence });
    const invoice = await tx.em.save(
      tx.em.create(Invoice, {
        organizationId: org.id,
        periodId: period.id,
        sequence: org.lastInvoiceSequence,
        number: invoiceNumber(org.lastInvoiceSequence),
        status: total === 0 ? InvoiceStatus.PAID : InvoiceStatus.OPEN,
        periodStart: period.start,
        periodEnd: end,
        issuedAt: at,
        dueAt: new Date(at.getTime() + contract.paymentTermsDays * DAY_MS),
        currency: 'USD',
        subtotalCents: total,
        totalCents: total,
        amountPaidCents: 0,
        paidAt: total === 0 ? at : null,
      }),
    );
    await tx.em.insert(
      InvoiceLineItem,
      lines.map(({ evidenceOf: _evidence, ...line }, position) =>
        tx.em.create(InvoiceLineItem, { ...line, invoiceId: invoice.id, position }),
      ),
    );
    // R30: the evidence of the billed peak, frozen with the invoice (every license line shows it).
    const licensed = lines.find((line) => line.evidenceOf);
    if (licensed?.evidenceOf) await this.evidence.freeze(tx.em, invoice.id, licensed.evidenceOf, licensed.peakAt);
    await this.audit.record(tx, {
      action: AuditAction.INVOICE_ISSUED,
      targetType: 'Invoice',
      targetId: invoice.id,
      changes: createdFields({
        number: invoice.number,
        status: invoice.status,
        periodStart: invoice.periodStart,
        periodEnd: invoice.periodEnd,
        totalCents: invoice.totalCents,
        dueAt: invoice.dueAt,
        final: opts.final,
      }),
      at,
    });

    await tx.em.update(BillingPeriod, { id: period.id }, { end, closedAt: at, openForOrganizationId: null });
    if (!opts.final) {
      const scheduledEnd = periodEnd(period.anchor, contract.billingInterval, period.anchorIndex + 1);
      const continueSeries = !early && scheduledEnd > end;
      await this.organizations.openPeriod(tx.em, {
        organizationId: org.id,
        start: end,
        anchor: continueSeries ? period.anchor : end,
        anchorIndex: continueSeries ? period.anchorIndex + 1 : 0,
        end: continueSeries ? scheduledEnd : periodEnd(end, contract.billingInterval, 0),
      });
    }
    await this.outboxWriter.enqueue(tx, {
      organizationId: org.id,
      invoiceId: invoice.id,
      kind: NotificationKind.INVOICE_ISSUED,
      at, // the close instant (the test clock's asOf)
      recipients: await this.contacts.recipients(tx.em, org.id),
      mail: invoiceMail(NotificationKind.INVOICE_ISSUED, invoice, org.name, this.config.billingPortalUrl),
    });
    return invoice;
  }
}

const sum = (lines: DraftLine[]) => sumCents(lines.map((line) => line.amountCents));
