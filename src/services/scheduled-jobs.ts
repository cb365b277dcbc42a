import type { CreditService } from './credit.service';
import type { IdempotencyService } from './idempotency.service';
import type { InvoiceService } from './invoice.service';
import type { OutboxDeliverer } from './outbox-deliverer';
import type { ReminderService } from './reminder.service';
import type { ScheduledJob } from './scheduler.service';

/** R17: closes every billing period that has ended by asOf into its invoice (one per period, under the org lock). */
export const closeDuePeriodsJob = (invoices: Pick<InvoiceService, 'closeDuePeriods'>): ScheduledJob => ({
  name: 'closeDuePeriods',
  run: async (ctx, { asOf, signal, onFailure }) => ({
    periodsClosed: await invoices.closeDuePeriods(ctx, asOf, { signal, onFailure }),
  }),
});

/** R13/R16: lots past their expiry stop counting; each gets one EXPIRY ledger entry (safe on many instances). */
export const expireCreditLotsJob = (credits: Pick<CreditService, 'expireLots'>): ScheduledJob => ({
  name: 'expireCreditLots',
  run: async (ctx, { asOf, signal, onFailure }) => ({
    lotsExpired: await credits.expireLots(ctx, asOf, { signal, onFailure }),
  }),
});

/**
 * R19: idempotency keys are kept at least 24 hours of real time, then deleted, so the table does not grow without bound.
 * One statement for every organization: a retention sweep that fails only keeps keys longer, and stalls no organization.
 */
export const purgeIdempotencyKeysJob = (idempotency: Pick<IdempotencyService, 'purgeExpired'>): ScheduledJob => ({
  name: 'purgeIdempotencyKeys',
  run: async (ctx, { asOf }) => {
    await idempotency.purgeExpired(ctx, asOf);
    return {};
  },
});

/** R23: the 15/7/3/1-day reminders that are due, each at most once. */
export const queueRemindersJob = (reminders: Pick<ReminderService, 'queueDue'>): ScheduledJob => ({
  name: 'queueInvoiceReminders',
  run: async (ctx, run) => ({ remindersQueued: await reminders.queueDue(ctx, run.asOf, run.now(), run) }),
});

/** R24: delivers what the outbox holds that is due (new mail, and retries whose backoff has passed). Last, so a run's own mail goes out in that run. */
export const deliverOutboxJob = (outboxDeliverer: Pick<OutboxDeliverer, 'deliverDue'>): ScheduledJob => ({
  name: 'deliverOutbox',
  run: async (ctx, run) => ({ notificationsSent: (await outboxDeliverer.deliverDue(ctx, run)).sent }),
});
