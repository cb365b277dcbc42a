import { EntityManager } from 'typeorm';
import { InvoiceLineEvidence, InvoiceLineItem, LicenseKind, LineItemKind } from '../../entities';
import type { DraftLine } from './invoice-lines';
import { decodeCursor, encodeCursor, Page, PageArgs, pageSize } from '../db/paginate';
import { instantFromSql, sqlInstant } from '../db/sql';
import { badInput } from '../errors/errors';

/** R30: one user (USER) or location (LOCATION) in use at a peak, and when it became active. */
export interface LicenseEvidenceView {
  userId: string | null;
  locationId: string | null;
  activeSince: Date;
}

/** Whose evidence a license line shows: the organization and the license kind it bills (set on license lines). */
export interface EvidenceSource {
  organizationId: string;
  kind: LicenseKind;
}

/** An invoice line as InvoiceLineItem.evidence gets it: a stored line, or a line of the DRAFT preview. */
export type InvoiceLineView = Pick<InvoiceLineItem, 'kind' | 'peakAt'> &
  (Pick<InvoiceLineItem, 'invoiceId'> | Pick<DraftLine, 'evidenceOf'>);

/** The lines that bill licenses (R9, R10): each carries the evidence of the billed peak. */
const LICENSE_LINES: ReadonlySet<LineItemKind> = new Set([
  LineItemKind.SEATS,
  LineItemKind.SEAT_OVERAGE,
  LineItemKind.LOCATIONS,
  LineItemKind.LOCATION_OVERAGE,
]);

/** A raw statement and its parameters. */
interface Statement {
  sql: string;
  params: unknown[];
}

const isSqlite = (em: EntityManager) => em.connection.options.type === 'better-sqlite3';

/** The view of a subject of `kind` active since `activeSince`. */
const evidenceOf = (kind: LicenseKind, subjectId: string, activeSince: Date): LicenseEvidenceView => ({
  userId: kind === LicenseKind.USER ? subjectId : null,
  locationId: kind === LicenseKind.LOCATION ? subjectId : null,
  activeSince,
});

/**
 * The (activeSince, id) a cursor of the live list holds (db/paginate.ts's codec); anything else — garbage, or a
 * cursor of the frozen list — is BAD_USER_INPUT on `after`.
 */
function liveCursor(after: string): [Date, string] {
  const [since, subjectId] = decodeCursor(after);
  if (!(since instanceof Date)) throw badInput('after', 'after is not a cursor of this list');
  return [since, subjectId];
}

/** An empty page (no peak yet): `after` and `first` are still checked, as on any connection. */
function emptyPage<T>(args: PageArgs): Page<T> {
  pageSize(args.first);
  if (args.after) liveCursor(args.after);
  return { edges: [], nodes: [], pageInfo: { hasNextPage: false, endCursor: null }, totalCount: Promise.resolve(0) };
}

/**
 * R30 Peak evidence: who or what was in use at a peak, from the usage timeline (R8–R10).
 *
 * The live evidence of the open period (License.peakEvidence, and the license lines of the DRAFT preview) is read
 * from the timeline on each request; an issued invoice's is frozen into invoice_line_evidence in the transaction
 * that issues it (`freeze`) and read from there (`frozen`), so later activity never changes it. Both come from the
 * one statement `activeAt`.
 */
export class PeakEvidenceService {
  /**
   * R30 in SQL: the subjects of `kind` active at the instant `at`, each with when it became active. With R9's
   * ordering the level at an instant is every event at or before it (deactivations count before activations, so
   * the level after an instant is the instant's highest): a subject is active at `at` when its events up to and
   * including `at` sum to more than zero, and it became active at its latest activation at or before `at` (a user
   * deactivated and reactivated at one instant was inactive in between, so became active again there). At a
   * peak's `peakAt` there are exactly `peak` of them: their number is the level at `peakAt`.
   * Columns: subjectId, activeSince.
   */
  activeAt(em: EntityManager, organizationId: string, kind: LicenseKind, at: Date): Statement {
    return {
      sql: `SELECT e.subjectId AS subjectId, MAX(CASE WHEN e.delta > 0 THEN e.occurredAt END) AS activeSince
            FROM usage_event e
            WHERE e.organizationId = ? AND e.kind = ? AND e.occurredAt <= ?
            GROUP BY e.subjectId
            HAVING SUM(e.delta) > 0`,
      params: [organizationId, kind, sqlInstant(em, at)],
    };
  }

  /**
   * R30: a page of the subjects of `kind` active at `peakAt`, ordered by (activeSince, id); empty (totalCount 0)
   * without a peak (`peakAt` null: nothing was in use). The cursor is the opaque (activeSince, id) of db/paginate.ts;
   * one it did not issue is BAD_USER_INPUT on `after`.
   */
  async live(
    em: EntityManager,
    { organizationId, kind }: EvidenceSource,
    peakAt: Date | null,
    args: PageArgs,
  ): Promise<Page<LicenseEvidenceView>> {
    if (!peakAt) return emptyPage(args);
    const first = pageSize(args.first);
    const active = this.activeAt(em, organizationId, kind, peakAt);
    const params = [...active.params];
    let after = '';
    if (args.after) {
      const [since, subjectId] = liveCursor(args.after);
      after = 'WHERE v.activeSince > ? OR (v.activeSince = ? AND v.subjectId > ?)';
      params.push(sqlInstant(em, since), sqlInstant(em, since), subjectId);
    }
    const rows: Array<{ subjectId: string; activeSince: Date | string }> = await em.query(
      `SELECT v.subjectId AS subjectId, v.activeSince AS activeSince FROM (${active.sql}) v ${after}
       ORDER BY v.activeSince ASC, v.subjectId ASC LIMIT ${first + 1}`,
      params,
    );
    const nodes = rows.slice(0, first).map((row) => evidenceOf(kind, row.subjectId, instantFromSql(row.activeSince)!));
    const edges = nodes.map((node) => ({
      cursor: encodeCursor(node.activeSince, (node.userId ?? node.locationId)!),
      node,
    }));
    let totalCount: Promise<number> | undefined;
    return {
      edges,
      nodes,
      pageInfo: { hasNextPage: rows.length > first, endCursor: edges.at(-1)?.cursor ?? null },
      get totalCount() {
        return (totalCount ??= em
          .query(`SELECT COUNT(*) AS n FROM (${active.sql}) v`, active.params)
          .then(([row]: Array<{ n: number | string }>) => Number(row?.n ?? 0)));
      },
    };
  }

  /**
   * R30, inside the transaction that issues `invoiceId`: the evidence of its billed peak (the subjects of `kind`
   * active at `peakAt`), written in one INSERT … SELECT numbered 1, 2, 3… in the order `live` lists them. Nothing
   * without a peak.
   */
  async freeze(
    em: EntityManager,
    invoiceId: string,
    { organizationId, kind }: EvidenceSource,
    peakAt: Date | null,
  ): Promise<void> {
    if (!peakAt) return;
    const active = this.activeAt(em, organizationId, kind, peakAt);
    const id = isSqlite(em) ? 'lower(hex(randomblob(16)))' : 'UUID()';
    const column = kind === LicenseKind.USER ? 'userId' : 'locationId';
    await em.query(
      `INSERT INTO invoice_line_evidence (id, organizationId, invoiceId, ${column}, activeSince, position)
       SELECT ${id}, ?, ?, v.subjectId, v.activeSince, ROW_NUMBER() OVER (ORDER BY v.activeSince, v.subjectId)
       FROM (${active.sql}) v`,
      [organizationId, invoiceId, ...active.params],
    );
  }

  /**
   * R30, InvoiceLineItem.evidence: null on lines that do not bill licenses (credits). A stored line shows its
   * invoice's frozen evidence (through `load`, the operation's loader when there is one: an invoice list's lines
   * share one statement); a line of the DRAFT preview the live evidence of the open period at its peakAt.
   */
  ofLine(
    em: EntityManager,
    line: InvoiceLineView,
    args: PageArgs,
    load: (request: FrozenPageRequest) => Promise<Page<InvoiceLineEvidence>> = async (request) =>
      (await this.frozenPages(em, [request]))[0],
  ): Promise<Page<LicenseEvidenceView>> | null {
    if (!LICENSE_LINES.has(line.kind)) return null;
    if ('invoiceId' in line) return load(frozenPageRequest(line.invoiceId, args));
    return line.evidenceOf ? this.live(em, line.evidenceOf, line.peakAt, args) : null;
  }

  /** R30: a page of an issued invoice's frozen evidence, in the order it was written. */
  async frozen(em: EntityManager, invoiceId: string, args: PageArgs): Promise<Page<InvoiceLineEvidence>> {
    return (await this.frozenPages(em, [frozenPageRequest(invoiceId, args)]))[0];
  }

  /**
   * R30: pages of frozen evidence, for any number of invoices in one statement (and their totals in one more, when
   * read). An invoice's rows are numbered 1…n without gaps (`freeze`, and the rows never change), so the page after
   * position p is positions p+1 … p+first — with one more to tell whether a next page exists — and n is the total.
   */
  async frozenPages(
    em: EntityManager,
    requests: readonly FrozenPageRequest[],
  ): Promise<Array<Page<InvoiceLineEvidence>>> {
    if (requests.length === 0) return [];
    const qb = em.createQueryBuilder(InvoiceLineEvidence, 'evidence');
    requests.forEach(({ invoiceId, first, afterPosition }, i) =>
      qb.orWhere(
        `(evidence.invoiceId = :invoice${i} AND evidence.position > :after${i} AND evidence.position <= :last${i})`,
        { [`invoice${i}`]: invoiceId, [`after${i}`]: afterPosition, [`last${i}`]: afterPosition + first + 1 },
      ),
    );
    const rows = await qb.orderBy('evidence.invoiceId', 'ASC').addOrderBy('evidence.position', 'ASC').getMany();
    let totals: Promise<Map<string, number>> | undefined;
    const totalsOfBatch = () =>
      (totals ??= em
        .createQueryBuilder(InvoiceLineEvidence, 'evidence')
        .select('evidence.invoiceId', 'invoiceId')
        .addSelect('MAX(evidence.position)', 'total')
        .where('evidence.invoiceId IN (:...ids)', { ids: [...new Set(requests.map((r) => r.invoiceId))] })
        .groupBy('evidence.invoiceId')
        .getRawMany<{ invoiceId: string; total: number | string }>()
        .then((found) => new Map(found.map((row) => [row.invoiceId, Number(row.total)]))));
    return requests.map(({ invoiceId, first, afterPosition }) => {
      const window = rows.filter(
        (row) =>
          row.invoiceId === invoiceId && row.position > afterPosition && row.position <= afterPosition + first + 1,
      );
      const nodes = window.slice(0, first);
      const edges = nodes.map((node) => ({ cursor: encodeCursor(node.position, node.id), node }));
      return {
        edges,
        nodes,
        pageInfo: { hasNextPage: window.length > first, endCursor: edges.at(-1)?.cursor ?? null },
        get totalCount() {
          return totalsOfBatch().then((found) => found.get(invoiceId) ?? 0);
        },
      };
    });
  }
}

/** One page of an invoice's frozen evidence, its arguments checked: `first` rows after position `afterPosition`. */
export interface FrozenPageRequest {
  invoiceId: string;
  first: number;
  afterPosition: number;
}

/** The key of a request: the same page of one invoice (its SEATS and SEAT_OVERAGE lines) is read once. */
export const frozenPageKey = ({ invoiceId, first, afterPosition }: FrozenPageRequest) =>
  `${invoiceId}|${first}|${afterPosition}`;

/**
 * `first` and `after` of a frozen page, checked as db/paginate.ts checks them: a cursor not issued by this list
 * (not a position: the live list's, or garbage) is BAD_USER_INPUT on `after`.
 */
export function frozenPageRequest(invoiceId: string, args: PageArgs): FrozenPageRequest {
  const first = pageSize(args.first);
  if (!args.after) return { invoiceId, first, afterPosition: 0 };
  const [position] = decodeCursor(args.after);
  if (typeof position !== 'number' || position < 0) throw badInput('after', 'after is not a cursor of this list');
  return { invoiceId, first, afterPosition: position };
}
