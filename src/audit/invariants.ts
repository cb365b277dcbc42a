import type { AuditDb, Row } from './audit-db';

/**
 * The invariants that make the books right, each a set-based query over the whole database (SQLite and MariaDB
 * alike: plain joins, GROUP BY and window functions), named after the rules of docs/rules.md it protects. The audit
 * CLI (`npm run audit`) and the tests run exactly these. A query returns only the rows that break the rule, so a
 * clean database costs one pass over each table and produces nothing.
 */

export interface Violation {
  /** The invariant's name, e.g. `ledger-balance`. */
  invariant: string;
  /** The rules of docs/rules.md it protects, e.g. `R16`. */
  rules: string;
  /** The organization the violation belongs to (null only when the row names none). */
  organizationId: string | null;
  /** The rows involved (entry, lot, invoice, payment… ids, sequence numbers), for an operator to look up. */
  ids: Record<string, string | number | null>;
  /** One human-readable sentence. */
  message: string;
}

export interface CheckResult {
  violations: Violation[];
  /** Set when the check could not apply to this database (e.g. the table does not exist yet), with why. */
  skipped?: string;
  /** More rows broke the rule than the limit let through. */
  truncated?: boolean;
}

export interface Invariant {
  name: string;
  rules: string;
  /** What must hold. */
  statement: string;
  check(db: AuditDb, limit: number): Promise<CheckResult>;
}

const num = (value: unknown): number => (value === null || value === undefined ? 0 : Number(value));
const str = (value: unknown): string | null => (value === null || value === undefined ? null : String(value));

/** Runs `sql` (which must not end in LIMIT) with a limit of `limit + 1` rows, and maps each row to a violation. */
async function rowsToViolations(
  db: AuditDb,
  invariant: Pick<Invariant, 'name' | 'rules'>,
  sql: string,
  limit: number,
  map: (row: Row) => { organizationId: unknown; ids: Record<string, unknown>; message: string },
): Promise<CheckResult> {
  const rows = await db.all(`${sql}\nLIMIT ${limit + 1}`);
  return {
    truncated: rows.length > limit,
    violations: rows.slice(0, limit).map((row) => {
      const v = map(row);
      const ids = Object.fromEntries(
        Object.entries(v.ids).map(([k, x]) => [k, typeof x === 'number' ? x : str(x)]),
      ) as Violation['ids'];
      return {
        invariant: invariant.name,
        rules: invariant.rules,
        organizationId: str(v.organizationId),
        ids,
        message: v.message,
      };
    }),
  };
}

/** The ledger quantity that moves the balance: OVERAGE entries count credits billed and leave the balance alone (R15). */
const BALANCE_DELTA = "CASE WHEN e.kind = 'OVERAGE' THEN 0 ELSE e.quantity END";

/** Additions and overage count up, consumption and expiry down. */
function signIsRight(kind: string, quantity: number): boolean {
  if (kind === 'PURCHASE' || kind === 'GRANT' || kind === 'OVERAGE') return quantity > 0;
  if (kind === 'CONSUMPTION' || kind === 'EXPIRY') return quantity < 0;
  return false;
}

/**
 * A gapless per-organization sequence 1, 2, 3…: a window over (organizationId, sequence) reports every number that
 * does not follow its predecessor (a gap, a duplicate, or a first number other than 1).
 */
function gaplessSequence(name: string, rules: string, table: string, what: string): Invariant {
  const invariant: Invariant = {
    name,
    rules,
    statement: `${what} of each organization are numbered 1, 2, 3… without gap or duplicate`,
    async check(db, limit) {
      const columns = await db.columnsOf(table);
      if (columns.length === 0) return { violations: [], skipped: `no ${table} table in this database` };
      if (!columns.includes('sequence') || !columns.includes('organizationId')) {
        return { violations: [], skipped: `${table} has no (organizationId, sequence) columns` };
      }
      return rowsToViolations(
        db,
        invariant,
        `
        SELECT s.organizationId, s.id, s.sequence, s.previous FROM (
          SELECT t.organizationId, t.id, t.sequence, LAG(t.sequence) OVER (PARTITION BY t.organizationId ORDER BY t.sequence, t.id) AS previous
          FROM ${table} t
        ) s
        WHERE (s.previous IS NULL AND s.sequence <> 1) OR (s.previous IS NOT NULL AND s.sequence <> s.previous + 1)
        ORDER BY s.organizationId, s.sequence`,
        limit,
        (r) => ({
          organizationId: r.organizationId,
          ids: { id: r.id, sequence: num(r.sequence), previous: r.previous === null ? null : num(r.previous) },
          message:
            r.previous === null
              ? `${what} start at ${num(r.sequence)}, not 1 (${table} ${r.id})`
              : num(r.sequence) === num(r.previous)
                ? `${what}: number ${num(r.sequence)} is used twice (${table} ${r.id})`
                : `${what}: gap after ${num(r.previous)}, next is ${num(r.sequence)} (${table} ${r.id})`,
        }),
      );
    },
  };
  return invariant;
}

/** One entry of the ledger pass: the last entry of each organization, and every entry that breaks a ledger rule. */
interface LedgerScanRow {
  organizationId: string;
  id: string;
  sequence: number;
  kind: string;
  quantity: number;
  balanceAfter: number;
  /** The previous entry's sequence (null for the first). */
  previous: number | null;
  /** The last entry of its organization. */
  last: boolean;
  /** The sum of the entries up to and including this one that move the balance. */
  expected: number;
  /** Last entries only: the organization's credits consumed from lots and billed as overage, over all its entries (R14, R15). */
  consumed: number;
  overage: number;
}

const ledgerScans = new WeakMap<AuditDb, Promise<LedgerScanRow[]>>();

/**
 * R16: the ledger invariants share one pass over the whole ledger, grouped by organization in (organization,
 * sequence) order and read from a covering index alone (a million entries in about a second on MariaDB), then an
 * exact entry-by-entry pass over the organizations the first pass flagged. The first pass flags an organization when
 * its entries are not numbered exactly 1..n (count, first, last, sum of the numbers; the unique index rules out
 * duplicates), its last balance is not the sum of its entries, a balance is negative, an entry has the wrong sign,
 * or the running balance does not hold: with b_i the balance after entry i and d_i the change it makes,
 * b_i = b_(i-1) + d_i for every i implies (n+1)·b_n − Σ b_i = Σ i·d_i — a single wrong balanceAfter breaks that
 * sum. The second pass (a window over the flagged organizations only) names the entries. Runs once per audit.
 */
function ledgerScan(db: AuditDb): Promise<LedgerScanRow[]> {
  let scan = ledgerScans.get(db);
  if (!scan) {
    scan = (async () => {
      const heads = await db.all(`
        SELECT a.organizationId, a.n, a.total, a.consumed, a.overage, h.id, h.sequence, h.kind, h.quantity, h.balanceAfter,
          CASE WHEN a.firstSequence <> 1 OR a.lastSequence <> a.n OR 2 * a.sumSequence <> a.n * (a.n + 1)
                 OR h.balanceAfter IS NULL OR h.balanceAfter <> a.total OR a.minBalance < 0 OR a.wrongSign > 0
                 OR (a.n + 1) * h.balanceAfter - a.sumBalance <> a.weightedDelta
               THEN 1 ELSE 0 END AS flagged
        FROM (
          SELECT e.organizationId, COUNT(*) AS n, MIN(e.sequence) AS firstSequence, MAX(e.sequence) AS lastSequence,
                 SUM(e.sequence) AS sumSequence, SUM(${BALANCE_DELTA}) AS total,
                 SUM(CASE WHEN e.kind = 'CONSUMPTION' THEN -e.quantity ELSE 0 END) AS consumed,
                 SUM(CASE WHEN e.kind = 'OVERAGE' THEN e.quantity ELSE 0 END) AS overage, SUM(e.balanceAfter) AS sumBalance,
                 SUM(e.sequence * (${BALANCE_DELTA})) AS weightedDelta, MIN(e.balanceAfter) AS minBalance,
                 SUM(CASE WHEN (e.kind IN ('PURCHASE', 'GRANT', 'OVERAGE') AND e.quantity > 0) OR (e.kind IN ('CONSUMPTION', 'EXPIRY') AND e.quantity < 0)
                          THEN 0 ELSE 1 END) AS wrongSign
          FROM credit_ledger_entry e GROUP BY e.organizationId
        ) a
        LEFT JOIN credit_ledger_entry h ON h.organizationId = a.organizationId AND h.sequence = a.lastSequence`);
      const rows: LedgerScanRow[] = heads.map((r) => ({
        organizationId: String(r.organizationId),
        id: String(r.id),
        sequence: num(r.sequence),
        kind: String(r.kind),
        quantity: num(r.quantity),
        balanceAfter: num(r.balanceAfter),
        previous: null,
        last: true,
        expected: num(r.total),
        consumed: num(r.consumed),
        overage: num(r.overage),
      }));
      const flagged = heads.filter((r) => num(r.flagged) === 1).map((r) => String(r.organizationId));
      if (flagged.length === 0) return rows;
      const byOrg = 'PARTITION BY e.organizationId ORDER BY e.sequence';
      const entries = await perOrganizations(
        db,
        flagged,
        (placeholders) => `
        SELECT w.organizationId, w.id, w.sequence, w.kind, w.quantity, w.balanceAfter, w.previous, w.expected FROM (
          SELECT e.organizationId, e.id, e.sequence, e.kind, e.quantity, e.balanceAfter,
                 LAG(e.sequence) OVER (${byOrg}) AS previous,
                 SUM(${BALANCE_DELTA}) OVER (${byOrg} ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS expected
          FROM credit_ledger_entry e WHERE e.organizationId IN (${placeholders})
        ) w
        WHERE w.balanceAfter <> w.expected OR w.balanceAfter < 0
           OR (w.previous IS NULL AND w.sequence <> 1) OR (w.previous IS NOT NULL AND w.sequence <> w.previous + 1)
           OR NOT ((w.kind IN ('PURCHASE', 'GRANT', 'OVERAGE') AND w.quantity > 0) OR (w.kind IN ('CONSUMPTION', 'EXPIRY') AND w.quantity < 0))
        ORDER BY w.organizationId, w.sequence`,
      );
      for (const r of entries) {
        rows.push({
          organizationId: String(r.organizationId),
          id: String(r.id),
          sequence: num(r.sequence),
          kind: String(r.kind),
          quantity: num(r.quantity),
          balanceAfter: num(r.balanceAfter),
          previous: r.previous === null ? null : num(r.previous),
          last: false,
          expected: num(r.expected),
          consumed: 0,
          overage: 0,
        });
      }
      return rows;
    })();
    ledgerScans.set(db, scan);
  }
  return scan;
}

/** Runs `sql(placeholders)` for the organizations in batches (a bound on statement parameters), concatenating the rows. */
async function perOrganizations(
  db: AuditDb,
  organizationIds: string[],
  sql: (placeholders: string) => string,
): Promise<Row[]> {
  const rows: Row[] = [];
  for (let i = 0; i < organizationIds.length; i += 500) {
    const batch = organizationIds.slice(i, i + 500);
    rows.push(...(await db.all(sql(batch.map(() => '?').join(', ')), batch)));
  }
  return rows;
}

/** Violations found in JS (from the ledger pass), limited like the SQL ones. */
function fromRows<T>(
  invariant: Pick<Invariant, 'name' | 'rules'>,
  rows: T[],
  limit: number,
  map: (row: T) => Omit<Violation, 'invariant' | 'rules'>,
): CheckResult {
  return {
    truncated: rows.length > limit,
    violations: rows.slice(0, limit).map((r) => ({ invariant: invariant.name, rules: invariant.rules, ...map(r) })),
  };
}

export const INVARIANTS: Invariant[] = [
  {
    name: 'ledger-balance',
    rules: 'R16',
    statement:
      "the sum of an organization's ledger entries = its balance (the last entry's balanceAfter) = the credits left in its lots",
    async check(db, limit) {
      const [scan, lots] = [
        await ledgerScan(db),
        await db.all(`
        SELECT o.id AS organizationId, COALESCE(t.remaining, 0) AS remaining
        FROM organization o LEFT JOIN (SELECT organizationId, SUM(remaining) AS remaining FROM credit_lot GROUP BY organizationId) t ON t.organizationId = o.id`),
      ];
      const heads = new Map(scan.filter((r) => r.last).map((r) => [r.organizationId, r]));
      const broken = lots
        .map((l) => ({
          organizationId: String(l.organizationId),
          remaining: num(l.remaining),
          head: heads.get(String(l.organizationId)),
        }))
        .filter(
          ({ remaining, head }) =>
            (head?.expected ?? 0) !== (head?.balanceAfter ?? 0) || (head?.balanceAfter ?? 0) !== remaining,
        )
        .sort((a, b) => (a.organizationId < b.organizationId ? -1 : 1));
      return fromRows(this, broken, limit, ({ organizationId, remaining, head }) => ({
        organizationId,
        ids: { lastEntryId: head?.id ?? null, lastSequence: head?.sequence ?? null },
        message: `ledger sum ${head?.expected ?? 0}, balance ${head?.balanceAfter ?? 0} (last entry), credits left in lots ${remaining}: they must be equal`,
      }));
    },
  },
  {
    name: 'ledger-running-balance',
    rules: 'R16',
    statement: "every ledger entry's balanceAfter = the running sum of the entries up to it",
    async check(db, limit) {
      const broken = (await ledgerScan(db)).filter((r) => !r.last && r.balanceAfter !== r.expected);
      return fromRows(this, broken, limit, (r) => ({
        organizationId: r.organizationId,
        ids: { entryId: r.id, sequence: r.sequence },
        message: `ledger entry #${r.sequence} says balance ${r.balanceAfter}, the entries up to it add up to ${r.expected}`,
      }));
    },
  },
  {
    name: 'no-negative-credits',
    rules: 'R16',
    statement:
      'no balance below zero; every lot holds between 0 and its quantity; entries move the balance in their direction',
    async check(db, limit) {
      const entries = (await ledgerScan(db)).filter(
        (r) => !r.last && (r.balanceAfter < 0 || !signIsRight(r.kind, r.quantity)),
      );
      const lots = await db.all(`
        SELECT l.organizationId, l.id, l.source, l.quantity, l.remaining FROM credit_lot l
        WHERE l.remaining < 0 OR l.remaining > l.quantity OR l.quantity <= 0 ORDER BY l.organizationId, l.id LIMIT ${limit + 1}`);
      const rows = [
        ...entries.map((r) => ({
          organizationId: r.organizationId,
          ids: { entryId: r.id, sequence: r.sequence },
          message:
            r.balanceAfter < 0
              ? `ledger entry #${r.sequence} leaves a negative balance (${r.balanceAfter})`
              : `ledger entry #${r.sequence} is ${r.kind} with quantity ${r.quantity} (wrong sign or kind)`,
        })),
        ...lots.map((l) => ({
          organizationId: String(l.organizationId),
          ids: { lotId: String(l.id) } as Violation['ids'],
          message: `lot ${l.id} (${l.source}) holds ${num(l.remaining)} of ${num(l.quantity)} credits`,
        })),
      ];
      return fromRows(this, rows, limit, (r) => r);
    },
  },
  {
    name: 'ledger-sequence',
    rules: 'R16',
    statement: 'credit ledger entries of each organization are numbered 1, 2, 3… without gap or duplicate',
    async check(db, limit) {
      const broken = (await ledgerScan(db)).filter(
        (r) => !r.last && (r.previous === null ? r.sequence !== 1 : r.sequence !== r.previous + 1),
      );
      return fromRows(this, broken, limit, (r) => ({
        organizationId: r.organizationId,
        ids: { entryId: r.id, sequence: r.sequence, previous: r.previous },
        message:
          r.previous === null
            ? `credit ledger entries start at ${r.sequence}, not 1 (entry ${r.id})`
            : r.sequence === r.previous
              ? `credit ledger entries: number ${r.sequence} is used twice (entry ${r.id})`
              : `credit ledger entries: gap after ${r.previous}, next is ${r.sequence} (entry ${r.id})`,
      }));
    },
  },
  gaplessSequence('alert-sequence', 'R11, R25', 'billing_alert', 'billing alerts'),
  gaplessSequence('invoice-sequence', 'R17', 'invoice', 'invoices'),
  {
    name: 'invoice-sequence-head',
    rules: 'R17',
    statement: "the organization's last invoice number is the highest invoice it issued",
    check(db, limit) {
      return rowsToViolations(
        db,
        this,
        `
        SELECT o.id AS organizationId, o.lastInvoiceSequence, COALESCE(i.last, 0) AS last
        FROM organization o LEFT JOIN (SELECT organizationId, MAX(sequence) AS last FROM invoice GROUP BY organizationId) i ON i.organizationId = o.id
        WHERE o.lastInvoiceSequence <> COALESCE(i.last, 0)
        ORDER BY o.id`,
        limit,
        (r) => ({
          organizationId: r.organizationId,
          ids: { lastInvoiceSequence: num(r.lastInvoiceSequence), highestInvoice: num(r.last) },
          message: `the organization's last invoice sequence is ${num(r.lastInvoiceSequence)}, its highest invoice is ${num(r.last)}`,
        }),
      );
    },
  },
  // R33: credit notes (CN-000001…) may not exist in this database yet; the check applies as soon as the table does.
  gaplessSequence('credit-note-sequence', 'R33', 'credit_note', 'credit notes'),
  {
    name: 'credit-note-sequence-head',
    rules: 'R33',
    statement: "the organization's last credit note number is the highest credit note it issued",
    async check(db, limit) {
      if ((await db.columnsOf('credit_note')).length === 0)
        return { violations: [], skipped: 'no credit_note table in this database' };
      return rowsToViolations(
        db,
        this,
        `
        SELECT o.id AS organizationId, o.lastCreditNoteSequence, COALESCE(n.last, 0) AS last
        FROM organization o LEFT JOIN (SELECT organizationId, MAX(sequence) AS last FROM credit_note GROUP BY organizationId) n ON n.organizationId = o.id
        WHERE o.lastCreditNoteSequence <> COALESCE(n.last, 0)
        ORDER BY o.id`,
        limit,
        (r) => ({
          organizationId: r.organizationId,
          ids: { lastCreditNoteSequence: num(r.lastCreditNoteSequence), highestCreditNote: num(r.last) },
          message: `the organization's last credit note sequence is ${num(r.lastCreditNoteSequence)}, its highest credit note is ${num(r.last)}`,
        }),
      );
    },
  },
  {
    name: 'credit-note-totals',
    rules: 'R33',
    statement:
      "an invoice's credited amount = the sum of its credit notes and never exceeds its total; its refunded amount = the notes' refunded parts = its succeeded REFUND payments and never exceeds what was charged; each note credits a positive amount of an invoice of its organization and refunds at most that",
    async check(db, limit) {
      if ((await db.columnsOf('credit_note')).length === 0)
        return { violations: [], skipped: 'no credit_note table in this database' };
      return rowsToViolations(
        db,
        this,
        `
        SELECT i.organizationId, i.id, i.number, i.totalCents, i.amountPaidCents, i.creditedCents, i.refundedCents,
               COALESCE(n.credited, 0) AS notesCredited, COALESCE(n.refunded, 0) AS notesRefunded,
               COALESCE(r.refunds, 0) AS refunds, COALESCE(n.wrong, 0) AS wrongNotes
        FROM invoice i
        LEFT JOIN (
          SELECT c.invoiceId, SUM(c.amountCents) AS credited, SUM(c.refundedCents) AS refunded,
                 SUM(CASE WHEN c.amountCents <= 0 OR c.refundedCents < 0 OR c.refundedCents > c.amountCents
                            OR c.organizationId <> x.organizationId THEN 1 ELSE 0 END) AS wrong
          FROM credit_note c JOIN invoice x ON x.id = c.invoiceId GROUP BY c.invoiceId
        ) n ON n.invoiceId = i.id
        LEFT JOIN (
          SELECT invoiceId, SUM(amountCents) AS refunds FROM payment
          WHERE kind = 'REFUND' AND status = 'SUCCEEDED' AND invoiceId IS NOT NULL GROUP BY invoiceId
        ) r ON r.invoiceId = i.id
        WHERE i.creditedCents <> COALESCE(n.credited, 0) OR i.refundedCents <> COALESCE(n.refunded, 0)
           OR i.refundedCents <> COALESCE(r.refunds, 0) OR i.creditedCents > i.totalCents
           OR i.refundedCents > i.amountPaidCents OR COALESCE(n.wrong, 0) > 0
        ORDER BY i.organizationId, i.sequence`,
        limit,
        (r) => {
          const problems: string[] = [];
          if (num(r.creditedCents) !== num(r.notesCredited))
            problems.push(`credits ${num(r.creditedCents)} cents, its credit notes add up to ${num(r.notesCredited)}`);
          if (num(r.creditedCents) > num(r.totalCents))
            problems.push(`credits ${num(r.creditedCents)} cents, more than its total ${num(r.totalCents)}`);
          if (num(r.refundedCents) !== num(r.notesRefunded))
            problems.push(`refunded ${num(r.refundedCents)} cents, its credit notes refunded ${num(r.notesRefunded)}`);
          if (num(r.refundedCents) !== num(r.refunds))
            problems.push(`refunded ${num(r.refundedCents)} cents, its succeeded refunds add up to ${num(r.refunds)}`);
          if (num(r.refundedCents) > num(r.amountPaidCents))
            problems.push(`refunded ${num(r.refundedCents)} cents, more than the ${num(r.amountPaidCents)} charged`);
          if (num(r.wrongNotes) > 0)
            problems.push(
              `${num(r.wrongNotes)} credit note(s) with a non-positive amount, a refund beyond the amount or another organization`,
            );
          return {
            organizationId: r.organizationId,
            ids: { invoiceId: r.id, number: str(r.number) },
            message: `invoice ${r.number} ${problems.join('; ')}`,
          };
        },
      );
    },
  },
  {
    name: 'assignment-consumption',
    rules: 'R14, R15',
    statement:
      'a started assignment consumed exactly its credits (from lots and as overage, as its ledger entries say); an unstarted one consumed nothing',
    async check(db, limit) {
      // First per organization: what its started assignments say they consumed against what its ledger consumed
      // (from the ledger pass), and each assignment's own arithmetic. Then, for the organizations that disagree
      // only, assignment by assignment against its entries (through the covering (assignmentId, kind, quantity) index).
      const [scan, sides] = [
        await ledgerScan(db),
        await db.all(`
        SELECT a.organizationId,
               SUM(CASE WHEN a.status = 'STARTED' THEN a.creditsFromBalance ELSE 0 END) AS consumed,
               SUM(CASE WHEN a.status = 'STARTED' THEN a.creditsOverage ELSE 0 END) AS overage,
               SUM(CASE WHEN (a.status = 'STARTED' AND a.creditsFromBalance + a.creditsOverage <> a.credits)
                          OR (a.status <> 'STARTED' AND (a.creditsFromBalance <> 0 OR a.creditsOverage <> 0)) THEN 1 ELSE 0 END) AS wrong
        FROM training_assignment a GROUP BY a.organizationId`),
      ];
      const ledger = new Map(scan.filter((r) => r.last).map((r) => [r.organizationId, r]));
      const byOrg = new Map(sides.map((r) => [String(r.organizationId), r]));
      const flagged = [...new Set([...ledger.keys(), ...byOrg.keys()])].filter((org) => {
        const l = ledger.get(org);
        const a = byOrg.get(org);
        return num(a?.wrong) > 0 || num(a?.consumed) !== (l?.consumed ?? 0) || num(a?.overage) !== (l?.overage ?? 0);
      });
      if (flagged.length === 0) return { violations: [] };
      const rows = await perOrganizations(
        db,
        flagged,
        (placeholders) => `
        SELECT MAX(a.organizationId) AS organizationId, a.id, MAX(a.status) AS status, MAX(a.credits) AS credits,
               MAX(a.creditsFromBalance) AS creditsFromBalance, MAX(a.creditsOverage) AS creditsOverage,
               COALESCE(SUM(CASE WHEN e.kind = 'CONSUMPTION' THEN -e.quantity ELSE 0 END), 0) AS consumed,
               COALESCE(SUM(CASE WHEN e.kind = 'OVERAGE' THEN e.quantity ELSE 0 END), 0) AS overage,
               COUNT(e.kind) AS entries,
               COALESCE(SUM(CASE WHEN e.kind IN ('CONSUMPTION', 'OVERAGE') THEN 0 ELSE 1 END), 0) AS foreignEntries
        FROM training_assignment a LEFT JOIN credit_ledger_entry e ON e.assignmentId = a.id
        WHERE a.organizationId IN (${placeholders})
        GROUP BY a.id
        HAVING (MAX(a.status) = 'STARTED' AND (MAX(a.creditsFromBalance) + MAX(a.creditsOverage) <> MAX(a.credits)
                  OR COALESCE(SUM(CASE WHEN e.kind = 'CONSUMPTION' THEN -e.quantity ELSE 0 END), 0) <> MAX(a.creditsFromBalance)
                  OR COALESCE(SUM(CASE WHEN e.kind = 'OVERAGE' THEN e.quantity ELSE 0 END), 0) <> MAX(a.creditsOverage)))
            OR (MAX(a.status) <> 'STARTED' AND (COUNT(e.kind) > 0 OR MAX(a.creditsFromBalance) <> 0 OR MAX(a.creditsOverage) <> 0))
            OR COALESCE(SUM(CASE WHEN e.kind IN ('CONSUMPTION', 'OVERAGE') THEN 0 ELSE 1 END), 0) > 0
        ORDER BY 1, 2`,
      );
      const found = new Set(rows.map((r) => String(r.organizationId)));
      const violations = rows.map((r) => ({
        organizationId: String(r.organizationId),
        ids: { assignmentId: String(r.id) } as Violation['ids'],
        message:
          r.status === 'STARTED'
            ? `started assignment ${r.id} costs ${num(r.credits)} credits, records ${num(r.creditsFromBalance)} from lots + ${num(r.creditsOverage)} overage, its ledger entries consumed ${num(r.consumed)} + ${num(r.overage)} overage`
            : `assignment ${r.id} is ${r.status} but has consumed credits (entries: ${num(r.consumed)} consumed, ${num(r.overage)} overage)`,
      }));
      // Consumption the ledger holds without an assignment of the organization to explain it.
      for (const org of flagged.filter((o) => !found.has(o))) {
        const l = ledger.get(org);
        const a = byOrg.get(org);
        violations.push({
          organizationId: org,
          ids: {},
          message: `the ledger consumed ${l?.consumed ?? 0} credits and billed ${l?.overage ?? 0} as overage; the started assignments account for ${num(a?.consumed)} and ${num(a?.overage)}`,
        });
      }
      return fromRows(this, violations, limit, (v) => v);
    },
  },
  {
    name: 'invoice-amount-paid',
    rules: 'R19',
    statement: "an invoice's amount paid = the sum of its succeeded charges (refunds, R33, leave it alone)",
    check(db, limit) {
      return rowsToViolations(
        db,
        this,
        `
        SELECT i.organizationId, i.id, i.number, i.amountPaidCents, COALESCE(p.paid, 0) AS paid
        FROM invoice i
        LEFT JOIN (
          SELECT invoiceId, SUM(amountCents) AS paid FROM payment
          WHERE purpose = 'INVOICE' AND kind = 'CHARGE' AND status = 'SUCCEEDED' AND invoiceId IS NOT NULL GROUP BY invoiceId
        ) p ON p.invoiceId = i.id
        WHERE i.amountPaidCents <> COALESCE(p.paid, 0)
        ORDER BY i.organizationId, i.sequence`,
        limit,
        (r) => ({
          organizationId: r.organizationId,
          ids: { invoiceId: r.id, number: str(r.number) },
          message: `invoice ${r.number} records ${num(r.amountPaidCents)} cents paid, its succeeded payments add up to ${num(r.paid)}`,
        }),
      );
    },
  },
  {
    name: 'invoice-paid-once',
    rules: 'R19',
    statement:
      'no invoice is paid twice or beyond its total, and every invoice payment belongs to an invoice of its organization',
    check(db, limit) {
      return rowsToViolations(
        db,
        this,
        `
        SELECT i.organizationId, i.id AS invoiceId, i.number, COUNT(*) AS payments, SUM(p.amountCents) AS paid, i.totalCents, MIN(p.id) AS paymentId
        FROM invoice i JOIN payment p ON p.invoiceId = i.id AND p.purpose = 'INVOICE' AND p.kind = 'CHARGE' AND p.status = 'SUCCEEDED'
        GROUP BY i.organizationId, i.id, i.number, i.totalCents
        HAVING COUNT(*) > 1 OR SUM(p.amountCents) > i.totalCents
        UNION ALL
        SELECT p.organizationId, p.invoiceId, NULL AS number, 1 AS payments, p.amountCents AS paid, NULL AS totalCents, p.id AS paymentId
        FROM payment p LEFT JOIN invoice i ON i.id = p.invoiceId
        WHERE p.purpose = 'INVOICE' AND (i.id IS NULL OR i.organizationId <> p.organizationId)
        ORDER BY 1, 2`,
        limit,
        (r) => ({
          organizationId: r.organizationId,
          ids: { invoiceId: r.invoiceId, paymentId: r.paymentId },
          message:
            r.number === null
              ? `invoice payment ${r.paymentId} names invoice ${r.invoiceId ?? '(none)'}, which is not an invoice of its organization`
              : `invoice ${r.number} has ${num(r.payments)} succeeded payments totalling ${num(r.paid)} cents (total ${num(r.totalCents)})`,
        }),
      );
    },
  },
  {
    name: 'purchase-payment-lot-ledger',
    rules: 'R13, R16',
    statement:
      'each dashboard purchase has exactly one succeeded payment of its price, one DASHBOARD lot of its quantity and one PURCHASE entry, and each of those exactly one purchase',
    check(db, limit) {
      // Lot ↔ addition entry: per lot, its PURCHASE/GRANT entries (one pass over the ledger, grouped).
      // Driven from the organizations, so the (organizationId, kind, …) index reaches the few additions directly.
      const additions = `
        SELECT x.lotId, COUNT(*) AS n, SUM(x.quantity) AS q, SUM(x.purchase) AS purchases FROM (
          SELECT e.lotId, e.quantity, 1 AS purchase FROM organization o JOIN credit_ledger_entry e ON e.organizationId = o.id AND e.kind = 'PURCHASE'
          UNION ALL
          SELECT e.lotId, e.quantity, 0 AS purchase FROM organization o JOIN credit_ledger_entry e ON e.organizationId = o.id AND e.kind = 'GRANT'
        ) x GROUP BY x.lotId`;
      return rowsToViolations(
        db,
        this,
        `
        SELECT cp.organizationId, 'purchase' AS what, cp.id AS purchaseId, cp.paymentId, cp.lotId,
          CASE
            WHEN p.id IS NULL THEN 'its payment does not exist'
            WHEN p.organizationId <> cp.organizationId THEN 'its payment belongs to another organization'
            WHEN p.status <> 'SUCCEEDED' OR p.purpose <> 'CREDIT_PURCHASE' THEN 'its payment is not a succeeded credit purchase'
            WHEN p.amountCents <> cp.totalCents THEN 'its payment is not of its price'
            WHEN l.id IS NULL THEN 'its lot does not exist'
            WHEN l.organizationId <> cp.organizationId THEN 'its lot belongs to another organization'
            WHEN l.source <> 'DASHBOARD' OR l.quantity <> cp.quantity THEN 'its lot is not a DASHBOARD lot of its quantity'
            ELSE 'its lot has no single PURCHASE entry'
          END AS problem
        FROM credit_purchase cp
        LEFT JOIN payment p ON p.id = cp.paymentId
        LEFT JOIN credit_lot l ON l.id = cp.lotId
        LEFT JOIN (${additions}) a ON a.lotId = cp.lotId
        WHERE p.id IS NULL OR p.organizationId <> cp.organizationId OR p.status <> 'SUCCEEDED' OR p.purpose <> 'CREDIT_PURCHASE'
           OR p.amountCents <> cp.totalCents OR l.id IS NULL OR l.organizationId <> cp.organizationId OR l.source <> 'DASHBOARD'
           OR l.quantity <> cp.quantity OR COALESCE(a.purchases, 0) <> 1
        UNION ALL
        SELECT p.organizationId, 'payment' AS what, NULL AS purchaseId, p.id AS paymentId, NULL AS lotId,
               'a succeeded credit-purchase payment with no purchase (charged, no credits)' AS problem
        FROM payment p LEFT JOIN credit_purchase cp ON cp.paymentId = p.id
        WHERE p.purpose = 'CREDIT_PURCHASE' AND p.status = 'SUCCEEDED' AND cp.id IS NULL
        UNION ALL
        SELECT l.organizationId, 'lot' AS what, NULL AS purchaseId, NULL AS paymentId, l.id AS lotId,
          CASE
            WHEN l.source = 'DASHBOARD' AND cp.id IS NULL THEN 'a DASHBOARD lot with no purchase (credits without a charge)'
            WHEN COALESCE(a.n, 0) <> 1 THEN 'a lot without exactly one PURCHASE or GRANT entry'
            WHEN a.q <> l.quantity THEN 'a lot whose addition entry is not of its quantity'
            ELSE 'a lot whose addition entry is of the wrong kind for its source'
          END AS problem
        FROM credit_lot l
        LEFT JOIN credit_purchase cp ON cp.lotId = l.id
        LEFT JOIN (${additions}) a ON a.lotId = l.id
        WHERE (l.source = 'DASHBOARD' AND cp.id IS NULL) OR COALESCE(a.n, 0) <> 1 OR a.q <> l.quantity
           OR (l.source = 'DASHBOARD' AND a.purchases <> 1) OR (l.source = 'ANNUAL' AND a.purchases <> 0)
        UNION ALL
        SELECT e.organizationId, 'entry' AS what, NULL AS purchaseId, NULL AS paymentId, e.lotId, 'a PURCHASE or GRANT entry without a lot of its organization' AS problem
        FROM organization o JOIN credit_ledger_entry e ON e.organizationId = o.id AND e.kind = 'PURCHASE' LEFT JOIN credit_lot l ON l.id = e.lotId
        WHERE l.id IS NULL OR l.organizationId <> e.organizationId
        UNION ALL
        SELECT e.organizationId, 'entry' AS what, NULL AS purchaseId, NULL AS paymentId, e.lotId, 'a PURCHASE or GRANT entry without a lot of its organization' AS problem
        FROM organization o JOIN credit_ledger_entry e ON e.organizationId = o.id AND e.kind = 'GRANT' LEFT JOIN credit_lot l ON l.id = e.lotId
        WHERE l.id IS NULL OR l.organizationId <> e.organizationId
        ORDER BY 1, 2, 3, 4, 5`,
        limit,
        (r) => ({
          organizationId: r.organizationId,
          ids: { purchaseId: r.purchaseId, paymentId: r.paymentId, lotId: r.lotId },
          message:
            r.what === 'purchase'
              ? `credit purchase ${r.purchaseId}: ${r.problem}`
              : r.what === 'payment'
                ? `payment ${r.paymentId}: ${r.problem}`
                : `lot ${r.lotId ?? '(none)'}: ${r.problem}`,
        }),
      );
    },
  },
  {
    name: 'reminder-once',
    rules: 'R23',
    statement: 'at most one reminder per invoice and offset',
    check(db, limit) {
      return rowsToViolations(
        db,
        this,
        `
        SELECT n.organizationId, n.invoiceId, n.offsetDays, COUNT(*) AS reminders, MIN(n.id) AS firstId, MAX(n.id) AS lastId
        FROM notification n WHERE n.kind = 'INVOICE_REMINDER'
        GROUP BY n.organizationId, n.invoiceId, n.offsetDays
        HAVING COUNT(*) > 1
        ORDER BY 1, 2, 3`,
        limit,
        (r) => ({
          organizationId: r.organizationId,
          ids: {
            invoiceId: r.invoiceId,
            offsetDays: r.offsetDays === null ? null : num(r.offsetDays),
            notificationId: r.firstId,
            otherNotificationId: r.lastId,
          },
          message: `invoice ${r.invoiceId}: ${num(r.reminders)} reminders for ${r.offsetDays} days before the due date`,
        }),
      );
    },
  },
  {
    name: 'one-open-period',
    rules: 'R17, R21',
    statement:
      'a live organization has exactly one open billing period, a terminated one none; a period is open exactly when it is marked open for its organization',
    check(db, limit) {
      return rowsToViolations(
        db,
        this,
        `
        SELECT o.id AS organizationId, o.status, COUNT(p.id) AS openPeriods, MIN(p.id) AS periodId, 'organization' AS what
        FROM organization o LEFT JOIN billing_period p ON p.organizationId = o.id AND (p.closedAt IS NULL OR p.openForOrganizationId IS NOT NULL)
        GROUP BY o.id, o.status
        HAVING (o.status <> 'TERMINATED' AND COUNT(p.id) <> 1) OR (o.status = 'TERMINATED' AND COUNT(p.id) <> 0)
        UNION ALL
        SELECT p.organizationId, NULL AS status, 1 AS openPeriods, p.id AS periodId, 'period' AS what
        FROM billing_period p
        WHERE (p.openForOrganizationId IS NOT NULL AND p.openForOrganizationId <> p.organizationId)
           OR (p.closedAt IS NULL AND p.openForOrganizationId IS NULL) OR (p.closedAt IS NOT NULL AND p.openForOrganizationId IS NOT NULL)
        ORDER BY 1, 5`,
        limit,
        (r) => ({
          organizationId: r.organizationId,
          ids: { periodId: r.periodId },
          message:
            r.what === 'period'
              ? `billing period ${r.periodId}: closedAt and the open mark disagree`
              : `${String(r.status).toLowerCase()} organization has ${num(r.openPeriods)} open billing periods (expected ${r.status === 'TERMINATED' ? 0 : 1})`,
        }),
      );
    },
  },
  {
    name: 'usage-timeline',
    rules: 'R8, R9, R10',
    statement:
      "the ±1 usage events of each user and location add up to 1 when it is active and 0 when not, never leave 0..1 on the way, and name a user or location of the event's organization",
    check(db, limit) {
      // Events of one subject are written under its organization's lock, so their insertion order (the integer key)
      // is their real order, whatever instants a clock gave them.
      return rowsToViolations(
        db,
        this,
        `
        SELECT u.organizationId, 'USER' AS kind, u.id AS subjectId, u.status, COALESCE(s.level, 0) AS level, 'final' AS what
        FROM \`user\` u LEFT JOIN (SELECT subjectId, SUM(delta) AS level FROM usage_event WHERE kind = 'USER' GROUP BY subjectId) s ON s.subjectId = u.id
        WHERE COALESCE(s.level, 0) <> CASE WHEN u.status = 'ACTIVE' THEN 1 ELSE 0 END
        UNION ALL
        SELECT l.organizationId, 'LOCATION' AS kind, l.id AS subjectId, l.status, COALESCE(s.level, 0) AS level, 'final' AS what
        FROM location l LEFT JOIN (SELECT subjectId, SUM(delta) AS level FROM usage_event WHERE kind = 'LOCATION' GROUP BY subjectId) s ON s.subjectId = l.id
        WHERE COALESCE(s.level, 0) <> CASE WHEN l.status = 'ACTIVE' THEN 1 ELSE 0 END
        UNION ALL
        SELECT w.organizationId, w.kind, w.subjectId, NULL AS status, w.level, 'step' AS what FROM (
          SELECT e.organizationId, e.kind, e.subjectId, SUM(e.delta) OVER (PARTITION BY e.kind, e.subjectId ORDER BY e.id ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS level
          FROM usage_event e
        ) w WHERE w.level < 0 OR w.level > 1
        UNION ALL
        SELECT e.organizationId, e.kind, e.subjectId, NULL AS status, e.delta AS level, 'orphan' AS what
        FROM usage_event e LEFT JOIN \`user\` u ON e.kind = 'USER' AND u.id = e.subjectId LEFT JOIN location l ON e.kind = 'LOCATION' AND l.id = e.subjectId
        WHERE (e.kind = 'USER' AND (u.id IS NULL OR u.organizationId <> e.organizationId))
           OR (e.kind = 'LOCATION' AND (l.id IS NULL OR l.organizationId <> e.organizationId))
           OR e.kind NOT IN ('USER', 'LOCATION') OR e.delta NOT IN (1, -1)
        ORDER BY 1, 2, 3`,
        limit,
        (r) => ({
          organizationId: r.organizationId,
          ids: { [r.kind === 'LOCATION' ? 'locationId' : 'userId']: r.subjectId },
          message:
            r.what === 'final'
              ? `${String(r.kind).toLowerCase()} ${r.subjectId} is ${r.status} but its usage events add up to ${num(r.level)}`
              : r.what === 'step'
                ? `${String(r.kind).toLowerCase()} ${r.subjectId}: its usage timeline reaches ${num(r.level)} (only 0 and 1 are possible)`
                : `a usage event (${num(r.level)}) names ${String(r.kind).toLowerCase()} ${r.subjectId}, which is not one of its organization`,
        }),
      );
    },
  },
];

export interface CheckReport extends CheckResult {
  name: string;
  rules: string;
  statement: string;
  ms: number;
}

export interface AuditReport {
  ok: boolean;
  violations: Violation[];
  checks: CheckReport[];
  ms: number;
}

/** Runs every invariant (or those named) on `db`, one after the other, inside its snapshot. */
export async function runAudit(db: AuditDb, options: { limit?: number; only?: string[] } = {}): Promise<AuditReport> {
  const limit = options.limit ?? 1000;
  const started = Date.now();
  const checks: CheckReport[] = [];
  for (const invariant of INVARIANTS) {
    if (options.only && !options.only.includes(invariant.name)) continue;
    const t0 = Date.now();
    const result = await invariant.check(db, limit);
    checks.push({
      name: invariant.name,
      rules: invariant.rules,
      statement: invariant.statement,
      ...result,
      ms: Date.now() - t0,
    });
  }
  const violations = checks.flatMap((c) => c.violations);
  return { ok: violations.length === 0, violations, checks, ms: Date.now() - started };
}
