import { SelectQueryBuilder } from 'typeorm';
import { badInput } from '../errors/errors';
import { sqlInstant } from './sql';

export interface PageArgs {
  first?: number | null;
  after?: string | null;
}

export interface Page<T> {
  edges: Array<{ cursor: string; node: T }>;
  nodes: T[];
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
  totalCount: number;
}

export const DEFAULT_PAGE_SIZE = 20;
export const MAX_PAGE_SIZE = 100;

type SortValue = Date | number;

const encodeCursor = (sortValue: SortValue, id: string) =>
  Buffer.from(JSON.stringify([sortValue instanceof Date ? { t: sortValue.toISOString() } : sortValue, id])).toString('base64url');

function decodeCursor(cursor: string): [SortValue, string] {
  try {
    const [raw, id] = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    const value: SortValue = typeof raw === 'number' ? raw : new Date(raw?.t);
    if (typeof id !== 'string' || (value instanceof Date && Number.isNaN(value.getTime()))) throw new Error('bad cursor');
    return [value, id];
  } catch {
    throw badInput('after', 'after is not a cursor this API issued');
  }
}

export function pageSize(first: number | null | undefined): number {
  if (first === null || first === undefined) return DEFAULT_PAGE_SIZE;
  if (!Number.isInteger(first) || first < 0 || first > MAX_PAGE_SIZE) {
    throw badInput('first', `first must be between 0 and ${MAX_PAGE_SIZE}`);
  }
  return first;
}

/**
 * Keyset pagination over (sort column, id) — the sort column an instant or an integer: stable while rows are
 * added, and cheap on an index that ends in those two columns. Cursors are opaque to clients.
 */
export async function paginate<T extends { id: string }>(
  qb: SelectQueryBuilder<T>,
  args: PageArgs,
  sortColumn: keyof T & string,
  direction: 'ASC' | 'DESC' = 'ASC',
): Promise<Page<T>> {
  const first = pageSize(args.first);
  const alias = qb.alias;
  const totalCount = await qb.clone().getCount();
  if (args.after) {
    const [sortValue, id] = decodeCursor(args.after);
    const op = direction === 'ASC' ? '>' : '<';
    qb.andWhere(`(${alias}.${sortColumn} ${op} :cursorSort OR (${alias}.${sortColumn} = :cursorSort AND ${alias}.id ${op} :cursorId))`, {
      cursorSort: sortValue instanceof Date ? sqlInstant(qb.connection.manager, sortValue) : sortValue,
      cursorId: id,
    });
  }
  const rows = await qb.orderBy(`${alias}.${sortColumn}`, direction).addOrderBy(`${alias}.id`, direction).take(first + 1).getMany();
  const nodes = rows.slice(0, first);
  const edges = nodes.map((node) => ({ cursor: encodeCursor(node[sortColumn] as unknown as SortValue, node.id), node }));
  return { edges, nodes, pageInfo: { hasNextPage: rows.length > first, endCursor: edges.at(-1)?.cursor ?? null }, totalCount };
}
