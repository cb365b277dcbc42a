import type { Logger } from 'pino';
import type { EntityManager } from 'typeorm';
import { ALL_PERMISSIONS } from '../../entities';
import { requireOperator } from '../auth/guards';
import type { Viewer } from '../auth/viewer';
import type { AppConfig } from '../config/config';
import { badInput, forbidden } from '../errors/errors';
import type { Metrics } from '../observability/metrics';
import { Clock } from './clock';
import type { ServiceContext } from './service-context';

/** What one scheduler run did (the JobRunReport of the contract). */
export interface JobCounts {
  remindersQueued: number;
  notificationsSent: number;
  periodsClosed: number;
  lotsExpired: number;
}
export interface JobRunReport extends JobCounts {
  asOf: Date;
}

/** One run of the jobs: `asOf` is "now" for what is due; `now()` stamps what they write (the test clock pins it to asOf). */
export interface JobRun {
  asOf: Date;
  now(): Date;
  /** Aborted when the server stops: long jobs end early at a safe point (the rest is picked up by the next run). */
  signal: AbortSignal;
}

/**
 * A scheduled job. Every instance runs every job, so a job must be safe to run concurrently on many instances
 * (database constraints and guarded updates, never "only one instance runs this").
 */
export interface ScheduledJob {
  name: string;
  run(ctx: ServiceContext, run: JobRun): Promise<Partial<JobCounts>>;
}

export type SchedulerTrigger = 'timer' | 'test_clock';

/** Scheduled jobs act for the platform, not for a user. */
const SCHEDULER_VIEWER: Viewer = Object.freeze({
  authenticated: true, isOperator: true, subject: 'scheduler', user: null, organizationId: null, permissions: new Set(ALL_PERMISSIONS),
});

/**
 * The scheduler of one server instance (R23, R24, R17): on a timer (BILLING_SCHEDULER_INTERVAL_MS, 0 = off) it runs
 * every job in order — close due periods, expire credit lots, queue reminders, deliver the outbox — as of now.
 * With BILLING_TEST_CLOCK=1 an operator may run them as of any instant (`runScheduledJobs`).
 * Runs of one instance never overlap on the timer (the next tick is scheduled when one ends); runs of different
 * instances, or a test-clock run next to a tick, may — the jobs are built for that.
 */
export class SchedulerService {
  private timer: NodeJS.Timeout | null = null;
  private stopped = false;
  private readonly inFlight = new Set<Promise<unknown>>();
  private readonly abort = new AbortController();

  constructor(
    readonly jobs: readonly ScheduledJob[],
    private readonly deps: {
      em: EntityManager;
      clock: Clock;
      config: Pick<AppConfig, 'testClock' | 'schedulerIntervalMs'>;
      log: Logger;
      metrics?: Pick<Metrics, 'schedulerRunDuration' | 'schedulerJobFailures'>;
    },
  ) {}

  /** Every job as of `asOf`, in order. A job that throws is logged and counted; the others still run. */
  async runAll(asOf: Date, trigger: SchedulerTrigger, now: () => Date = () => this.deps.clock.now()): Promise<JobRunReport & { failedJobs: string[] }> {
    const work = this.runJobs(asOf, trigger, now);
    this.inFlight.add(work);
    try {
      return await work;
    } finally {
      this.inFlight.delete(work);
    }
  }

  private async runJobs(asOf: Date, trigger: SchedulerTrigger, now: () => Date): Promise<JobRunReport & { failedJobs: string[] }> {
    const endTimer = this.deps.metrics?.schedulerRunDuration.startTimer({ trigger });
    const report = { asOf, remindersQueued: 0, notificationsSent: 0, periodsClosed: 0, lotsExpired: 0, failedJobs: [] as string[] };
    const ctx: ServiceContext = { viewer: SCHEDULER_VIEWER, em: this.deps.em };
    const run: JobRun = { asOf, now, signal: this.abort.signal };
    try {
      for (const job of this.jobs) {
        if (this.abort.signal.aborted) break;
        try {
          const counts = await job.run(ctx, run);
          for (const key of ['remindersQueued', 'notificationsSent', 'periodsClosed', 'lotsExpired'] as const) report[key] += counts[key] ?? 0;
        } catch (error) {
          report.failedJobs.push(job.name);
          this.deps.metrics?.schedulerJobFailures.inc({ job: job.name });
          this.deps.log.error({ err: error, job: job.name, asOf, trigger }, 'scheduled job failed');
        }
      }
    } finally {
      endTimer?.();
    }
    const { failedJobs, ...counts } = report;
    if (counts.remindersQueued || counts.notificationsSent || counts.periodsClosed || counts.lotsExpired || failedJobs.length) {
      this.deps.log.info({ ...counts, failedJobs, trigger }, 'scheduler run');
    }
    return report;
  }

  /** The test clock: operators run every job as of `asOf`, only when the server runs with BILLING_TEST_CLOCK=1. */
  async runForTestClock(ctx: ServiceContext, asOf: Date): Promise<JobRunReport> {
    requireOperator(ctx.viewer);
    if (!this.deps.config.testClock) {
      throw forbidden('runScheduledJobs is refused: the test clock is off (start the server with BILLING_TEST_CLOCK=1 to enable it)');
    }
    if (!(asOf instanceof Date) || Number.isNaN(asOf.getTime())) throw badInput('asOf', 'asOf must be a valid instant');
    const { failedJobs, ...report } = await this.runAll(asOf, 'test_clock', () => asOf);
    // Details are in the log; the client learns which jobs failed, not why (no SQL reaches a client).
    if (failedJobs.length) throw new Error(`scheduled jobs failed: ${failedJobs.join(', ')}`);
    return report;
  }

  /** Starts the timer (no-op when the interval is 0). The first run comes one interval after start. */
  start(): void {
    const interval = this.deps.config.schedulerIntervalMs;
    if (this.stopped || this.timer || !(interval > 0)) return;
    const schedule = () => {
      this.timer = setTimeout(async () => {
        await this.runAll(this.deps.clock.now(), 'timer');
        if (!this.stopped) schedule();
      }, interval);
      this.timer.unref();
    };
    schedule();
    this.deps.log.info({ intervalMs: interval }, 'scheduler started');
  }

  /** Stops the timer, asks running jobs to end at their next safe point and waits for them (before the database closes). */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.abort.abort();
    await Promise.allSettled([...this.inFlight]);
  }
}
