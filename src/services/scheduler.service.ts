import type { Logger } from 'pino';
import type { EntityManager } from 'typeorm';
import { ALL_PERMISSIONS } from '../../entities';
import { requireOperator } from '../auth/guards';
import type { Viewer } from '../auth/viewer';
import type { AppConfig } from '../config/config';
import { badInput, forbidden, publicErrorCode } from '../errors/errors';
import type { Metrics } from '../observability/metrics';
import { Clock } from '../common/clock';
import type { FailureSink, OrganizationFailure } from './job-isolation';
import type { ServiceContext } from './service-context';

/** What one scheduler run did (the JobRunReport of the contract). */
export interface JobCounts {
  remindersQueued: number;
  notificationsSent: number;
  periodsClosed: number;
  lotsExpired: number;
}
/** R35: an organization a job could not process in this run (null: the job failed as a whole). Retried on the next run. */
export interface JobFailure {
  job: string;
  organizationId: string | null;
  /** A stable code (docs/rules.md, Conventions) or INTERNAL_SERVER_ERROR; the message and any SQL stay in the log. */
  code: string;
}
export interface JobRunReport extends JobCounts {
  asOf: Date;
  failures: JobFailure[];
}

/** One run of the jobs: `asOf` is "now" for what is due; `now()` stamps what they write (the test clock pins it to asOf). */
export interface JobRun {
  asOf: Date;
  now(): Date;
  /** Aborted when the server stops: long jobs end early at a safe point (the rest is picked up by the next run). */
  signal: AbortSignal;
  /** R35: where the job reports an organization it could not process, before going on with the others. */
  onFailure: FailureSink;
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
  authenticated: true,
  isOperator: true,
  subject: 'scheduler',
  user: null,
  organizationId: null,
  permissions: new Set(ALL_PERMISSIONS),
  system: true,
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

  /**
   * Every job as of `asOf`, in order. R35: a job reports each organization it could not process and goes on with
   * the others; a job that throws as a whole is reported too, and the next jobs still run. Each failure is logged
   * with its organization, counted in billing_scheduler_job_failures_total{job} and listed in the report.
   */
  async runAll(
    asOf: Date,
    trigger: SchedulerTrigger,
    now: () => Date = () => this.deps.clock.now(),
  ): Promise<JobRunReport> {
    const work = this.runJobs(asOf, trigger, now);
    this.inFlight.add(work);
    try {
      return await work;
    } finally {
      this.inFlight.delete(work);
    }
  }

  private async runJobs(asOf: Date, trigger: SchedulerTrigger, now: () => Date): Promise<JobRunReport> {
    const endTimer = this.deps.metrics?.schedulerRunDuration.startTimer({ trigger });
    const report: JobRunReport = {
      asOf,
      remindersQueued: 0,
      notificationsSent: 0,
      periodsClosed: 0,
      lotsExpired: 0,
      failures: [],
    };
    const ctx: ServiceContext = { viewer: SCHEDULER_VIEWER, em: this.deps.em };
    try {
      for (const job of this.jobs) {
        if (this.abort.signal.aborted) break;
        const onFailure: FailureSink = (failure) => this.recordFailure(report, job.name, failure, trigger);
        try {
          const counts = await job.run(ctx, { asOf, now, signal: this.abort.signal, onFailure });
          for (const key of ['remindersQueued', 'notificationsSent', 'periodsClosed', 'lotsExpired'] as const)
            report[key] += counts[key] ?? 0;
        } catch (error) {
          onFailure({ organizationId: null, error });
        }
      }
    } finally {
      endTimer?.();
    }
    const { failures, ...counts } = report;
    if (
      counts.remindersQueued ||
      counts.notificationsSent ||
      counts.periodsClosed ||
      counts.lotsExpired ||
      failures.length
    ) {
      this.deps.log.info({ ...counts, failures: failures.length, trigger }, 'scheduler run');
    }
    return report;
  }

  /**
   * One failure: always logged with its organization and details; listed and counted once per job, organization and
   * code in a run (an organization with several failing invoices is one failing organization).
   */
  private recordFailure(
    report: JobRunReport,
    job: string,
    { organizationId, error, detail }: OrganizationFailure,
    trigger: SchedulerTrigger,
  ): void {
    const code = publicErrorCode(error);
    this.deps.log.error(
      { err: error, job, organizationId, code, ...detail, asOf: report.asOf, trigger },
      'scheduled job failed for an organization; the others went on, the next run retries it',
    );
    if (report.failures.some((f) => f.job === job && f.organizationId === organizationId && f.code === code)) return;
    report.failures.push({ job, organizationId, code });
    this.deps.metrics?.schedulerJobFailures.inc({ job });
  }

  /**
   * The test clock: operators run every job as of `asOf`, only when the server runs with BILLING_TEST_CLOCK=1.
   * A run where some organization failed still answers its report: the failures name the job, the organization and
   * the error code (never the message or SQL, which are in the log), and the next run retries them.
   */
  async runForTestClock(ctx: ServiceContext, asOf: Date): Promise<JobRunReport> {
    requireOperator(ctx.viewer);
    if (!this.deps.config.testClock) {
      throw forbidden(
        'runScheduledJobs is refused: the test clock is off (start the server with BILLING_TEST_CLOCK=1 to enable it)',
      );
    }
    if (!(asOf instanceof Date) || Number.isNaN(asOf.getTime())) throw badInput('asOf', 'asOf must be a valid instant');
    return this.runAll(asOf, 'test_clock', () => asOf);
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
