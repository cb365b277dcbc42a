import type { Logger } from 'pino';
import { Invoice, InvoiceStatus, Notification, NotificationKind, NotificationStatus } from '../../entities';
import { newId } from '../../entities/columns';
import { touchOrganization } from '../db/organization-scope';
import { sqlInstant } from '../db/sql';
import { UnitOfWork } from '../db/unit-of-work';
import { MailReceipt, MailTransport, messageIdFor } from '../notifications/mail-transport';
import type { Metrics } from '../observability/metrics';
import { Clock, systemClock } from '../common/clock';
import { FailureSink, forEachIsolated, IsolationOptions } from './job-isolation';
import type { ServiceContext } from './service-context';

/** A notification that failed this many times becomes FAILED and is never tried again. */
export const MAX_DELIVERY_ATTEMPTS = 5;
/**
 * How long a claim keeps other workers away (wall-clock time). Far longer than one SMTP exchange can take
 * (SMTP_TIMEOUTS_MS), so a claim expires only when its worker died; then another worker takes it over.
 */
const CLAIM_LEASE_MS = 5 * 60_000;
/** Exponential backoff after the n-th failure: 1 min, 5 min, 25 min, 125 min (then FAILED). */
export const retryDelayMs = (failures: number): number => 60_000 * 5 ** (failures - 1);
const BATCH_SIZE = 50;
const MAX_BATCHES_PER_RUN = 20;
/** Recording a success is retried this long before we give up and accept a possible second delivery. */
const RECORD_SENT_RETRY_DELAYS_MS = [100, 500, 2000];

/** One delivery run: `asOf` decides what is due; `now()` stamps what happens (the test clock pins both to asOf). */
export interface DeliveryRun extends IsolationOptions {
  asOf: Date;
  now(): Date;
}

export interface DeliveryReport {
  sent: number;
  failed: number;
  /** Reminders dropped unsent because their invoice was no longer OPEN (paid or voided after they were queued). */
  cancelled: number;
}

/**
 * R24: delivers the transactional outbox. Any number of workers (instances) may run at once: a worker claims one
 * notification with a guarded UPDATE (only a PENDING row with no live claim; the row lock makes exactly one claimer
 * win on MariaDB, SQLite has one writer), sends it, and records the outcome only under its claim token.
 *
 * Delivery is at-least-once, never at-most-once: a notification is marked SENT in its own short transaction right
 * after the SMTP server accepted it. If that write fails (database gone) even after retries, the row stays PENDING
 * and is sent again once the claim lease expires — a duplicate carrying the same Message-ID, which receiving
 * systems and people can recognise. Losing a reminder is worse than a recognisable duplicate. (SMTP itself has the
 * same window: a connection lost after the final DATA dot but before the server's reply looks like a failure.)
 */
export class OutboxDeliverer {
  constructor(
    private readonly uow: UnitOfWork,
    private readonly transport: MailTransport,
    private readonly config: { mailFrom: string },
    private readonly metrics: Pick<Metrics, 'notificationsSent' | 'notificationsFailed'> | undefined,
    private readonly log: Logger,
    /** Claims are about live processes, so they run on real time even when the test clock drives `asOf`. */
    private readonly wallClock: Clock = systemClock,
  ) {}

  /**
   * R35: each notification is claimed, sent and recorded on its own. One that cannot be processed (not a refused
   * delivery, which is retried with backoff, but e.g. a row that cannot be read) is reported with its organization,
   * its claim is released, and it is skipped for the rest of this run and tried again on the next; the others go out.
   */
  async deliverDue(ctx: ServiceContext, run: DeliveryRun): Promise<DeliveryReport> {
    const report: DeliveryReport = { sent: 0, failed: 0, cancelled: 0 };
    const failedThisRun = new Set<string>();
    for (let batch = 0; batch < MAX_BATCHES_PER_RUN && !run.signal?.aborted; batch++) {
      const due = await this.due(ctx, run.asOf, failedThisRun);
      let progressed = false; // something was claimed or set aside: the next batch holds other notifications
      await forEachIsolated(
        due,
        (n) => ({ organizationId: n.organizationId, detail: { notificationId: n.id } }),
        async ({ id }) => {
          let token: string | null = null;
          try {
            token = await this.claim(ctx, id, run.asOf);
            if (!token) return; // another worker has it
            progressed = true;
            report[await this.deliverClaimed(ctx, id, token, run)]++;
          } catch (error) {
            failedThisRun.add(id);
            progressed = true;
            if (token) await this.releaseClaim(ctx, id, token);
            throw error;
          }
        },
        { signal: run.signal, onFailure: run.onFailure ?? this.logFailure },
      );
      if (due.length < BATCH_SIZE || !progressed) break;
    }
    return report;
  }

  private async due(
    ctx: ServiceContext,
    asOf: Date,
    skip: ReadonlySet<string>,
  ): Promise<Array<Pick<Notification, 'id' | 'organizationId'>>> {
    const qb = ctx.em
      .createQueryBuilder(Notification, 'n')
      .select(['n.id', 'n.organizationId'])
      .where('n.status = :pending', { pending: NotificationStatus.PENDING })
      .andWhere('n.nextAttemptAt <= :asOf', { asOf: sqlInstant(ctx.em, asOf) })
      .andWhere('(n.claimedUntil IS NULL OR n.claimedUntil < :wallNow)', {
        wallNow: sqlInstant(ctx.em, this.wallClock.now()),
      });
    if (skip.size) qb.andWhere('n.id NOT IN (:...skip)', { skip: [...skip] });
    return qb.orderBy('n.nextAttemptAt', 'ASC').addOrderBy('n.id', 'ASC').limit(BATCH_SIZE).getMany();
  }

  /** Without a scheduler to report to, a notification that could not be processed is logged. */
  private readonly logFailure: FailureSink = ({ error, organizationId, detail }) =>
    this.log.error(
      { err: error, organizationId, ...detail },
      'outbox: a notification could not be processed; the next run retries it',
    );

  /** Gives a claim back without counting an attempt: what failed was not the delivery, so the next run simply retries. */
  private async releaseClaim(ctx: ServiceContext, id: string, token: string): Promise<void> {
    try {
      await this.uow.run(ctx, (tx) =>
        tx.em
          .createQueryBuilder()
          .update(Notification)
          .set({ claimToken: null, claimedUntil: null })
          .where('id = :id AND claimToken = :token', { id, token })
          .execute(),
      );
    } catch (error) {
      // The claim then lapses after CLAIM_LEASE_MS and the notification is taken over as usual.
      this.log.warn({ err: error, notificationId: id }, 'outbox: releasing a claim failed; it lapses with its lease');
    }
  }

  /** The guarded claim: succeeds for exactly one worker while no live claim exists. Returns the claim token. */
  private async claim(ctx: ServiceContext, id: string, asOf: Date): Promise<string | null> {
    const token = newId();
    const wallNow = this.wallClock.now();
    const result = await this.uow.run(ctx, (tx) =>
      tx.em
        .createQueryBuilder()
        .update(Notification)
        .set({ claimToken: token, claimedUntil: new Date(wallNow.getTime() + CLAIM_LEASE_MS) })
        .where('id = :id', { id })
        .andWhere('status = :pending', { pending: NotificationStatus.PENDING })
        .andWhere('nextAttemptAt <= :asOf', { asOf: sqlInstant(tx.em, asOf) })
        .andWhere('(claimedUntil IS NULL OR claimedUntil < :wallNow)', { wallNow: sqlInstant(tx.em, wallNow) })
        .execute(),
    );
    return result.affected === 1 ? token : null;
  }

  private async deliverClaimed(
    ctx: ServiceContext,
    id: string,
    token: string,
    run: DeliveryRun,
  ): Promise<keyof DeliveryReport> {
    const n = await ctx.em.findOneByOrFail(Notification, { id });
    if (
      n.kind === NotificationKind.INVOICE_REMINDER &&
      n.invoiceId &&
      !(await this.invoiceStillOpen(ctx, n.invoiceId))
    ) {
      // R23: paid (or voided) after the reminder was queued: a reminder to pay a settled invoice is never sent.
      await this.uow.run(ctx, async (tx) => {
        await touchOrganization(tx.em, n.organizationId); // the organization's row first, as every writer takes it
        await tx.em
          .createQueryBuilder()
          .delete()
          .from(Notification)
          .where('id = :id AND claimToken = :token', { id, token })
          .execute();
      });
      this.log.info(
        { notificationId: id, invoiceId: n.invoiceId, offsetDays: n.offsetDays },
        'reminder cancelled: the invoice is no longer open',
      );
      return 'cancelled';
    }

    let receipt: MailReceipt;
    try {
      receipt = await this.transport.send({
        messageId: messageIdFor(n.id, this.config.mailFrom),
        notificationId: n.id,
        to: n.recipients,
        subject: n.subject,
        text: n.textBody,
        html: n.htmlBody,
      });
    } catch (error) {
      await this.recordFailure(ctx, n, token, run, error);
      return 'failed';
    }
    await this.recordSent(ctx, n, token, run, receipt);
    return 'sent';
  }

  private async invoiceStillOpen(ctx: ServiceContext, invoiceId: string): Promise<boolean> {
    const invoice = await ctx.em.findOne(Invoice, { where: { id: invoiceId }, select: { id: true, status: true } });
    return invoice?.status === InvoiceStatus.OPEN;
  }

  private async recordSent(
    ctx: ServiceContext,
    n: Notification,
    token: string,
    run: DeliveryRun,
    receipt: MailReceipt,
  ): Promise<void> {
    this.metrics?.notificationsSent.inc({ kind: n.kind });
    const rejected = receipt.rejected.length
      ? truncate(`delivered, but refused for: ${receipt.rejected.join(', ')}`)
      : n.lastError;
    for (let attempt = 0; ; attempt++) {
      try {
        const result = await this.uow.run(ctx, async (tx) => {
          await touchOrganization(tx.em, n.organizationId); // the organization's row first, as every writer takes it
          return tx.em
            .createQueryBuilder()
            .update(Notification)
            .set({
              status: NotificationStatus.SENT,
              sentAt: run.now(),
              attempts: n.attempts + 1,
              lastError: rejected,
              claimToken: null,
              claimedUntil: null,
            })
            .where('id = :id AND claimToken = :token', { id: n.id, token })
            .execute();
        });
        if (result.affected !== 1) {
          this.log.warn(
            { notificationId: n.id },
            'outbox claim was taken over while sending: this mail may arrive twice (same Message-ID)',
          );
        }
        return;
      } catch (error) {
        if (attempt >= RECORD_SENT_RETRY_DELAYS_MS.length) {
          this.log.error(
            { err: error, notificationId: n.id },
            'mail sent but not recorded: it will be sent again after the claim lease (same Message-ID)',
          );
          return;
        }
        await new Promise((r) => setTimeout(r, RECORD_SENT_RETRY_DELAYS_MS[attempt]));
      }
    }
  }

  private async recordFailure(
    ctx: ServiceContext,
    n: Notification,
    token: string,
    run: DeliveryRun,
    error: unknown,
  ): Promise<void> {
    const failures = n.attempts + 1;
    const final = failures >= MAX_DELIVERY_ATTEMPTS;
    const now = run.now();
    await this.uow.run(ctx, async (tx) => {
      await touchOrganization(tx.em, n.organizationId); // the organization's row first, as every writer takes it
      await tx.em
        .createQueryBuilder()
        .update(Notification)
        .set({
          status: final ? NotificationStatus.FAILED : NotificationStatus.PENDING,
          attempts: failures,
          lastError: truncate(describe(error)),
          nextAttemptAt: final ? n.nextAttemptAt : new Date(now.getTime() + retryDelayMs(failures)),
          claimToken: null,
          claimedUntil: null,
        })
        .where('id = :id AND claimToken = :token', { id: n.id, token })
        .execute();
    });
    this.metrics?.notificationsFailed.inc({ kind: n.kind, final: String(final) });
    const fields = { notificationId: n.id, kind: n.kind, attempts: failures, error: describe(error) };
    if (final) this.log.error(fields, `mail delivery failed ${failures} times: giving up (status FAILED)`);
    else this.log.warn(fields, 'mail delivery failed: will retry');
  }

  close(): void {
    this.transport.close();
  }
}

function describe(error: unknown): string {
  const e = error as { responseCode?: number; code?: string; message?: string };
  return [e.responseCode, e.code, e.message ?? String(error)].filter(Boolean).join(' ');
}

const truncate = (s: string) => (s.length > 500 ? `${s.slice(0, 497)}...` : s);
