import { EntityManager } from 'typeorm';
import { LicenseKind } from '../../entities';
import { safeInteger } from '../../entities/columns';
import { Clock } from '../common/clock';
import { sqlInstant } from '../db/sql';
import { badInput } from '../errors/errors';
import { OrganizationService } from './organization.service';
import { inMemorySort } from './usage.service';
import { SeriesArgs, SeriesRange, UsagePoint, usageSeriesRange } from './usage-series';

/** A safe integer as SQL text: bucket arithmetic inlines its constants so both drivers do integer arithmetic. */
const literal = (n: number): string => {
  if (!Number.isSafeInteger(n)) throw new RangeError(`not a safe integer: ${n}`);
  return String(n);
};

/**
 * License.series (R29): in use per UTC bucket, computed in the database from the usage timeline in one statement
 * whatever the number of buckets (see `inRange`).
 */
export class UsageSeriesService {
  constructor(
    private readonly clock: Clock,
    private readonly organizations: OrganizationService,
  ) {}

  /**
   * R29: the series of `kind` over the open period (through the operation's shared reads). Without an open period
   * (a terminated organization) there is nothing to chart: no points, or BAD_USER_INPUT for an explicit range.
   */
  async series(em: EntityManager, organizationId: string, kind: LicenseKind, args: SeriesArgs): Promise<UsagePoint[]> {
    const period = await this.organizations.currentPeriod(em, organizationId);
    if (!period) {
      if (args.from || args.to)
        throw badInput(args.from ? 'from' : 'to', 'The organization has no open billing period');
      return [];
    }
    const range = usageSeriesRange(args, period, this.clock.now());
    return range ? this.inRange(em, organizationId, kind, range) : [];
  }

  /**
   * R29 in SQL, one statement, over a range `usageSeriesRange` has checked. The level at an instant is every event
   * at or before it (R9). Bucket j measures its start lo_j (`from` for the first bucket, its UTC boundary after) and
   * the instants of (lo_j, hi_j), hi_j its next boundary — up to `until` inclusive for the last one:
   * - `moved`: the events in (from, until], each with its offset from the first bucket's boundary and the running
   *   level change since `from` — a ROWS frame ordered by (instant, delta), so at one instant deactivations come
   *   before activations and no row in the middle of an instant exceeds both the levels before and after it (R9:
   *   a transfer is no peak), exactly as UsageService.peak.
   * - `placed`: each event's bucket (offset ÷ width) and whether it lies exactly on the bucket's boundary: such an
   *   event belongs to the bucket's start level, not to its inside (its rows in the middle of the instant are not
   *   instants of the bucket).
   * - `per`: per bucket with events, the change at its boundary, the net change, and the highest running level
   *   strictly inside it.
   * - `levels`: every bucket (a recursive CTE of 0 … points − 1, so quiet buckets are points too) with the running
   *   net change through it.
   * - the level at `from` (the base) added: start level = base + change before the bucket + change at its boundary;
   *   end = base + change through it; peak = the higher of the start level and the highest level inside.
   */
  async inRange(
    em: EntityManager,
    organizationId: string,
    kind: LicenseKind,
    range: SeriesRange,
  ): Promise<UsagePoint[]> {
    const mariadb = em.connection.options.type === 'mariadb';
    const width = literal(range.bucketMs);
    // Milliseconds from the first bucket's boundary; both sides are UTC instants with milliseconds.
    const offset = mariadb
      ? 'TIMESTAMPDIFF(MICROSECOND, ?, e.occurredAt) DIV 1000'
      : `CAST(strftime('%s', e.occurredAt) AS INTEGER) * 1000 + CAST(COALESCE(NULLIF(substr(e.occurredAt, 21, 3), ''), '0') AS INTEGER) - ${literal(range.origin.getTime())}`;
    const div = mariadb ? 'DIV' : '/';
    const mod = mariadb ? 'MOD' : '%';
    const startLevel = 's.base + l.through - l.net + l.atStart';
    const rows: Array<{
      j: number | string;
      peak: number | string;
      endLevel: number | string;
    }> = await em.query(
      `${inMemorySort(em)}WITH RECURSIVE bucket (j) AS (
           SELECT 0 UNION ALL SELECT j + 1 FROM bucket WHERE j + 1 < ${literal(range.points)}
         ),
         moved AS (
           SELECT ${offset} AS offsetMs, e.delta AS delta,
                  SUM(e.delta) OVER (ORDER BY e.occurredAt, e.delta ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS running
           FROM usage_event e
           WHERE e.organizationId = ? AND e.kind = ? AND e.occurredAt > ? AND e.occurredAt <= ?
         ),
         placed AS (
           SELECT offsetMs ${div} ${width} AS j, CASE WHEN offsetMs ${mod} ${width} = 0 THEN 1 ELSE 0 END AS onBoundary, delta, running
           FROM moved
         ),
         per AS (
           SELECT j, SUM(CASE WHEN onBoundary = 1 THEN delta ELSE 0 END) AS atStart, SUM(delta) AS net,
                  MAX(CASE WHEN onBoundary = 1 THEN NULL ELSE running END) AS topInside
           FROM placed GROUP BY j
         ),
         levels AS (
           SELECT b.j AS j, COALESCE(p.atStart, 0) AS atStart, COALESCE(p.net, 0) AS net, p.topInside AS topInside,
                  SUM(COALESCE(p.net, 0)) OVER (ORDER BY b.j ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS through
           FROM bucket b LEFT JOIN per p ON p.j = b.j
         )
         SELECT l.j AS j,
                CASE WHEN l.topInside IS NOT NULL AND s.base + l.topInside > ${startLevel} THEN s.base + l.topInside ELSE ${startLevel} END AS peak,
                s.base + l.through AS endLevel
         FROM levels l
         CROSS JOIN (SELECT COALESCE(SUM(b.delta), 0) AS base FROM usage_event b
                     WHERE b.organizationId = ? AND b.kind = ? AND b.occurredAt <= ?) s
         ORDER BY l.j`,
      [
        ...(mariadb ? [range.origin] : []),
        organizationId,
        kind,
        sqlInstant(em, range.from),
        sqlInstant(em, range.until),
        organizationId,
        kind,
        sqlInstant(em, range.from),
      ],
    );
    return rows.map((row) => ({
      start: new Date(range.origin.getTime() + safeInteger(row.j, 'bucket') * range.bucketMs),
      peak: safeInteger(row.peak, 'peak'),
      end: safeInteger(row.endLevel, 'in use'),
    }));
  }
}
