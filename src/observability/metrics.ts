import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** Prometheus metrics of one server instance, served on GET /metrics. */
export function createMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  return {
    registry,
    requests: new Counter({
      name: 'graphql_requests_total',
      help: 'GraphQL operations by name and type',
      labelNames: ['operation', 'type'],
      registers: [registry],
    }),
    duration: new Histogram({
      name: 'graphql_request_duration_seconds',
      help: 'GraphQL operation duration',
      labelNames: ['operation', 'type'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [registry],
    }),
    errors: new Counter({
      name: 'graphql_errors_total',
      help: 'GraphQL errors by code',
      labelNames: ['code'],
      registers: [registry],
    }),
    /** R24: mails the outbox delivered (SMTP accepted them, or they were written to the log without SMTP_URL). */
    notificationsSent: new Counter({
      name: 'billing_notifications_sent_total',
      help: 'Notifications delivered, by kind',
      labelNames: ['kind'],
      registers: [registry],
    }),
    /** R24: failed delivery attempts; final="true" when the notification gave up (status FAILED). */
    notificationsFailed: new Counter({
      name: 'billing_notifications_failed_total',
      help: 'Failed delivery attempts, by kind; final="true" when the notification became FAILED',
      labelNames: ['kind', 'final'],
      registers: [registry],
    }),
    /** R27: billing states computed — one per coalesced push per organization on this instance, whatever the subscribers. */
    billingStateComputations: new Counter({
      name: 'billing_state_computations_total',
      help: 'Billing states computed for Subscription.billingState (one per coalesced push per organization)',
      registers: [registry],
    }),
    /** R27: billing states sent to subscribers (after coalescing; a state that moved nothing is not sent). */
    billingStatePushes: new Counter({
      name: 'billing_state_pushes_total',
      help: 'Billing states pushed to Subscription.billingState subscribers',
      registers: [registry],
    }),
    schedulerRunDuration: new Histogram({
      name: 'billing_scheduler_run_duration_seconds',
      help: 'Duration of one scheduler run (every job), by trigger (timer or test_clock)',
      labelNames: ['trigger'],
      buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
      registers: [registry],
    }),
    /** R35: by job only — the organization is in the log line and the run report (an organization label would be unbounded). */
    schedulerJobFailures: new Counter({
      name: 'billing_scheduler_job_failures_total',
      help: 'Scheduler failures, by job: one per organization a run could not process (or per job that failed as a whole)',
      labelNames: ['job'],
      registers: [registry],
    }),
  };
}

export type Metrics = ReturnType<typeof createMetrics>;
