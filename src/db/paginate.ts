import { EntityManager, SelectQueryBuilder } from 'typeorm';
import { badInput } from '../errors/errors';
import { sqlInstant } from './sql';

/**
 * The one pagination argument shape every list takes (Relay forward paging). The GraphQL args class
 * (`ConnectionArgs` in resolvers/types/connection.type.ts) implements it.
 */
export interface PageArgs {
  first?: number | null;
  after?: string | null;
}

export interface Page<T> {
  edges: Array<{ cursor: string; node: T }>;
  nodes: T[];
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
  /** Counted only when read: a client that does not select `totalCount` costs no COUNT(*). */
  readonly totalCount: Promise<number>;
}

export const DEFAULT_PAGE_SIZE = 20;
export const MAX_PAGE_SIZE = 100;

/** An instant or an integer, or — for a list in id order (R31's time-ordered ids) — the id itself. */
type SortValue = Date | number | string;

/**
 * How a list is ordered: by `column` (an instant or an integer) in `direction`, then by id. `unique` says the
 * column alone already tells the listed rows apart (a per-organization sequence), so neither the order nor the
 * cursor condition needs the id and the (organizationId, column) index serves the query as it is.
 */
export interface PageOrder<T> {
  column: keyof T & string;
  direction?: 'ASC' | 'DESC';
  unique?: boolean;
}

/** The opaque cursor of a row: its sort value and id, as base64url JSON. Clients only hand it back. */
export const encodeCursor = (sortValue: SortValue, id: string): string =>
  Buffer.from(
    JSON.stringify([
      sortValue instanceof Date
        ? { t: sortValue.toISOString() }
        : typeof sortValue === 'string'
          ? { s: sortValue }
          : sortValue,
      id,
    ]),
  ).toString('base64url');

/** The sort value and id a cursor of `encodeCursor` holds; anything else is BAD_USER_INPUT on `after`. */
export function decodeCursor(cursor: string): [SortValue, string] {
  try {
    const [raw, id] = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    const value: SortValue =
      typeof raw === 'number' ? raw : typeof raw?.s === 'string' ? (raw.s as string) : new Date(raw?.t);
    if (typeof id !== 'string' || (typeof value === 'number' && !Number.isSafeInteger(value)))
      throw new Error('bad cursor');
    if (value instanceof Date && Number.isNaN(value.getTime())) throw new Error('bad cursor');
    return [value, id];
  } catch {
    throw badInput('after', 'after is not a cursor this API issued');
  }
}

/** `first`, bounded: DEFAULT_PAGE_SIZE when absent, BAD_USER_INPUT outside 0..MAX_PAGE_SIZE. */
export function pageSize(first: number | null | undefined): number {
  if (first === null || first === undefined) return DEFAULT_PAGE_SIZE;
  if (!Number.isInteger(first) || first < 0 || first > MAX_PAGE_SIZE) {
    throw badInput('first', `first must be between 0 and ${MAX_PAGE_SIZE}`);
  }
  return first;
}

/**
 * The one paginator: keyset pagination over (sort column, id) — stable while rows are added, and cheap on an index
 * that ends in those columns. `totalCount` counts the whole filtered list, when it is read; one row past the page
 * says whether there is a next one.
 */
export async function paginate<T extends { id: string }>(
  qb: SelectQueryBuilder<T>,
  args: PageArgs,
  order: PageOrder<T>,
): Promise<Page<T>> {
  const first = pageSize(args.first);
  const { column, direction = 'ASC', unique = false } = order;
  const alias = qb.alias;
  const count = qb.clone();
  let totalCount: Promise<number> | undefined;
  if (args.after) {
    const [sortValue, id] = decodeCursor(args.after);
    // A cursor of another list's shape (an id where an instant or integer is sorted on, or the reverse) is not ours.
    if ((typeof sortValue === 'string') !== (column === 'id'))
      throw badInput('after', 'after is not a cursor of this list');
    const op = direction === 'ASC' ? '>' : '<';
    const sort = `${alias}.${column}`;
    const cursorSort = sortValue instanceof Date ? sqlInstant(qb.connection.manager, sortValue) : sortValue;
    if (unique) qb.andWhere(`${sort} ${op} :cursorSort`, { cursorSort });
    else
      qb.andWhere(`(${sort} ${op} :cursorSort OR (${sort} = :cursorSort AND ${alias}.id ${op} :cursorId))`, {
        cursorSort,
        cursorId: id,
      });
  }
  qb.orderBy(`${alias}.${column}`, direction);
  if (!unique) qb.addOrderBy(`${alias}.id`, direction);
  const rows = await qb.take(first + 1).getMany();
  const nodes = rows.slice(0, first);
  const edges = nodes.map((node) => ({ cursor: encodeCursor(node[column] as unknown as SortValue, node.id), node }));
  return {
    edges,
    nodes,
    pageInfo: { hasNextPage: rows.length > first, endCursor: edges.at(-1)?.cursor ?? null },
    get totalCount() {
      return (totalCount ??= count.getCount());
    },
  };
}

/**
 * A page of one organization's rows of `entity` (users, assignments, invoices…), keeping only those whose `status`
 * is the one asked for, when one is.
 */
export function pageOfOrganization<T extends { id: string; organizationId: string; status: string }>(
  em: EntityManager,
  entity: new () => T,
  organizationId: string,
  status: T['status'] | null | undefined,
  args: PageArgs,
  order: PageOrder<T>,
): Promise<Page<T>> {
  const qb = em
    .createQueryBuilder(entity, 'listed')
    .where('listed.organizationId = :organizationId', { organizationId });
  if (status) qb.andWhere('listed.status = :status', { status });
  return paginate(qb, args, order);
}
