import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { DataSource } from 'typeorm';
import { LicenseKind, Organization, UsageEvent } from '../../entities';
import { bruteForcePeak, TimelineEvent } from '../support/peak-oracle';
import { BUCKET_MS, SeriesRange, UsageBucket, UsagePoint, usageSeriesRange } from '../../src/services/usage-series';
import { UsageSeriesService } from '../../src/services/usage-series.service';
import { OrganizationService } from '../../src/services/organization.service';
import { DRIVERS, migratedDatabase } from '../support/harness';

const BASE = Date.UTC(2025, 2, 1);

/**
 * The R29 series the obvious way, from R9's reference (peak-oracle.ts): bucket j measures [lo, hi) — lo = `from` for
 * the first bucket, its UTC boundary after; hi = the next boundary, or just after `until` — so its peak is
 * bruteForcePeak over [lo, hi) and its end the level after every event before hi.
 */
function bruteForceSeries(events: readonly TimelineEvent[], range: SeriesRange): UsagePoint[] {
  const points: UsagePoint[] = [];
  for (let j = 0; j < range.points; j++) {
    const start = range.origin.getTime() + j * range.bucketMs;
    const lo = Math.max(start, range.from.getTime());
    const hi = Math.min(start + range.bucketMs, range.until.getTime() + 1);
    const end = events.filter((e) => e.at.getTime() < hi).reduce((sum, e) => sum + e.delta, 0);
    points.push({ start: new Date(start), peak: bruteForcePeak(events, new Date(lo), new Date(hi)).peak, end });
  }
  return points;
}

/**
 * A history of four subjects (users or locations) each toggled active/inactive in time order — activations,
 * deactivations and reactivations; several at one instant, so transfers (one out, one in at the same instant) are
 * common — at instants near the bucket boundaries: on them, a millisecond either side, or a quarter bucket apart.
 */
const history = (bucket: UsageBucket) => {
  const quarter = BUCKET_MS[bucket] / 4;
  const instant = fc
    .tuple(fc.integer({ min: 0, max: 20 }), fc.constantFrom(0, 0, 1, -1, 7))
    .map(([k, jitter]) => BASE + Math.max(0, k * quarter + jitter));
  return fc.array(fc.tuple(instant, fc.integer({ min: 0, max: 3 })), { maxLength: 40 }).map((toggles) => {
    const active = new Set<number>();
    return [...toggles]
      .sort((a, b) => a[0] - b[0])
      .map(([at, subject]): TimelineEvent => {
        const delta = active.has(subject) ? -1 : 1;
        if (delta === 1) active.add(subject);
        else active.delete(subject);
        return { at: new Date(at), delta, subjectId: `s${subject}` };
      });
  });
};

/** A series request inside a period that covers the history's instants, and when it is asked. */
const request = (bucket: UsageBucket) => {
  const span = 5 * BUCKET_MS[bucket];
  const at = fc.integer({ min: 0, max: span }).map((ms) => new Date(BASE + ms));
  return fc.record({ a: at, b: at, now: at, defaults: fc.constantFrom('none', 'from', 'to', 'both') });
};

describe.each(DRIVERS)('R29: the usage series on %s', (driver) => {
  let dataSource: DataSource;
  let close: () => Promise<void>;
  const service = new UsageSeriesService({ now: () => new Date() }, {} as OrganizationService);

  beforeAll(async () => {
    ({ dataSource, close } = await migratedDatabase(driver));
  });
  afterAll(async () => {
    await close?.();
  });

  async function store(events: readonly TimelineEvent[], kind = LicenseKind.USER): Promise<string> {
    const organizationId = randomUUID();
    await dataSource.manager.insert(Organization, { id: organizationId, name: 'series', createdAt: new Date(BASE) });
    if (events.length) {
      await dataSource.manager.insert(
        UsageEvent,
        events.map((e) => ({
          organizationId,
          kind,
          subjectId: e.subjectId ?? randomUUID(),
          delta: e.delta,
          occurredAt: e.at,
        })),
      );
    }
    return organizationId;
  }

  const iso = (points: UsagePoint[]) => points.map((p) => ({ ...p, start: p.start.toISOString() }));

  for (const bucket of [UsageBucket.HOUR, UsageBucket.DAY]) {
    it(`R29: ${bucket} buckets match the brute-force definition over random histories (same-instant events, transfers, reactivations)`, async () => {
      const period = { start: new Date(BASE + 1), end: new Date(BASE + 6 * BUCKET_MS[bucket]) };
      await fc.assert(
        fc.asyncProperty(history(bucket), request(bucket), async (events, { a, b, now, defaults }) => {
          const [from, to] = a <= b ? [a, b] : [b, a];
          const args = {
            bucket,
            from: defaults === 'from' || defaults === 'both' ? null : from,
            to: defaults === 'to' || defaults === 'both' ? null : to,
          };
          let range: SeriesRange | null;
          try {
            range = usageSeriesRange(args, period, now);
          } catch {
            return; // refused ranges are the unit of the range tests below
          }
          if (!range) return;
          const orgId = await store(events);
          // Another kind and another organization at the same instants must not mix in.
          await dataSource.manager.insert(
            UsageEvent,
            events.map((e) => ({
              organizationId: orgId,
              kind: LicenseKind.LOCATION,
              subjectId: 'x',
              delta: 1,
              occurredAt: e.at,
            })),
          );
          await store(events.map((e) => ({ ...e, delta: 1 })));
          const got = await service.inRange(dataSource.manager, orgId, LicenseKind.USER, range);
          expect(iso(got)).toEqual(iso(bruteForceSeries(events, range)));
        }),
        { numRuns: driver === 'sqlite' ? 150 : 60 },
      );
    });
  }

  it('R29: a transfer at one instant is no peak; a deactivation on a boundary starts the next bucket lower', async () => {
    const h = (hours: number, ms = 0) => new Date(BASE + hours * BUCKET_MS.HOUR + ms);
    const events: TimelineEvent[] = [
      { at: h(0, 10), delta: 1, subjectId: 'a' },
      { at: h(0, 20), delta: 1, subjectId: 'b' },
      { at: h(0, 30), delta: 1, subjectId: 'c' },
      { at: h(0.5), delta: 1, subjectId: 'd' }, // a transfer: d in, c out at one instant
      { at: h(0.5), delta: -1, subjectId: 'c' },
      { at: h(1), delta: -1, subjectId: 'a' }, // on the boundary of the second hour
      { at: h(1), delta: -1, subjectId: 'b' },
      { at: h(2.25), delta: 1, subjectId: 'a' },
      { at: h(2.5), delta: -1, subjectId: 'a' },
    ];
    const orgId = await store(events);
    const range = usageSeriesRange({ bucket: UsageBucket.HOUR }, { start: h(0), end: h(24) }, h(3, 30 * 60_000))!;
    expect(range.points).toBe(4);
    expect(iso(await service.inRange(dataSource.manager, orgId, LicenseKind.USER, range))).toEqual([
      { start: h(0).toISOString(), peak: 3, end: 3 },
      { start: h(1).toISOString(), peak: 1, end: 1 },
      { start: h(2).toISOString(), peak: 2, end: 1 },
      { start: h(3).toISOString(), peak: 1, end: 1 },
    ]);
  });
});

describe('R29: the range of a series (usageSeriesRange)', () => {
  const H = BUCKET_MS.HOUR;
  const period = { start: new Date('2026-03-01T09:30:00.000Z'), end: new Date('2026-04-01T09:30:00.000Z') };
  const now = new Date('2026-03-02T12:15:00.000Z');
  const field = (f: () => unknown) => {
    try {
      f();
    } catch (e) {
      return (e as { extensions?: { code?: string; field?: string } }).extensions;
    }
    return null;
  };

  it('R29: defaults to the period start and now; a from inside a bucket keeps it, measured from `from`', () => {
    expect(usageSeriesRange({ bucket: UsageBucket.HOUR }, period, now)).toEqual({
      bucketMs: H,
      from: period.start,
      until: now,
      origin: new Date('2026-03-01T09:00:00.000Z'),
      points: 28, // 09:00 on the 1st to 12:00 on the 2nd
    });
    expect(usageSeriesRange({ bucket: UsageBucket.DAY }, period, now)!.points).toBe(2);
  });

  it('R29: a to after now stops at now; a from after now has no points yet; an elapsed period ends at its end', () => {
    const later = new Date('2026-03-05T00:00:00.000Z');
    expect(usageSeriesRange({ bucket: UsageBucket.HOUR, to: later }, period, now)!.until).toEqual(now);
    expect(usageSeriesRange({ bucket: UsageBucket.HOUR, from: later, to: later }, period, now)).toBeNull();
    const afterEnd = new Date('2026-04-03T00:00:00.000Z');
    expect(usageSeriesRange({ bucket: UsageBucket.DAY }, period, afterEnd)!.until).toEqual(
      new Date(period.end.getTime() - 1),
    );
  });

  it('R29: from after to, a range outside the current period, or more than 800 buckets is BAD_USER_INPUT with the field', () => {
    const bad = (args: Parameters<typeof usageSeriesRange>[0]) => field(() => usageSeriesRange(args, period, now));
    const at = (s: string) => new Date(s);
    expect(bad({ bucket: UsageBucket.HOUR, from: at('2026-03-02T00:00:00Z'), to: at('2026-03-01T12:00:00Z') })).toEqual(
      { code: 'BAD_USER_INPUT', field: 'from' },
    );
    expect(bad({ bucket: UsageBucket.HOUR, from: at('2026-03-01T09:29:59.999Z') })).toEqual({
      code: 'BAD_USER_INPUT',
      field: 'from',
    });
    expect(bad({ bucket: UsageBucket.HOUR, from: period.end })).toEqual({ code: 'BAD_USER_INPUT', field: 'from' });
    expect(bad({ bucket: UsageBucket.HOUR, to: period.end })).toEqual({ code: 'BAD_USER_INPUT', field: 'to' });
    expect(bad({ bucket: UsageBucket.HOUR, to: at('2026-02-01T00:00:00Z') })).toEqual({
      code: 'BAD_USER_INPUT',
      field: 'to',
    });
    // 800 hours fit; 801 do not (an annual period is long enough for both)
    const year = { start: period.start, end: at('2027-03-01T09:30:00Z') };
    const later = at('2026-06-01T00:00:00Z');
    const from = at('2026-03-01T10:00:00Z');
    expect(
      usageSeriesRange({ bucket: UsageBucket.HOUR, from, to: new Date(from.getTime() + 799 * H) }, year, later)!.points,
    ).toBe(800);
    expect(
      field(() =>
        usageSeriesRange({ bucket: UsageBucket.HOUR, from, to: new Date(from.getTime() + 800 * H) }, year, later),
      ),
    ).toEqual({
      code: 'BAD_USER_INPUT',
      field: 'bucket',
    });
    // the default range of an annual period in hours is too long as well; in days it fits
    expect(field(() => usageSeriesRange({ bucket: UsageBucket.HOUR }, year, later))).toEqual({
      code: 'BAD_USER_INPUT',
      field: 'bucket',
    });
    expect(usageSeriesRange({ bucket: UsageBucket.DAY }, year, later)!.points).toBe(93);
  });
});
