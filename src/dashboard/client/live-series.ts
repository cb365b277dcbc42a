/** A point of License.series: one UTC bucket, its highest in-use and its in-use at the end. */
export interface UsagePoint {
  start: string;
  peak: number;
  end: number;
}

const HOUR_MS = 3_600_000;

/**
 * The chart's last point follows billingState (R27) without asking for the series again: a push inside the last
 * hour bucket moves its end (and raises its peak); a push in a later hour opens that hour's bucket.
 */
export function withLiveInUse(points: UsagePoint[], inUse: number, at: string): UsagePoint[] {
  const bucketStart = new Date(Math.floor(Date.parse(at) / HOUR_MS) * HOUR_MS).toISOString();
  const last = points[points.length - 1];
  if (last && Date.parse(last.start) === Date.parse(bucketStart)) {
    return [...points.slice(0, -1), { start: last.start, peak: Math.max(last.peak, inUse), end: inUse }];
  }
  if (last && Date.parse(last.start) > Date.parse(bucketStart)) return points;
  return [...points, { start: bucketStart, peak: inUse, end: inUse }];
}
