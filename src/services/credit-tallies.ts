import { EntityManager } from 'typeorm';
import { CreditDailyUse, CreditEntryKind, CreditLedgerEntry } from '../../entities';
import { safeInteger } from '../../entities/columns';
import { execute } from '../db/execute';
import { instantFromSql } from '../db/sql';
import { creditUseKey, PeriodCreditUse, requestReads, TrailingCreditUse, trailingUseKey } from '../db/request-reads';

/** A UTC day as the daily tallies key it: YYYY-MM-DD. */
export const utcDay = (at: Date): string => at.toISOString().slice(0, 10);

/** This period's credit use from its tallies (R15): from the balance, and overage per unit price. */
export type { PeriodCreditUse };

/**
 * R16 kept on write: adds entries just appended to the ledger to the sums they belong to — credits taken from the
 * balance this period, overage per unit price this period, credits used per day — in the same transaction, under
 * the organization's lock (at most three statements, whatever the number of entries). Entries without an open
 * period (a terminated organization) count per day only. Purchases, grants and expiries change no tally.
 */
export async function addToCreditTallies(em: EntityManager, entries: readonly CreditLedgerEntry[]): Promise<void> {
  const periods = new Map<string, [string, string, number]>();
  const overage = new Map<string, [string, string, number, number]>();
  const days = new Map<string, [string, string, number]>();
  for (const e of entries) {
    if (e.kind !== CreditEntryKind.CONSUMPTION && e.kind !== CreditEntryKind.OVERAGE) continue;
    const used = e.kind === CreditEntryKind.CONSUMPTION ? -e.quantity : e.quantity;
    add(days, [e.organizationId, utcDay(e.createdAt)], used);
    if (!e.periodId) continue;
    if (e.kind === CreditEntryKind.CONSUMPTION) add(periods, [e.organizationId, e.periodId], used);
    else add(overage, [e.organizationId, e.periodId, e.unitPriceCents ?? 0], used);
  }
  const writes: Array<Promise<unknown>> = [];
  if (periods.size)
    writes.push(
      increment(em, 'credit_period_tally', ['organizationId', 'periodId'], 'consumedFromBalance', [
        ...periods.values(),
      ]),
    );
  if (overage.size)
    writes.push(
      increment(em, 'credit_overage_tally', ['organizationId', 'periodId', 'unitPriceCents'], 'credits', [
        ...overage.values(),
      ]),
    );
  if (days.size)
    writes.push(increment(em, 'credit_daily_use', ['organizationId', 'day'], 'credits', [...days.values()]));
  await Promise.all(writes);
}

/**
 * This period's credit use, from the tallies, in one statement reading a handful of rows; through the operation's
 * shared reads when there are some (the balance and the invoice preview both need it).
 */
export async function periodCreditUse(
  em: EntityManager,
  organizationId: string,
  periodId: string,
): Promise<PeriodCreditUse> {
  const reads = requestReads(em);
  if (reads) return reads.creditUse.load(creditUseKey(organizationId, periodId));
  return readPeriodCreditUse(em, organizationId, periodId);
}

/** `periodCreditUse` from the database: the period's row (no unit price) and its overage rows, one per unit price. */
export async function readPeriodCreditUse(
  em: EntityManager,
  organizationId: string,
  periodId: string,
): Promise<PeriodCreditUse> {
  const rows: Array<{ unitPriceCents: number | string | null; credits: number | string }> = await em.query(
    `SELECT NULL AS unitPriceCents, t.consumedFromBalance AS credits FROM credit_period_tally t
      WHERE t.organizationId = ? AND t.periodId = ?
     UNION ALL
     SELECT o.unitPriceCents, o.credits FROM credit_overage_tally o WHERE o.organizationId = ? AND o.periodId = ?`,
    [organizationId, periodId, organizationId, periodId],
  );
  return creditUseFromRows(rows);
}

/**
 * A period's credit use from its tally rows as read: the period's row (`unitPriceCents` NULL, credits consumed from
 * the balance) and its overage rows, one per unit price. Also R26's evaluation, which reads them with its other inputs.
 */
export function creditUseFromRows(rows: ReadonlyArray<{ unitPriceCents: unknown; credits: unknown }>): PeriodCreditUse {
  let consumedFromBalance = 0;
  const overage: PeriodCreditUse['overage'] = [];
  for (const row of rows) {
    // Raw rows skip the column transformers: read them as safe integers (R34: refused, never rounded).
    const credits = safeInteger(row.credits, 'credits');
    if (row.unitPriceCents === null) consumedFromBalance = credits;
    else overage.push({ unitPriceCents: safeInteger(row.unitPriceCents, 'unit price'), credits });
  }
  overage.sort((a, b) => a.unitPriceCents - b.unitPriceCents);
  return { consumedFromBalance, overage };
}

/** Credits used per day over [fromDay, toDay] (YYYY-MM-DD), oldest first; days without use are left out. */
export function dailyCreditUse(
  em: EntityManager,
  organizationId: string,
  fromDay: string,
  toDay: string,
): Promise<CreditDailyUse[]> {
  return em
    .createQueryBuilder(CreditDailyUse, 'd')
    .where('d.organizationId = :organizationId AND d.day >= :fromDay AND d.day <= :toDay', {
      organizationId,
      fromDay,
      toDay,
    })
    .orderBy('d.day', 'ASC')
    .getMany();
}

export type { TrailingCreditUse };

/** R28: `readTrailingCreditUse`, through the operation's shared reads when there are some (read once per operation). */
export async function trailingCreditUse(
  em: EntityManager,
  organizationId: string,
  fromDay: string,
  toDay: string,
): Promise<TrailingCreditUse> {
  const reads = requestReads(em);
  if (reads) return reads.trailingCreditUse.load(trailingUseKey(organizationId, fromDay, toDay));
  return readTrailingCreditUse(em, organizationId, fromDay, toDay);
}

/**
 * R28: credits used (balance + overage) on the UTC days [fromDay, toDay] from the daily tallies (at most one row a
 * day, read through their primary key), and the organization's first consumption ever — one statement. The first
 * consumption is an exact instant (the tallies only know its day): the earliest CONSUMPTION and the earliest OVERAGE
 * entry, each one seek in the ledger's (organizationId, kind, createdAt, …) index, whatever the ledger's length.
 */
export async function readTrailingCreditUse(
  em: EntityManager,
  organizationId: string,
  fromDay: string,
  toDay: string,
): Promise<TrailingCreditUse> {
  const [row]: Array<{
    credits: number | string | null;
    firstConsumption: Date | string | null;
    firstOverage: Date | string | null;
  }> = await em.query(
    `SELECT
       (SELECT COALESCE(SUM(d.credits), 0) FROM credit_daily_use d WHERE d.organizationId = ? AND d.day >= ? AND d.day <= ?) AS credits,
       (SELECT MIN(e.createdAt) FROM credit_ledger_entry e WHERE e.organizationId = ? AND e.kind = 'CONSUMPTION') AS firstConsumption,
       (SELECT MIN(e.createdAt) FROM credit_ledger_entry e WHERE e.organizationId = ? AND e.kind = 'OVERAGE') AS firstOverage`,
    [organizationId, fromDay, toDay, organizationId, organizationId],
  );
  const firsts = [instantFromSql(row?.firstConsumption), instantFromSql(row?.firstOverage)].filter(
    (at): at is Date => at !== null,
  );
  return {
    credits: safeInteger(row?.credits ?? 0, 'credits'),
    firstConsumptionAt: firsts.length ? new Date(Math.min(...firsts.map((at) => at.getTime()))) : null,
  };
}

function add<K extends Array<string | number>>(sums: Map<string, [...K, number]>, key: K, amount: number): void {
  const id = JSON.stringify(key);
  const row = sums.get(id);
  if (row) row[row.length - 1] = (row[row.length - 1] as number) + amount;
  else sums.set(id, [...key, amount]);
}

/** INSERT the rows, or add their amount to the rows already there (one statement on either driver). */
function increment(
  em: EntityManager,
  table: string,
  keys: string[],
  column: string,
  rows: Array<Array<string | number>>,
): Promise<number> {
  const columns = [...keys, column].map((c) => `\`${c}\``).join(', ');
  const values = rows.map(() => `(${[...keys, column].map(() => '?').join(', ')})`).join(', ');
  const onConflict =
    em.connection.options.type === 'better-sqlite3'
      ? `ON CONFLICT (${keys.map((k) => `\`${k}\``).join(', ')}) DO UPDATE SET \`${column}\` = \`${column}\` + excluded.\`${column}\``
      : `ON DUPLICATE KEY UPDATE \`${column}\` = \`${column}\` + VALUES(\`${column}\`)`;
  return execute(em, `INSERT INTO ${table} (${columns}) VALUES ${values} ${onConflict}`, rows.flat());
}
