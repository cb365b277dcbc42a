import { EntityManager } from 'typeorm';
import { BillingPeriod, LicenseKind, UsageAggregate, UsageEvent } from '../../entities';
import { instantFromSql, sqlInstant } from '../db/sql';
import type { ServiceContext } from './service-context';
import { requestReads, usageAggregateKey } from '../db/request-reads';

/** The most in use at one time during [from, to), and the first moment it was reached (null when nothing was in use). */
export interface PeakOfUse {
  peak: number;
  peakAt: Date | null;
}

/** One license kind over the open period: in use now, and the period's peak so far. */
export interface PeriodUsage extends PeakOfUse {
  inUse: number;
}

export interface UsageChange {
  organizationId: string;
  kind: LicenseKind;
  subjectId: string;
  delta: 1 | -1;
  occurredAt: Date;
}

/** The bounds of a billing period, as the aggregates need them. */
export type PeriodBounds = Pick<BillingPeriod, 'id' | 'organizationId' | 'start' | 'end'>;

/** What a usage aggregate holds besides its key (see UsageAggregate). */
export type UsageTally = Pick<
  UsageAggregate,
  'level' | 'lastInstant' | 'levelAfterLastInstant' | 'peakBefore' | 'peakBeforeAt'
>;

/** The highest level over a period and the first instant it was reached, whatever its sign (PeakOfUse hides peakAt below 1). */
interface HighestLevel {
  level: number;
  at: Date;
}

/**
 * The usage timeline (R8–R10) and the peak of simultaneous use computed from it (R9). Every activation and
 * deactivation of a user, and every addition and deactivation of a location, is one immutable ±1 row written
 * in the transaction of the change, and folded in the same transaction into the open period's UsageAggregate,
 * which the license and the invoice preview read. `peak` over the timeline stays the truth: invoices are issued
 * from it, and the property tests hold the aggregates to it.
 */
export class UsageService {
  /** Inside the unit of work of the change (the caller holds the organization's lock). */
  async record(tx: ServiceContext, change: UsageChange): Promise<void> {
    await tx.em.insert(UsageEvent, tx.em.create(UsageEvent, { ...change }));
    await this.foldIntoOpenPeriod(tx.em, change);
  }

  /**
   * A new period's aggregates, one per license kind, from the timeline. Called where a period is opened, inside
   * its transaction (OrganizationService.openPeriod).
   */
  async startPeriod(em: EntityManager, period: PeriodBounds): Promise<void> {
    const { organizationId, start, end } = period;
    // One pass over the organization's timeline for both kinds: the level now, the level at the start, and the
    // latest instant already inside the new period (events recorded between the old period's end and its close).
    const rows: Array<{
      kind: LicenseKind;
      level: string | number;
      levelAtStart: string | number;
      lastInstant: Date | string | null;
    }> = await em.query(
      `SELECT kind, COALESCE(SUM(delta), 0) AS level, COALESCE(SUM(CASE WHEN occurredAt <= ? THEN delta ELSE 0 END), 0) AS levelAtStart,
              MAX(CASE WHEN occurredAt > ? AND occurredAt < ? THEN occurredAt END) AS lastInstant
       FROM usage_event WHERE organizationId = ? GROUP BY kind`,
      [sqlInstant(em, start), sqlInstant(em, start), sqlInstant(em, end), organizationId],
    );
    const fresh: UsageAggregate[] = [];
    for (const kind of Object.values(LicenseKind)) {
      const row = rows.find((r) => r.kind === kind);
      // Usage already inside the period needs its peak: counted from the timeline like any other recount.
      if (row?.lastInstant) await this.recount(em, period, kind);
      else
        fresh.push(
          em.create(UsageAggregate, {
            organizationId,
            periodId: period.id,
            kind,
            level: Number(row?.level ?? 0),
            lastInstant: start,
            levelAfterLastInstant: Number(row?.levelAtStart ?? 0),
            peakBefore: null,
            peakBeforeAt: null,
          }),
        );
    }
    if (fresh.length) await em.upsert(UsageAggregate, fresh, ['organizationId', 'periodId', 'kind']);
  }

  /**
   * The open period's usage of `kind` from its aggregate (one statement). A period whose aggregate is missing
   * (opened before the aggregates existed, and no usage since) is read from the timeline.
   */
  async ofPeriod(em: EntityManager, kind: LicenseKind, period: PeriodBounds): Promise<PeriodUsage> {
    const tally = await this.tallyOf(em, kind, period);
    if (tally) return { inUse: tally.level, ...peakOfTally(tally) };
    const [inUse, peak] = await Promise.all([
      this.inUseAt(em, period.organizationId, kind, null),
      this.peak(em, period.organizationId, kind, period.start, period.end),
    ]);
    return { inUse, ...peak };
  }

  /**
   * R18's preview: the peak over [period.start, to) for a `to` inside the open period. From the aggregate when
   * every event it has folded lies before `to` (the usual case: `to` is now) or at `to` (its peak before that
   * instant); from the timeline otherwise (the clock was moved back past recorded events) or when there is no
   * aggregate.
   */
  async peakOfOpenPeriod(em: EntityManager, kind: LicenseKind, period: PeriodBounds, to: Date): Promise<PeakOfUse> {
    const tally = period.start < to ? await this.tallyOf(em, kind, period) : null;
    if (tally && tally.lastInstant < to) return peakOfTally(tally);
    // A change folded at `to` itself (the preview right after it, at the same instant — R26's evaluation): the
    // aggregate's peak before its last instant is the peak over [start, to), as in `peakBefore`.
    if (tally && tally.lastInstant.getTime() === to.getTime() && tally.peakBefore !== null)
      return { peak: tally.peakBefore, peakAt: tally.peakBefore > 0 ? tally.peakBeforeAt : null };
    return this.peak(em, period.organizationId, kind, period.start, to);
  }

  /**
   * R25's "period-high": the R9 peak over [period.start, at) — every instant before `at`, none of the events at
   * `at` (the change being made). From the aggregate when it has folded nothing past `at` (the event just recorded
   * at `at` leaves the earlier peak in peakBefore); from the timeline otherwise.
   */
  async peakBefore(em: EntityManager, kind: LicenseKind, period: PeriodBounds, at: Date): Promise<number> {
    // The period's first instant has nothing before it (its changes fold into the level it starts from).
    if (at.getTime() <= period.start.getTime()) return 0;
    const tally = await this.tallyOf(em, kind, period);
    if (tally && tally.lastInstant < at) return peakOfTally(tally).peak;
    if (tally && tally.lastInstant.getTime() === at.getTime() && tally.peakBefore !== null) return tally.peakBefore;
    return (await this.highestLevel(em, period.organizationId, kind, period.start, at)).level;
  }

  /** Net in use at instant `at` (every event up to and including it), or after every event when `at` is null. */
  async inUseAt(em: EntityManager, organizationId: string, kind: LicenseKind, at: Date | null): Promise<number> {
    const [row] = await em.query(
      `SELECT COALESCE(SUM(delta), 0) AS level FROM usage_event WHERE organizationId = ? AND kind = ?${at ? ' AND occurredAt <= ?' : ''}`,
      at ? [organizationId, kind, sqlInstant(em, at)] : [organizationId, kind],
    );
    return Number(row?.level ?? 0);
  }

  /**
   * R9: the peak of simultaneous use over the period [from, to), computed in the database (see highestLevel);
   * peakAt is null when nothing was in use.
   */
  async peak(em: EntityManager, organizationId: string, kind: LicenseKind, from: Date, to: Date): Promise<PeakOfUse> {
    const { level, at } = await this.highestLevel(em, organizationId, kind, from, to);
    return { peak: level, peakAt: level > 0 ? at : null };
  }

  /**
   * R9: the highest level over the period [from, to) and the first instant it was reached, computed in the database.
   *
   * The level at `from` is everything up to and including `from` (so events exactly on the boundary belong to
   * the period they open). Over the events strictly inside, a running SUM with a ROWS frame ordered by
   * (instant, delta) puts deactivations (−1) before activations (+1) at one instant: within an instant the
   * running level first falls and then rises, so no intermediate row exceeds both the level before and the
   * level after that instant, and a transfer (one out, one in at the same instant) is no peak.
   * The first row reaching the maximum is the first moment of the peak.
   */
  private async highestLevel(
    em: EntityManager,
    organizationId: string,
    kind: LicenseKind,
    from: Date,
    to: Date,
  ): Promise<HighestLevel> {
    const start = await this.inUseAt(em, organizationId, kind, from);
    if (to.getTime() <= from.getTime()) return { level: start, at: from };
    const [top] = await em.query(
      `${inMemorySort(em)}SELECT w.occurredAt AS at, w.running AS running FROM (
         SELECT e.occurredAt, SUM(e.delta) OVER (ORDER BY e.occurredAt, e.delta ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS running
         FROM usage_event e
         WHERE e.organizationId = ? AND e.kind = ? AND e.occurredAt > ? AND e.occurredAt < ?
       ) w
       ORDER BY w.running DESC, w.occurredAt ASC
       LIMIT 1`,
      [organizationId, kind, sqlInstant(em, from), sqlInstant(em, to)],
    );
    const rise = top ? Number(top.running) : 0;
    return rise > 0 ? { level: start + rise, at: instantFromSql(top.at)! } : { level: start, at: from };
  }

  /** Through the operation's shared reads when there are some: the license and the preview read it once. */
  private tallyOf(em: EntityManager, kind: LicenseKind, period: PeriodBounds): Promise<UsageAggregate | null> {
    const reads = requestReads(em);
    if (reads) return reads.usageAggregate.load(usageAggregateKey(period.organizationId, period.id, kind));
    return em.findOne(UsageAggregate, { where: { organizationId: period.organizationId, periodId: period.id, kind } });
  }

  /**
   * Folds the event just recorded into the open period's aggregate: one read (the open period with its
   * aggregate) and one update. Without an open period (an organization being created opens its first one
   * afterwards; a terminated one has none) there is nothing to keep. A missing aggregate, or an event before
   * the last folded instant (the clock moved back), is recounted from the timeline, which already holds the event.
   */
  private async foldIntoOpenPeriod(em: EntityManager, change: UsageChange): Promise<void> {
    const period = (await em
      .createQueryBuilder(BillingPeriod, 'p')
      .leftJoinAndMapOne(
        'p.tally',
        UsageAggregate,
        'a',
        'a.organizationId = p.organizationId AND a.periodId = p.id AND a.kind = :kind',
        { kind: change.kind },
      )
      .where('p.openForOrganizationId = :organizationId', { organizationId: change.organizationId })
      .getOne()) as (BillingPeriod & { tally?: UsageAggregate | null }) | null;
    if (!period) return;
    const next = period.tally ? foldUsageEvent(period.tally, change.occurredAt, change.delta, period.end) : null;
    if (!next) {
      await this.recount(em, period, change.kind);
      return;
    }
    await em.update(
      UsageAggregate,
      { organizationId: period.organizationId, periodId: period.id, kind: change.kind },
      next,
    );
  }

  /** The aggregate of `kind` over `period`, recounted from the timeline and written (inserted or replaced). */
  private async recount(em: EntityManager, period: PeriodBounds, kind: LicenseKind): Promise<void> {
    const { organizationId, start } = period;
    const [last] = await em.query(
      'SELECT MAX(occurredAt) AS lastInstant FROM usage_event WHERE organizationId = ? AND kind = ? AND occurredAt > ? AND occurredAt < ?',
      [organizationId, kind, sqlInstant(em, start), sqlInstant(em, period.end)],
    );
    const lastInstant = instantFromSql(last?.lastInstant) ?? start;
    const [levels] = await em.query(
      `SELECT COALESCE(SUM(delta), 0) AS level, COALESCE(SUM(CASE WHEN occurredAt <= ? THEN delta ELSE 0 END), 0) AS levelAfterLastInstant
       FROM usage_event WHERE organizationId = ? AND kind = ?`,
      [sqlInstant(em, lastInstant), organizationId, kind],
    );
    const before = lastInstant > start ? await this.highestLevel(em, organizationId, kind, start, lastInstant) : null;
    await em.upsert(
      UsageAggregate,
      {
        organizationId,
        periodId: period.id,
        kind,
        level: Number(levels?.level ?? 0),
        lastInstant,
        levelAfterLastInstant: Number(levels?.levelAfterLastInstant ?? 0),
        peakBefore: before?.level ?? null,
        peakBeforeAt: before?.at ?? null,
      },
      ['organizationId', 'periodId', 'kind'],
    );
  }
}

/**
 * R9 kept on write: the aggregate after one more event at `at`, or null when it must be recounted (an event before
 * the last folded instant). Within one instant every event lands before the instant's level is final, so the
 * level after an instant only becomes a candidate once a later instant arrives — which is R9's "deactivations
 * before activations": a transfer (−1 and +1 at one instant) never shows its intermediate level. Events at or after
 * the period's end belong to the next period and move only the level.
 */
export function foldUsageEvent(tally: UsageTally, at: Date, delta: number, periodEnd: Date): UsageTally | null {
  if (at < tally.lastInstant) return null;
  const level = tally.level + delta;
  if (at >= periodEnd) return { ...tally, level };
  if (at.getTime() === tally.lastInstant.getTime())
    return { ...tally, level, levelAfterLastInstant: tally.levelAfterLastInstant + delta };
  // The earlier maximum keeps its first moment on a tie.
  const lastIsHigher = tally.peakBefore === null || tally.levelAfterLastInstant > tally.peakBefore;
  return {
    level,
    lastInstant: at,
    levelAfterLastInstant: tally.levelAfterLastInstant + delta,
    peakBefore: lastIsHigher ? tally.levelAfterLastInstant : tally.peakBefore,
    peakBeforeAt: lastIsHigher ? tally.lastInstant : tally.peakBeforeAt,
  };
}

/** The period's peak from its aggregate: the higher of the folded past and the last instant, the earlier on a tie. */
export function peakOfTally(tally: UsageTally): PeakOfUse {
  const lastIsHigher = tally.peakBefore === null || tally.levelAfterLastInstant > tally.peakBefore;
  const peak = lastIsHigher ? tally.levelAfterLastInstant : tally.peakBefore!;
  return { peak, peakAt: peak > 0 ? (lastIsHigher ? tally.lastInstant : tally.peakBeforeAt) : null };
}

/**
 * R9 for R32's what-if: the period's peak once `delta` licenses are activated (positive) or deactivated (negative) at
 * `at`, given the peak over the period before `at` and the number in use now. All of them land at one instant, so the
 * level after it, `inUse + delta`, is the only new candidate (deactivations count before activations: no intermediate
 * level shows); it becomes the peak, first reached at `at`, only when above the peak so far (a tie keeps the earlier
 * moment, as `foldUsageEvent` does).
 */
export function peakAfterChange(before: PeakOfUse, inUse: number, delta: number, at: Date): PeakOfUse {
  const level = inUse + delta;
  return level > before.peak ? { peak: level, peakAt: level > 0 ? at : null } : before;
}

/**
 * MariaDB: give this one statement enough sort and temporary-table memory that a period of a million events is
 * windowed and sorted in memory instead of spilling to disk (SET STATEMENT … FOR applies to the statement only).
 */
export function inMemorySort(em: EntityManager): string {
  return em.connection.options.type === 'mariadb'
    ? 'SET STATEMENT sort_buffer_size = 67108864, tmp_table_size = 268435456, max_heap_table_size = 268435456 FOR '
    : '';
}
