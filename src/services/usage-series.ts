import { badInput } from '../errors/errors';
import { MAX_USAGE_SERIES_POINTS } from './bounds';

/** R29: the width of a usage series' buckets, aligned to UTC. */
export enum UsageBucket {
  HOUR = 'HOUR',
  DAY = 'DAY',
}

/** Milliseconds per bucket. UTC hours and days are whole multiples of these from the epoch (no leap seconds). */
export const BUCKET_MS: Readonly<Record<UsageBucket, number>> = {
  [UsageBucket.HOUR]: 3_600_000,
  [UsageBucket.DAY]: 86_400_000,
};

/** One point of a usage series (R29). */
export interface UsagePoint {
  /** The bucket's UTC boundary (the first bucket may start before `from`: it is measured from `from` on). */
  start: Date;
  /** Most in use at any moment of the bucket's measured part (R9 ordering: a same-instant transfer is no peak). */
  peak: number;
  /** In use at the bucket's last measured instant: its end, or `to` / now for the last one. */
  end: number;
}

/** The instants a series measures and its buckets: [from, until] inclusive, `points` buckets from `origin`. */
export interface SeriesRange {
  bucketMs: number;
  from: Date;
  until: Date;
  /** The UTC boundary at or before `from`: the first bucket's start. */
  origin: Date;
  points: number;
}

export interface SeriesArgs {
  bucket: UsageBucket;
  from?: Date | null;
  to?: Date | null;
}

const iso = (at: Date) => at.toISOString();

/**
 * R29: the range a usage series covers, or BAD_USER_INPUT naming the field. The range lies in the open period
 * [start, end): `from` (default the period start) not before its start, `to` (default now) not at or after its end,
 * and `from` not after `to`. The buckets are the UTC hours or days the range touches — a `from` inside a bucket keeps
 * that bucket (its point starts at the UTC boundary) but measures it from `from` on, so nothing before the period
 * counts — and they may be at most MAX_USAGE_SERIES_POINTS. What has not happened yet is not measured: a `to` after
 * now stops the series at now (a `from` after now: no points).
 */
export function usageSeriesRange(args: SeriesArgs, period: { start: Date; end: Date }, now: Date): SeriesRange | null {
  const bucketMs = BUCKET_MS[args.bucket];
  const lastInstant = new Date(period.end.getTime() - 1);
  const from = args.from ?? period.start;
  const to = args.to ?? (now < lastInstant ? now : lastInstant);
  if (from < period.start)
    throw badInput('from', `from must not be before the current period's start (${iso(period.start)})`);
  if (from > lastInstant) throw badInput('from', `from must be before the current period's end (${iso(period.end)})`);
  if (to < period.start)
    throw badInput('to', `to must not be before the current period's start (${iso(period.start)})`);
  if (to > lastInstant) throw badInput('to', `to must be before the current period's end (${iso(period.end)})`);
  if (from > to) throw badInput('from', 'from must not be after to');
  const origin = Math.floor(from.getTime() / bucketMs) * bucketMs;
  const points = Math.floor(to.getTime() / bucketMs) - origin / bucketMs + 1;
  if (points > MAX_USAGE_SERIES_POINTS) {
    throw badInput(
      'bucket',
      `${points} ${args.bucket} buckets from ${iso(from)} to ${iso(to)}: at most ${MAX_USAGE_SERIES_POINTS}; take DAY buckets or a shorter range`,
    );
  }
  const until = to < now ? to : now;
  if (until < from) return null;
  return {
    bucketMs,
    from,
    until,
    origin: new Date(origin),
    points: Math.floor(until.getTime() / bucketMs) - origin / bucketMs + 1,
  };
}
