import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { DataSource, EntityManager } from 'typeorm';
import { BillingPeriod, LicenseKind, Organization, UsageAggregate } from '../../entities';
import { bruteForcePeak, TimelineEvent } from '../support/peak-oracle';
import { peakOfTally, UsageService } from '../../src/services/usage.service';
import type { ServiceContext } from '../../src/services/service-context';
import { DRIVERS, migratedDatabase } from '../support/harness';

const BASE = Date.UTC(2025, 2, 1);
const at = (second: number) => new Date(BASE + second * 1000);
/** The first period is [2 s, 8 s); when the history rolls over, the next is [8 s, 11 s). Instants run 0–12 s. */
const FIRST = { start: at(2), end: at(8) };
const SECOND = { start: at(8), end: at(11) };
const LAST_SECOND = 12;

interface Step {
  /** Seconds from the previous step's instant: mostly 0 (same instant) or forward, now and then back. */
  move: number;
  kind: LicenseKind;
  /** One ±1 event, or a transfer: −1 and +1 at one instant, recorded in the given order. */
  deltas: Array<1 | -1>;
}

/** Few distinct instants, mostly forward in time (so most events fold rather than recount): same-instant events, events on the boundaries and the clock going back are common. */
const step: fc.Arbitrary<Step> = fc.record({
  move: fc.oneof(
    { weight: 8, arbitrary: fc.integer({ min: 0, max: 1 }) },
    { weight: 1, arbitrary: fc.constant(2) },
    { weight: 1, arbitrary: fc.integer({ min: -4, max: -1 }) },
  ),
  kind: fc.constantFrom(LicenseKind.USER, LicenseKind.USER, LicenseKind.USER, LicenseKind.LOCATION),
  deltas: fc.oneof(
    { weight: 4, arbitrary: fc.constantFrom<Array<1 | -1>>([1], [-1]) },
    { weight: 1, arbitrary: fc.constantFrom<Array<1 | -1>>([-1, 1], [1, -1]) },
  ),
});

const history = fc.record({
  steps: fc.array(step, { maxLength: 30 }),
  firstSecond: fc.integer({ min: 0, max: 3 }),
  /** How many steps are recorded before the first period opens (their level is its starting level). */
  beforeOpen: fc.nat({ max: 30 }),
  /** After how many steps the first period closes and the next opens (none when beyond the history). */
  rollOver: fc.nat({ max: 40 }),
  /** A `to` for the invoice preview of the open period. */
  previewTo: fc.integer({ min: 0, max: LAST_SECOND }),
});

const iso = (p: { peak: number; peakAt: Date | null }) => ({ peak: p.peak, peakAt: p.peakAt?.toISOString() ?? null });

describe.each(DRIVERS)('R9: usage aggregates kept on write equal the recomputation on %s', (driver) => {
  let dataSource: DataSource;
  let close: () => Promise<void>;
  const usage = new UsageService();

  beforeAll(async () => {
    ({ dataSource, close } = await migratedDatabase(driver));
  });
  afterAll(async () => {
    await close?.();
  });

  /** Records through the real service, in a transaction of its own, as the services do under the organization's lock. */
  const record = (organizationId: string, kind: LicenseKind, delta: 1 | -1, occurredAt: Date) =>
    dataSource.transaction((em) =>
      usage.record({ em } as ServiceContext, { organizationId, kind, subjectId: randomUUID(), delta, occurredAt }),
    );

  const openPeriod = (organizationId: string, bounds: { start: Date; end: Date }) =>
    dataSource.transaction(async (em) => {
      await em.update(
        BillingPeriod,
        { openForOrganizationId: organizationId },
        { openForOrganizationId: null, closedAt: bounds.start },
      );
      const period = await em.save(
        em.create(BillingPeriod, {
          organizationId,
          ...bounds,
          openForOrganizationId: organizationId,
          closedAt: null,
          anchor: bounds.start,
          anchorIndex: 0,
        }),
      );
      await usage.startPeriod(em, period);
      return period;
    });

  /** The stored aggregate, read directly (never the timeline fallback): it must exist for an open period. */
  async function tally(em: EntityManager, period: BillingPeriod, kind: LicenseKind): Promise<UsageAggregate> {
    const row = await em.findOne(UsageAggregate, {
      where: { organizationId: period.organizationId, periodId: period.id, kind },
    });
    if (!row) throw new Error(`no ${kind} aggregate for period ${period.id}`);
    return row;
  }

  async function expectMatchesTimeline(
    period: BillingPeriod,
    recorded: ReadonlyArray<TimelineEvent & { kind: LicenseKind }>,
  ): Promise<void> {
    for (const kind of Object.values(LicenseKind)) {
      const events = recorded.filter((e) => e.kind === kind);
      const row = await tally(dataSource.manager, period, kind);
      expect({ level: row.level, ...iso(peakOfTally(row)) }).toEqual({
        level: events.reduce((sum, e) => sum + e.delta, 0),
        ...iso(bruteForcePeak(events, period.start, period.end)),
      });
    }
  }

  it('R9: after every event of random histories (transfers, events on `from` and after the end, the clock going back, a period change)', async () => {
    await fc.assert(
      fc.asyncProperty(history, async ({ steps, firstSecond, beforeOpen, rollOver, previewTo }) => {
        const organizationId = randomUUID();
        await dataSource.manager.insert(Organization, {
          id: organizationId,
          name: 'aggregate',
          createdAt: new Date(BASE),
        });
        const recorded: Array<TimelineEvent & { kind: LicenseKind }> = [];
        let period: BillingPeriod | null = null;
        let second = firstSecond;
        for (const [index, { move, kind, deltas }] of steps.entries()) {
          second = Math.min(LAST_SECOND, Math.max(0, second + move));
          if (index === beforeOpen) period = await openPeriod(organizationId, FIRST);
          else if (period && index === rollOver && index > beforeOpen)
            period = await openPeriod(organizationId, SECOND);
          for (const delta of deltas) {
            await record(organizationId, kind, delta, at(second));
            recorded.push({ at: at(second), delta, kind });
          }
          if (period) await expectMatchesTimeline(period, recorded);
        }
        period ??= await openPeriod(organizationId, FIRST);
        await expectMatchesTimeline(period, recorded);

        // The reads the API makes agree with the SQL recomputation (UsageService.peak), the oracle of record.
        const to = at(previewTo) > period.end ? period.end : at(previewTo);
        for (const kind of Object.values(LicenseKind)) {
          const whole = await usage.peak(dataSource.manager, organizationId, kind, period.start, period.end);
          const { inUse, ...peak } = await usage.ofPeriod(dataSource.manager, kind, period);
          expect({ inUse, ...iso(peak) }).toEqual({
            inUse: await usage.inUseAt(dataSource.manager, organizationId, kind, null),
            ...iso(whole),
          });
          expect(iso(await usage.peakOfOpenPeriod(dataSource.manager, kind, period, to))).toEqual(
            iso(await usage.peak(dataSource.manager, organizationId, kind, period.start, to)),
          );
        }
      }),
      { numRuns: driver === 'sqlite' ? 250 : 60 },
    );
  });

  it('R9: a transfer recorded join-first is no peak in the aggregate', async () => {
    const organizationId = randomUUID();
    await dataSource.manager.insert(Organization, { id: organizationId, name: 'transfer', createdAt: new Date(BASE) });
    await record(organizationId, LicenseKind.USER, 1, at(1));
    const period = await openPeriod(organizationId, FIRST);
    await record(organizationId, LicenseKind.USER, 1, at(3)); // on `from`: the period opens with 2
    await record(organizationId, LicenseKind.USER, 1, at(5)); // joins …
    await record(organizationId, LicenseKind.USER, -1, at(5)); // … and another leaves at the same instant
    await record(organizationId, LicenseKind.USER, 1, at(11)); // after the end: in use, not in this period's peak
    expect(await usage.ofPeriod(dataSource.manager, LicenseKind.USER, period)).toEqual({
      inUse: 3,
      peak: 2,
      peakAt: at(3),
    });
  });
});
