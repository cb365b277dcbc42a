import { EntityManager } from 'typeorm';
import { LicenseKind, UsageEvent } from '../../entities';
import { instantFromSql, sqlInstant } from '../db/sql';
import type { ServiceContext } from './service-context';

/** The most in use at one time during [from, to), and the first moment it was reached (null when nothing was in use). */
export interface PeakOfUse {
  peak: number;
  peakAt: Date | null;
}

export interface UsageChange {
  organizationId: string;
  kind: LicenseKind;
  subjectId: string;
  delta: 1 | -1;
  occurredAt: Date;
}

/**
 * The usage timeline (R8–R10) and the peak of simultaneous use computed from it (R9). Every activation and
 * deactivation of a user, and every addition and deactivation of a location, is one immutable ±1 row written
 * in the transaction of the change.
 */
export class UsageService {
  /** Inside the unit of work of the change (the caller holds the organization's lock). */
  async record(tx: ServiceContext, change: UsageChange): Promise<void> {
    await tx.em.insert(UsageEvent, tx.em.create(UsageEvent, { ...change }));
  }

  /** Net in use at instant `at` (every event up to and including it). */
  async inUseAt(em: EntityManager, organizationId: string, kind: LicenseKind, at: Date): Promise<number> {
    const [row] = await em.query(
      'SELECT COALESCE(SUM(delta), 0) AS level FROM usage_event WHERE organizationId = ? AND kind = ? AND occurredAt <= ?',
      [organizationId, kind, sqlInstant(em, at)],
    );
    return Number(row?.level ?? 0);
  }

  /**
   * R9: the peak of simultaneous use over the period [from, to), computed in the database.
   *
   * The level at `from` is everything up to and including `from` (so events exactly on the boundary belong to
   * the period they open). Over the events strictly inside, a running SUM with a ROWS frame ordered by
   * (instant, delta) puts deactivations (−1) before activations (+1) at one instant: within an instant the
   * running level first falls and then rises, so no intermediate row exceeds both the level before and the
   * level after that instant, and a transfer (one out, one in at the same instant) is no peak.
   * The first row reaching the maximum is the first moment of the peak.
   */
  async peak(em: EntityManager, organizationId: string, kind: LicenseKind, from: Date, to: Date): Promise<PeakOfUse> {
    const start = await this.inUseAt(em, organizationId, kind, from);
    if (to.getTime() <= from.getTime()) return { peak: start, peakAt: start > 0 ? from : null };
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
    if (rise > 0) return { peak: start + rise, peakAt: start + rise > 0 ? instantFromSql(top.at) : null };
    return { peak: start, peakAt: start > 0 ? from : null };
  }
}

/**
 * MariaDB: give this one statement enough sort and temporary-table memory that a period of a million events is
 * windowed and sorted in memory instead of spilling to disk (SET STATEMENT … FOR applies to the statement only).
 */
function inMemorySort(em: EntityManager): string {
  return em.connection.options.type === 'mariadb'
    ? 'SET STATEMENT sort_buffer_size = 67108864, tmp_table_size = 268435456, max_heap_table_size = 268435456 FOR '
    : '';
}
