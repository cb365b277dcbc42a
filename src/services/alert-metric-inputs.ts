import { DataSource, EntityManager } from 'typeorm';
import {
  AlertMetric,
  BillingPeriod,
  Contract,
  CreditLot,
  CreditSource,
  LicenseKind,
  Organization,
  UsageAggregate,
} from '../../entities';
import { creditUseKey, lotsKey, RequestReads, usageAggregateKey } from '../db/request-reads';
import { entityFromRow } from '../db/sql';
import { splitLotsOfOpenPeriod } from './credit-lots';
import { creditUseFromRows } from './credit-tallies';

/** What the metrics of a set of rules read besides the organization, its contract and its open period. */
interface Needs {
  /** The open period's usage aggregates (in use, the peak): SEATS_IN_USE, LOCATIONS_IN_USE, the invoice preview. */
  usage: boolean;
  /** The open period's credit tallies and the live lots and grants: the credit metrics, the invoice preview. */
  credits: boolean;
}

function needsOf(metrics: ReadonlySet<AlertMetric>): Needs {
  const invoice = metrics.has(AlertMetric.UPCOMING_INVOICE_TOTAL_CENTS);
  return {
    usage: invoice || metrics.has(AlertMetric.SEATS_IN_USE) || metrics.has(AlertMetric.LOCATIONS_IN_USE),
    credits:
      invoice || metrics.has(AlertMetric.CREDITS_AVAILABLE) || metrics.has(AlertMetric.CREDIT_OVERAGE_THIS_PERIOD),
  };
}

/** One SELECT of the union: its tag, the value of each of its columns (the others are NULL), FROM … WHERE …. */
interface Part {
  tag: string;
  columns: Array<[alias: string, expression: string]>;
  from: string;
  params: (organizationId: string) => unknown[];
}

/** The statements per data source and needs (they name the entities' columns, quoted for the driver). */
const statements = new WeakMap<DataSource, Map<string, { sql: string; parts: Part[] }>>();

/**
 * R26's inputs in one statement: a UNION ALL of the organization with its contract and open period (tag S), the open
 * period's usage aggregates (U), its credit tallies (B: consumed from the balance, O: overage per unit price) and the
 * live lots with its annual grants (L) — each part's columns padded with NULLs in the others, every part an index
 * lookup by organization (the open period by its `openForOrganizationId`).
 */
function statementFor(em: EntityManager, needs: Needs): { sql: string; parts: Part[] } {
  const key = `${needs.usage ? 'U' : ''}${needs.credits ? 'C' : ''}`;
  const cached = statements.get(em.connection)?.get(key);
  if (cached) return cached;
  const q = (name: string) => em.connection.driver.escape(name);
  const table = (entity: new () => object) => q(em.connection.getMetadata(entity).tableName);
  const columnsOf = (entity: new () => object, alias: string, prefix: string): Part['columns'] =>
    em.connection
      .getMetadata(entity)
      .columns.map((c) => [prefix + c.databaseName, `${alias}.${q(c.databaseName)}`] as [string, string]);
  const openPeriod = `${table(BillingPeriod)} p`;
  const ofOpenPeriod = `WHERE p.${q('openForOrganizationId')} = ?`;
  const sameOrganizationAndPeriod = (alias: string) =>
    `${alias}.${q('organizationId')} = p.${q('openForOrganizationId')} AND ${alias}.${q('periodId')} = p.${q('id')}`;
  const parts: Part[] = [
    {
      tag: 'S',
      columns: [
        ...columnsOf(Organization, 'o', 'o_'),
        ...columnsOf(Contract, 'c', 'c_'),
        ...columnsOf(BillingPeriod, 'p', 'p_'),
      ],
      from: `FROM ${table(Organization)} o LEFT JOIN ${table(Contract)} c ON c.${q('organizationId')} = o.${q('id')} LEFT JOIN ${openPeriod} ON p.${q('openForOrganizationId')} = o.${q('id')} WHERE o.${q('id')} = ?`,
      params: (id) => [id],
    },
  ];
  if (needs.usage)
    parts.push({
      tag: 'U',
      columns: columnsOf(UsageAggregate, 'a', 'a_'),
      from: `FROM ${openPeriod} JOIN ${table(UsageAggregate)} a ON ${sameOrganizationAndPeriod('a')} ${ofOpenPeriod}`,
      params: (id) => [id],
    });
  if (needs.credits)
    parts.push(
      {
        tag: 'B',
        columns: [['t_credits', `t.${q('consumedFromBalance')}`]],
        from: `FROM ${openPeriod} JOIN ${q('credit_period_tally')} t ON ${sameOrganizationAndPeriod('t')} ${ofOpenPeriod}`,
        params: (id) => [id],
      },
      {
        tag: 'O',
        columns: [
          ['t_credits', `t.${q('credits')}`],
          ['t_unitPriceCents', `t.${q('unitPriceCents')}`],
        ],
        from: `FROM ${openPeriod} JOIN ${q('credit_overage_tally')} t ON ${sameOrganizationAndPeriod('t')} ${ofOpenPeriod}`,
        params: (id) => [id],
      },
      {
        // The lots `readLotsOfOpenPeriod` selects: live ones, and annual grants since the open period's start.
        tag: 'L',
        columns: columnsOf(CreditLot, 'l', 'l_'),
        from: `FROM ${openPeriod} JOIN ${table(CreditLot)} l ON l.${q('organizationId')} = p.${q('openForOrganizationId')} ${ofOpenPeriod} AND ((l.${q('expiredAt')} IS NULL AND l.${q('remaining')} > 0) OR (l.${q('source')} = '${CreditSource.ANNUAL}' AND l.${q('purchasedAt')} >= p.${q('start')}))`,
        params: (id) => [id],
      },
    );
  const aliases = [...new Set(parts.flatMap((p) => p.columns.map(([alias]) => alias)))];
  // The first SELECT names the columns (a union's names are its first part's); the others only fill them.
  const sql = parts
    .map((part, i) => {
      const own = new Map(part.columns);
      const name = (alias: string) => (i === 0 ? ` AS ${q(alias)}` : '');
      const values = aliases.map((alias) => `${own.get(alias) ?? 'NULL'}${name(alias)}`);
      return `SELECT '${part.tag}'${name('part')}, ${values.join(', ')} ${part.from}`;
    })
    .join('\nUNION ALL\n');
  const built = { sql, parts };
  const byNeeds = statements.get(em.connection) ?? new Map<string, { sql: string; parts: Part[] }>();
  byNeeds.set(key, built);
  statements.set(em.connection, byNeeds);
  return built;
}

/**
 * R26: reads, in one statement, what the metrics of `metrics` are computed from — the organization with its contract
 * and open period, and as the metrics need them the open period's usage aggregates, credit tallies and lots — and
 * primes `reads` (the evaluation's shared reads, bound to the transaction's manager `em`) with them: the license,
 * credit and invoice services then compute the metrics as they always do, without a statement of their own.
 */
export async function primeAlertMetricInputs(
  em: EntityManager,
  reads: RequestReads,
  organizationId: string,
  metrics: ReadonlySet<AlertMetric>,
): Promise<void> {
  const { sql, parts } = statementFor(em, needsOf(metrics));
  const rows: Array<Record<string, unknown> & { part: string }> = await em.query(
    sql,
    parts.flatMap((part) => part.params(organizationId)),
  );
  const state = rows.find((row) => row.part === 'S');
  if (!state) return; // no such organization: the services read (and find nothing) as they would
  const organization = entityFromRow(em, Organization, state, 'o_');
  const contract = state.c_id == null ? null : entityFromRow(em, Contract, state, 'c_');
  const period = state.p_id == null ? null : entityFromRow(em, BillingPeriod, state, 'p_');
  reads.organization.prime(organizationId, organization);
  reads.contract.prime(organizationId, contract);
  reads.openPeriod.prime(organizationId, period);
  if (!period) return; // the period's reads are keyed by it: without one, nothing else is read
  const tagged = (tag: string) => rows.filter((row) => row.part === tag);
  if (parts.some((part) => part.tag === 'U')) {
    const aggregates = tagged('U').map((row) => entityFromRow(em, UsageAggregate, row, 'a_'));
    for (const kind of Object.values(LicenseKind))
      reads.usageAggregate.prime(
        usageAggregateKey(organizationId, period.id, kind),
        aggregates.find((a) => a.kind === kind) ?? null,
      );
  }
  if (parts.some((part) => part.tag === 'L')) {
    const tallies = [...tagged('B'), ...tagged('O')].map((row) => ({
      unitPriceCents: row.part === 'B' ? null : row.t_unitPriceCents,
      credits: row.t_credits,
    }));
    reads.creditUse.prime(creditUseKey(organizationId, period.id), creditUseFromRows(tallies));
    const lots = tagged('L').map((row) => entityFromRow(em, CreditLot, row, 'l_'));
    reads.lotsOfOpenPeriod.prime(lotsKey(organizationId, period.start), splitLotsOfOpenPeriod(lots, period.start));
  }
}
