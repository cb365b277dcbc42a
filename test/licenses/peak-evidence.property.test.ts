import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { DataSource } from 'typeorm';
import { Invoice, InvoiceStatus, LicenseKind, Organization, UsageEvent } from '../../entities';
import { bruteForceActiveAt, bruteForcePeak, TimelineEvent } from '../support/peak-oracle';
import { PeakEvidenceService } from '../../src/services/peak-evidence.service';
import { UsageService } from '../../src/services/usage.service';
import { Page, PageArgs } from '../../src/db/paginate';
import { DRIVERS, migratedDatabase } from '../support/harness';

const BASE = Date.UTC(2025, 2, 1);
const at = (i: number) => new Date(BASE + i * 1000);
/** Few distinct instants, so transfers at one instant, several changes of one subject at one instant and events
 * exactly on the period's bounds are common. */
const instant = fc.integer({ min: 0, max: 12 });

/**
 * A consistent random history: each subject's changes alternate activation (+1) and deactivation (−1), starting
 * with an activation, at non-decreasing instants — what the API records for a user or a location.
 */
const history = fc.array(fc.array(instant, { maxLength: 6 }), { minLength: 0, maxLength: 8 }).map((subjects) =>
  subjects.flatMap((instants, s) => {
    const subjectId = `${String(s).padStart(2, '0')}${randomUUID().slice(2)}`; // 36 characters, as ids
    return [...instants].sort((a, b) => a - b).map((i, k) => ({ at: at(i), delta: k % 2 === 0 ? 1 : -1, subjectId }));
  }),
);

interface Listed {
  id: string;
  activeSince: string;
}

describe.each(DRIVERS)('R30: peak evidence against the oracle on %s', (driver) => {
  let dataSource: DataSource;
  let close: () => Promise<void>;
  const usage = new UsageService();
  const evidence = new PeakEvidenceService();

  beforeAll(async () => {
    ({ dataSource, close } = await migratedDatabase(driver));
  });
  afterAll(async () => {
    await close?.();
  });

  async function store(kind: LicenseKind, events: readonly TimelineEvent[], noise: readonly TimelineEvent[]) {
    const organizationId = randomUUID();
    await dataSource.manager.insert(Organization, { id: organizationId, name: 'evidence', createdAt: at(0) });
    const other = kind === LicenseKind.USER ? LicenseKind.LOCATION : LicenseKind.USER;
    const rows = [
      ...events.map((e) => ({ kind, subjectId: e.subjectId!, delta: e.delta, occurredAt: e.at })),
      ...noise.map((e) => ({ kind: other, subjectId: e.subjectId!, delta: e.delta, occurredAt: e.at })),
    ];
    if (rows.length)
      await dataSource.manager.insert(
        UsageEvent,
        rows.map((r) => ({ organizationId, ...r })),
      );
    return organizationId;
  }

  /** An issued invoice to freeze evidence on (its lines do not matter here). */
  async function invoiceOf(organizationId: string, from: Date, to: Date): Promise<string> {
    const id = randomUUID();
    await dataSource.manager.insert(Invoice, {
      id,
      organizationId,
      periodId: randomUUID(),
      sequence: 1,
      number: 'INV-000001',
      status: InvoiceStatus.OPEN,
      periodStart: from,
      periodEnd: to,
      issuedAt: to,
      dueAt: to,
      currency: 'USD',
      subtotalCents: 0,
      totalCents: 0,
      amountPaidCents: 0,
      paidAt: null,
    });
    return id;
  }

  /** Every page, `size` at a time, checking totalCount on each. */
  async function readAll<T extends { userId: string | null; locationId: string | null; activeSince: Date }>(
    read: (args: PageArgs) => Promise<Page<T>>,
    size: number,
    total: number,
  ): Promise<Listed[]> {
    const listed: Listed[] = [];
    let after: string | null = null;
    for (let pages = 0; pages <= total + 1; pages++) {
      const page: Page<T> = await read({ first: size, after });
      expect(await page.totalCount).toBe(total);
      expect(page.nodes.length).toBeLessThanOrEqual(size);
      listed.push(
        ...page.nodes.map((n) => ({ id: (n.userId ?? n.locationId)!, activeSince: n.activeSince.toISOString() })),
      );
      if (!page.pageInfo.hasNextPage) return listed;
      after = page.pageInfo.endCursor;
    }
    throw new Error('the pages never end');
  }

  it('R30: on random histories the evidence (live and frozen) counts exactly the billed peak, and lists every one active at peakAt once, with when it became active', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(LicenseKind.USER, LicenseKind.LOCATION),
        history,
        history,
        instant,
        instant,
        fc.integer({ min: 1, max: 4 }),
        async (kind, events, noise, a, b, size) => {
          const [from, to] = a <= b ? [at(a), at(b)] : [at(b), at(a)];
          const organizationId = await store(kind, events, noise);
          const billed = await usage.peak(dataSource.manager, organizationId, kind, from, to);
          const oracle = bruteForcePeak(events, from, to);
          expect(billed.peak).toBe(oracle.peak);
          expect(billed.peakAt?.toISOString()).toBe(oracle.peakAt?.toISOString());

          const source = { organizationId, kind };
          const expectedCount = billed.peakAt ? billed.peak : 0;
          const live = await readAll(
            (args) => evidence.live(dataSource.manager, source, billed.peakAt, args),
            size,
            expectedCount,
          );
          expect(live).toHaveLength(expectedCount);
          // Every one listed was active at peakAt, since its latest activation; none is listed twice; none missing
          const active = billed.peakAt ? bruteForceActiveAt(events, billed.peakAt) : new Map<string, Date>();
          expect(new Set(live.map((l) => l.id)).size).toBe(live.length);
          for (const l of live) expect(active.get(l.id)?.toISOString()).toBe(l.activeSince);
          expect(live.length).toBe(active.size);
          // In order: by activation, then by id
          const sorted = [...live].sort((x, y) =>
            x.activeSince === y.activeSince ? (x.id < y.id ? -1 : 1) : x.activeSince < y.activeSince ? -1 : 1,
          );
          expect(live).toEqual(sorted);

          // Frozen with an invoice: the same list, in the same order
          const invoiceId = await invoiceOf(organizationId, from, to);
          await evidence.freeze(dataSource.manager, invoiceId, source, billed.peakAt);
          const frozen = await readAll(
            (args) => evidence.frozen(dataSource.manager, invoiceId, args),
            size,
            expectedCount,
          );
          expect(frozen).toEqual(live);
        },
      ),
      { numRuns: driver === 'sqlite' ? 120 : 40 },
    );
  });
});
