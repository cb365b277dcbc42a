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
import { sqlInstant } from '../../src/db/sql';

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

describe.each(DRIVERS)('R30: invoices issued before the evidence existed, on %s', (driver) => {
  it('R30: the migration freezes their evidence from the timeline at their license lines’ peakAt', async () => {
    const { dataSource, close } = await migratedDatabase(driver);
    try {
      // Back to before 1765130000000: that migration and every later one undone.
      const later = dataSource.migrations.filter(
        (m) => Number(/\d{13}$/.exec(m.name ?? m.constructor.name)?.[0]) >= 1765130000000,
      );
      for (let i = 0; i < later.length; i++) await dataSource.undoLastMigration({ transaction: 'each' });
      const em = dataSource.manager;
      const organizationId = randomUUID();
      // Raw SQL: the entity has columns later migrations add.
      await em.query(`INSERT INTO organization (id, name, createdAt) VALUES (?, ?, ?)`, [
        organizationId,
        'before',
        sqlInstant(em, at(0)),
      ]);
      const [u1, u2, u3, loc] = [randomUUID(), randomUUID(), randomUUID(), randomUUID()];
      await em.insert(UsageEvent, [
        { organizationId, kind: LicenseKind.USER, subjectId: u1, delta: 1, occurredAt: at(1) },
        { organizationId, kind: LicenseKind.USER, subjectId: u2, delta: 1, occurredAt: at(2) },
        { organizationId, kind: LicenseKind.USER, subjectId: u2, delta: -1, occurredAt: at(3) },
        { organizationId, kind: LicenseKind.USER, subjectId: u3, delta: 1, occurredAt: at(3) }, // a transfer
        { organizationId, kind: LicenseKind.USER, subjectId: u2, delta: 1, occurredAt: at(5) }, // after the peakAt
        { organizationId, kind: LicenseKind.LOCATION, subjectId: loc, delta: 1, occurredAt: at(1) },
      ]);
      const invoiceId = randomUUID();
      const credited = randomUUID();
      for (const id of [invoiceId, credited]) {
        await em.query(
          `INSERT INTO invoice (id, organizationId, periodId, sequence, number, status, periodStart, periodEnd, issuedAt, dueAt, currency, subtotalCents, totalCents, amountPaidCents)
           VALUES (?, ?, ?, ?, 'INV', 'OPEN', ?, ?, ?, ?, 'USD', 0, 0, 0)`,
          [id, organizationId, randomUUID(), id === invoiceId ? 1 : 2, at(0), at(4), at(4), at(4)].map((v) =>
            v instanceof Date ? sqlInstant(em, v) : v,
          ),
        );
      }
      const line = (invoice: string, position: number, kind: string, peakAt: Date | null) =>
        em.query(
          `INSERT INTO invoice_line_item (id, invoiceId, position, kind, description, quantity, unitPriceCents, amountCents, peakAt)
           VALUES (?, ?, ?, ?, 'line', 1, 0, 0, ?)`,
          [randomUUID(), invoice, position, kind, peakAt ? sqlInstant(em, peakAt) : null],
        );
      await line(invoiceId, 0, 'SEATS', at(3));
      await line(invoiceId, 1, 'SEAT_OVERAGE', at(3));
      await line(invoiceId, 2, 'CREDIT_OVERAGE', null);
      await line(credited, 0, 'CREDIT_PURCHASE', null); // no license line: nothing to freeze

      await dataSource.runMigrations({ transaction: 'each' });
      const evidence = new PeakEvidenceService();
      const page = await evidence.frozen(em, invoiceId, { first: 10 });
      expect(await page.totalCount).toBe(2);
      expect(page.nodes.map((n) => [n.userId, n.locationId, n.activeSince.toISOString(), n.position])).toEqual([
        [u1, null, at(1).toISOString(), 1],
        [u3, null, at(3).toISOString(), 2],
      ]);
      expect(await (await evidence.frozen(em, credited, {})).totalCount).toBe(0);
      // and frozen like any other
      await expect(em.query('DELETE FROM invoice_line_evidence WHERE invoiceId = ?', [invoiceId])).rejects.toThrow(
        /immutable/,
      );
    } finally {
      await close();
    }
  });
});
