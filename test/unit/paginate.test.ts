import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { AlertKind, BillingAlert, Organization, Role, User } from '../../entities';
import { BillingError } from '../../src/errors/errors';
import {
  decodeCursor,
  DEFAULT_PAGE_SIZE,
  encodeCursor,
  MAX_PAGE_SIZE,
  Page,
  pageSize,
  paginate,
} from '../../src/db/paginate';
import { DRIVERS, migratedDatabase } from '../support/harness';

function badInputOn(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    if (e instanceof BillingError && e.code === 'BAD_USER_INPUT') return e.extensions.field as string;
    throw e;
  }
  return undefined;
}

describe('the one paginator: cursors and page size', () => {
  it('a cursor round-trips its sort value (instant or integer) and id, and is opaque base64url', () => {
    const at = new Date('2026-03-01T12:34:56.789Z');
    const byInstant = encodeCursor(at, 'u-1');
    expect(byInstant).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(decodeCursor(byInstant)).toEqual([at, 'u-1']);
    expect(decodeCursor(encodeCursor(42, 'a-9'))).toEqual([42, 'a-9']);
    // R31: a list in (time-ordered) id order carries the id as its sort value.
    expect(decodeCursor(encodeCursor('0192f-e1', '0192f-e1'))).toEqual(['0192f-e1', '0192f-e1']);
  });

  it('a cursor the API did not issue is BAD_USER_INPUT on after', () => {
    const forged = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
    for (const cursor of [
      'garbage',
      '',
      forged(['alert', 3]),
      forged([{ t: 'not a date' }, 'x']),
      forged([1.5, 'x']),
      forged([1]),
    ]) {
      expect(badInputOn(() => decodeCursor(cursor))).toBe('after');
    }
  });

  it('first is bounded: default when absent, 0..MAX_PAGE_SIZE, anything else BAD_USER_INPUT on first', () => {
    expect(pageSize(undefined)).toBe(DEFAULT_PAGE_SIZE);
    expect(pageSize(null)).toBe(DEFAULT_PAGE_SIZE);
    expect(pageSize(0)).toBe(0);
    expect(pageSize(MAX_PAGE_SIZE)).toBe(MAX_PAGE_SIZE);
    for (const first of [-1, MAX_PAGE_SIZE + 1, 2.5]) expect(badInputOn(() => pageSize(first))).toBe('first');
  });
});

describe.each(DRIVERS)('the one paginator over %s', (driver) => {
  let dataSource: DataSource;
  let close: () => Promise<void>;
  const BASE = Date.UTC(2026, 0, 1);

  beforeAll(async () => {
    ({ dataSource, close } = await migratedDatabase(driver));
  });
  afterAll(async () => {
    await close?.();
  });

  async function organization(): Promise<string> {
    const id = randomUUID();
    await dataSource.manager.insert(Organization, { id, name: 'paging', createdAt: new Date(BASE) });
    return id;
  }

  /** Every page from the start, `first` at a time; the pages' nodes in order, and each page's hasNextPage. */
  async function walk<T>(
    load: (after: string | null) => Promise<Page<T>>,
  ): Promise<{ nodes: T[]; hasNext: boolean[]; totals: number[] }> {
    const out = { nodes: [] as T[], hasNext: [] as boolean[], totals: [] as number[] };
    let after: string | null = null;
    do {
      const page: Page<T> = await load(after);
      out.nodes.push(...page.nodes);
      out.hasNext.push(page.pageInfo.hasNextPage);
      out.totals.push(await page.totalCount);
      expect(page.edges.map((e) => e.node)).toEqual(page.nodes);
      after = page.pageInfo.hasNextPage ? page.pageInfo.endCursor : null;
    } while (after);
    return out;
  }

  it('pages over (instant, id) without losing or repeating rows that share an instant; hasNextPage only before the last page', async () => {
    const orgId = await organization();
    // Seven users over three instants: ties on createdAt are told apart by id.
    const users = Array.from({ length: 7 }, (_, i) => ({
      id: randomUUID(),
      organizationId: orgId,
      email: `p${i}.${orgId}@example.test`,
      name: `P${i}`,
      role: Role.EMPLOYEE,
      createdAt: new Date(BASE + Math.floor(i / 3) * 1000),
    }));
    for (const user of users) await dataSource.manager.insert(User, user);
    const stored = await dataSource.manager.find(User, { where: { organizationId: orgId } });
    const expected = stored
      .sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime() || (a.id < b.id ? -1 : 1))
      .map((u) => u.id);
    const list = (after: string | null) =>
      paginate(
        dataSource.manager.createQueryBuilder(User, 'u').where('u.organizationId = :orgId', { orgId }),
        { first: 3, after },
        { column: 'createdAt' },
      );

    const walked = await walk(list);
    expect(walked.nodes.map((u) => u.id)).toEqual(expected);
    expect(walked.hasNext).toEqual([true, true, false]);
    expect(walked.totals).toEqual([7, 7, 7]);

    const exact = await paginate(
      dataSource.manager.createQueryBuilder(User, 'u').where('u.organizationId = :orgId', { orgId }),
      { first: 7 },
      { column: 'createdAt' },
    );
    expect(exact.pageInfo).toEqual({ hasNextPage: false, endCursor: exact.edges[6].cursor });
    const none = await paginate(
      dataSource.manager.createQueryBuilder(User, 'u').where('u.organizationId = :orgId', { orgId }),
      { first: 0 },
      { column: 'createdAt' },
    );
    expect(none).toMatchObject({ nodes: [], pageInfo: { hasNextPage: true, endCursor: null } });
    expect(await none.totalCount).toBe(7);
  });

  it('pages newest first over a unique per-organization sequence', async () => {
    const orgId = await organization();
    await dataSource.manager.insert(
      BillingAlert,
      Array.from({ length: 5 }, (_, i) => ({
        id: randomUUID(),
        organizationId: orgId,
        sequence: i + 1,
        kind: AlertKind.CREDITS_LOW,
        message: `alert ${i + 1}`,
        createdAt: new Date(BASE),
      })),
    );
    const walked = await walk((after) =>
      paginate(
        dataSource.manager.createQueryBuilder(BillingAlert, 'a').where('a.organizationId = :orgId', { orgId }),
        { first: 2, after },
        { column: 'sequence', direction: 'DESC', unique: true },
      ),
    );
    expect(walked.nodes.map((a) => a.sequence)).toEqual([5, 4, 3, 2, 1]);
    expect(walked.hasNext).toEqual([true, true, false]);
  });
});
