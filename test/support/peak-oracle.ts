/**
 * The definition of R9's peak, written the obvious way (no SQL): the level at instant t is the sum of every
 * event at or before t; the peak of [from, to) is the highest level at `from` or at any event instant strictly
 * inside, and peakAt the first such instant (null when the peak is not positive: nothing was in use).
 * Property tests and the benchmark hold UsageService.peak to it.
 */
export interface TimelineEvent {
  at: Date;
  delta: number;
  subjectId?: string;
}

export function bruteForcePeak(
  events: readonly TimelineEvent[],
  from: Date,
  to: Date,
): { peak: number; peakAt: Date | null } {
  const f = from.getTime();
  const t = to.getTime();
  // An empty (or inverted) period has one instant: `from`.
  const inside = [...new Set(events.map((e) => e.at.getTime()).filter((x) => x > f && x < t))].sort((a, b) => a - b);
  const sorted = [...events].sort((a, b) => a.at.getTime() - b.at.getTime());
  let level = 0;
  let i = 0;
  let peak = Number.NEGATIVE_INFINITY;
  let peakAt = f;
  for (const instant of [f, ...inside]) {
    while (i < sorted.length && sorted[i].at.getTime() <= instant) level += sorted[i++].delta;
    if (level > peak) {
      peak = level;
      peakAt = instant;
    }
  }
  return { peak, peakAt: peak > 0 ? new Date(peakAt) : null };
}

/**
 * R30's definition, written the obvious way: the subjects active at instant `at` — those whose events at or before
 * `at` sum above zero — each with its latest activation at or before `at` (when it became active).
 */
export function bruteForceActiveAt(events: readonly TimelineEvent[], at: Date): Map<string, Date> {
  const level = new Map<string, number>();
  const since = new Map<string, number>();
  for (const e of events) {
    if (e.at.getTime() > at.getTime() || e.subjectId === undefined) continue;
    level.set(e.subjectId, (level.get(e.subjectId) ?? 0) + e.delta);
    if (e.delta > 0) since.set(e.subjectId, Math.max(since.get(e.subjectId) ?? -Infinity, e.at.getTime()));
  }
  const active = new Map<string, Date>();
  for (const [subject, n] of level) if (n > 0) active.set(subject, new Date(since.get(subject)!));
  return active;
}
