import pino from 'pino';
import { createMemoryBucket, createRequestBudget, retryAfterSeconds } from '../../src/server/rate-limit';
import { sleep } from '../support/wait';

/** A clock the test moves by hand, in milliseconds. */
function manualClock(start = 1_000_000) {
  let now = start;
  return { now: () => now, advance: (ms: number) => (now += ms) };
}

/** Sends `count` requests at the clock's current instant; how many were allowed. */
const sendAt = (bucket: ReturnType<typeof createMemoryBucket>, key: string, count: number) =>
  Array.from({ length: count }, () => bucket.take(key)).filter((retry) => retry === 0).length;

describe('R36: the request budget is a token bucket (memory bucket, simulated clock)', () => {
  it('R36: a full bucket lets exactly RATE_LIMIT_BURST through at once, then refuses', () => {
    const clock = manualClock();
    const bucket = createMemoryBucket(20, 50, clock.now);
    expect(sendAt(bucket, 'a', 80)).toBe(50);
    expect(bucket.take('a')).toBeGreaterThan(0);
  });

  it('R36: a caller who keeps sending gets exactly RATE_LIMIT_RPS a second, sustained over 10 s (not more)', () => {
    const clock = manualClock();
    const bucket = createMemoryBucket(50, 100, clock.now);
    let allowed = sendAt(bucket, 'a', 1000);
    expect(allowed).toBe(100);
    // 10 simulated seconds, 1000 tries a second spread over 1 ms steps
    for (let ms = 0; ms < 10_000; ms++) {
      clock.advance(1);
      allowed += sendAt(bucket, 'a', 1);
    }
    expect(allowed).toBe(100 + 50 * 10);
    // every one of those seconds: exactly RPS
    for (let second = 0; second < 3; second++) {
      let inSecond = 0;
      for (let ms = 0; ms < 1000; ms++) {
        clock.advance(1);
        inSecond += sendAt(bucket, 'a', 5);
      }
      expect(inSecond).toBe(50);
    }
  });

  it('R36: the bucket refills at RATE_LIMIT_RPS up to RATE_LIMIT_BURST, never beyond; callers are independent', () => {
    const clock = manualClock();
    const bucket = createMemoryBucket(10, 30, clock.now);
    expect(sendAt(bucket, 'a', 30)).toBe(30);
    clock.advance(1000);
    expect(sendAt(bucket, 'a', 30)).toBe(10);
    expect(sendAt(bucket, 'b', 40)).toBe(30);
    clock.advance(60_000); // a minute idle fills it only to capacity
    expect(sendAt(bucket, 'a', 100)).toBe(30);
  });

  it('R36: a fractional rate works (0.5 a second: one token every 2 s)', () => {
    const clock = manualClock();
    const bucket = createMemoryBucket(0.5, 1, clock.now);
    expect(bucket.take('a')).toBe(0);
    expect(bucket.take('a')).toBe(2000);
    clock.advance(1999);
    expect(bucket.take('a')).toBe(1);
    clock.advance(1);
    expect(bucket.take('a')).toBe(0);
  });

  it('R36: Retry-After is the wait for the next token, in whole seconds rounded up, at least 1', () => {
    const clock = manualClock();
    const bucket = createMemoryBucket(1, 2, clock.now);
    expect(sendAt(bucket, 'a', 2)).toBe(2);
    expect(bucket.take('a')).toBe(1000);
    clock.advance(300);
    expect(bucket.take('a')).toBe(700);
    expect(retryAfterSeconds(700)).toBe(1);
    expect(retryAfterSeconds(1)).toBe(1);
    expect(retryAfterSeconds(1000)).toBe(1);
    expect(retryAfterSeconds(1001)).toBe(2);
    expect(retryAfterSeconds(2500)).toBe(3);
    const slow = createMemoryBucket(0.25, 1, clock.now);
    slow.take('a');
    expect(retryAfterSeconds(slow.take('a'))).toBe(4);
  });

  it('R36: RATE_LIMIT_BURST=0 still lets one request through at a time, at RATE_LIMIT_RPS', () => {
    const clock = manualClock();
    const bucket = createMemoryBucket(10, 0, clock.now);
    expect(sendAt(bucket, 'a', 5)).toBe(1);
    clock.advance(100);
    expect(sendAt(bucket, 'a', 5)).toBe(1);
  });

  it('R36: callers whose bucket is full again are forgotten, so memory does not grow without bound', () => {
    const clock = manualClock();
    const bucket = createMemoryBucket(10, 20, clock.now); // full again 2 s after the last request
    for (let i = 0; i < 1000; i++) bucket.take(`caller-${i}`);
    expect(bucket.size).toBe(1000);
    clock.advance(2000);
    bucket.take('late');
    expect(bucket.size).toBe(1);
    // a caller still refilling is kept (its spent tokens are not forgiven)
    expect(sendAt(bucket, 'busy', 20)).toBe(20);
    clock.advance(1500);
    expect(sendAt(bucket, 'busy', 20)).toBe(15); // empty now: full again in 2 s
    clock.advance(1000);
    bucket.take('other'); // sweeps: 'late' is full and forgotten, 'busy' is half full and kept
    expect(bucket.size).toBe(2);
    expect(sendAt(bucket, 'busy', 20)).toBe(10);
  });
});

describe('R36: while Redis is unreachable the budget is kept in memory', () => {
  it('R36: the memory bucket stands in (same limits), and the outage is logged once, not per request or per reconnect', async () => {
    const lines: { level: number; msg: string }[] = [];
    const log = pino({ level: 'info' }, { write: (line: string) => lines.push(JSON.parse(line)) });
    // nothing listens on port 1: every connection attempt fails
    const budget = createRequestBudget({ rateLimitRps: 1, rateLimitBurst: 5, redisUrl: 'redis://127.0.0.1:1' }, log);
    try {
      const answers = await Promise.all(Array.from({ length: 10 }, () => budget.consume('sub:someone')));
      expect(answers.filter((a) => a === null)).toHaveLength(5);
      expect(answers.filter((a) => a !== null)).toEqual([1, 1, 1, 1, 1]);
      await sleep(700); // a few reconnect attempts
      await Promise.all(Array.from({ length: 10 }, () => budget.consume('sub:someone')));
      const warnings = lines.filter((l) => /rate limit store unreachable/.test(l.msg));
      expect(warnings).toHaveLength(1);
      expect(warnings[0].level).toBe(40);
    } finally {
      await budget.close();
    }
  });
});
