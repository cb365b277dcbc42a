import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { DataSource } from 'typeorm';
import { LicenseKind, Organization, UsageEvent } from '../../entities';
import { bruteForcePeak, TimelineEvent } from '../support/peak-oracle';
import { UsageService } from '../../src/services/usage.service';
import { DRIVERS, migratedDatabase } from '../support/harness';

const BASE = Date.UTC(2025, 2, 1);
/** Few distinct instants, so same-instant events and events exactly on the boundaries are common. */
const instant = fc.integer({ min: 0, max: 12 }).map((i) => new Date(BASE + i * 1000));
const event = fc.record({ at: instant, delta: fc.constantFrom(1, -1) });
const timeline = fc.array(event, { maxLength: 40 });

describe.each(DRIVERS)('R9: the peak of simultaneous use on %s', (driver) => {
  let dataSource: DataSource;
  let close: () => Promise<void>;
  const usage = new UsageService();

  beforeAll(async () => {
    ({ dataSource, close } = await migratedDatabase(driver));
  });
  afterAll(async () => {
    await close?.();
  });

  async function store(
    events: readonly TimelineEvent[],
    kind = LicenseKind.USER,
    organizationId = randomUUID(),
  ): Promise<string> {
    if (!(await dataSource.manager.exists(Organization, { where: { id: organizationId } }))) {
      await dataSource.manager.insert(Organization, { id: organizationId, name: 'peak', createdAt: new Date(BASE) });
    }
    if (events.length) {
      await dataSource.manager.insert(
        UsageEvent,
        events.map((e) => ({ organizationId, kind, subjectId: randomUUID(), delta: e.delta, occurredAt: e.at })),
      );
    }
    return organizationId;
  }

  it('R9: matches the brute-force definition over random timelines (same-instant events, events on the boundaries)', async () => {
    await fc.assert(
      fc.asyncProperty(timeline, instant, instant, async (events, a, b) => {
        const [from, to] = a <= b ? [a, b] : [b, a];
        const orgId = await store(events);
        const got = await usage.peak(dataSource.manager, orgId, LicenseKind.USER, from, to);
        expect({ peak: got.peak, peakAt: got.peakAt?.toISOString() ?? null }).toEqual(
          ((o) => ({ peak: o.peak, peakAt: o.peakAt?.toISOString() ?? null }))(bruteForcePeak(events, from, to)),
        );
      }),
      { numRuns: driver === 'sqlite' ? 150 : 60 },
    );
  });

  it('R9: at one instant deactivations count before activations, so a transfer is no peak', async () => {
    const t = (s: number) => new Date(BASE + s * 1000);
    // Two active; at t(5) one leaves and one joins (inserted join-first), at t(7) one joins for real.
    const orgId = await store([
      { at: t(1), delta: 1 },
      { at: t(2), delta: 1 },
      { at: t(5), delta: 1 },
      { at: t(5), delta: -1 },
      { at: t(7), delta: 1 },
    ]);
    expect(await usage.peak(dataSource.manager, orgId, LicenseKind.USER, t(0), t(6))).toEqual({
      peak: 2,
      peakAt: t(2),
    });
    expect(await usage.peak(dataSource.manager, orgId, LicenseKind.USER, t(0), t(8))).toEqual({
      peak: 3,
      peakAt: t(7),
    });
  });

  it('R9: the period starts from what was in use at its start; events on `from` belong to it, events on `to` do not', async () => {
    const t = (s: number) => new Date(BASE + s * 1000);
    const orgId = await store([
      { at: t(1), delta: 1 },
      { at: t(1), delta: 1 },
      { at: t(1), delta: 1 }, // 3 before the period
      { at: t(10), delta: -1 }, // on `from`: the period opens with 2
      { at: t(12), delta: 1 },
      { at: t(12), delta: 1 }, // on `to`: the next period's
    ]);
    expect(await usage.peak(dataSource.manager, orgId, LicenseKind.USER, t(10), t(12))).toEqual({
      peak: 2,
      peakAt: t(10),
    });
    expect(await usage.peak(dataSource.manager, orgId, LicenseKind.USER, t(12), t(20))).toEqual({
      peak: 4,
      peakAt: t(12),
    });
  });

  it('R9: kinds and organizations do not mix; nothing in use has no peakAt', async () => {
    const t = (s: number) => new Date(BASE + s * 1000);
    const orgId = await store([{ at: t(1), delta: 1 }], LicenseKind.LOCATION);
    await store([
      { at: t(1), delta: 1 },
      { at: t(2), delta: 1 },
    ]);
    expect(await usage.peak(dataSource.manager, orgId, LicenseKind.USER, t(0), t(5))).toEqual({
      peak: 0,
      peakAt: null,
    });
    expect(await usage.peak(dataSource.manager, orgId, LicenseKind.LOCATION, t(0), t(5))).toEqual({
      peak: 1,
      peakAt: t(1),
    });
  });
});
