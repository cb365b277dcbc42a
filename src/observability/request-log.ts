/** Which GraphQL requests get a log line: a line per request costs a few % of a cheap request's CPU. */
export interface RequestLogPolicy {
  /** At least this many milliseconds: always logged. */
  slowMs: number;
  /** The share (0..1) of the other requests — fast and without errors — that are logged. */
  sampleRate: number;
}

/**
 * A request with an error, or a slow one, is always logged; the rest are sampled at `sampleRate`
 * (`random` is injectable so the sampling is testable).
 */
export function shouldLogRequest(
  request: { durationMs: number; errorCount: number },
  policy: RequestLogPolicy,
  random: () => number = Math.random,
): boolean {
  if (request.errorCount > 0 || request.durationMs >= policy.slowMs) return true;
  if (policy.sampleRate >= 1) return true;
  return policy.sampleRate > 0 && random() < policy.sampleRate;
}
