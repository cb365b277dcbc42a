import type { IncomingMessage } from 'node:http';
import Redis from 'ioredis';
import type { Logger } from 'pino';
import type { AppConfig } from '../config/config';
import { bearerToken, TokenVerifier } from '../auth/jwt';

/**
 * R36: each caller's request budget. `consume` answers null when the request may go on, else the whole seconds
 * (rounded up, at least 1) until it may be sent again.
 */
export interface RequestBudget {
  consume(callerKey: string): Promise<number | null>;
  /** Resolves once the shared store is reachable (at most STORE_READY_WAIT_MS; the in-memory stand-in serves meanwhile). */
  ready(): Promise<void>;
  close(): Promise<void>;
}

const STORE_READY_WAIT_MS = 3000;

const KEY_PREFIX = 'opus-billing:budget';

/** R36's Retry-After: whole seconds, rounded up, at least 1. */
export const retryAfterSeconds = (retryMs: number) => Math.max(1, Math.ceil(retryMs / 1000));

/**
 * R36 names a token bucket: RATE_LIMIT_BURST tokens of capacity, refilled at RATE_LIMIT_RPS a second, one spent per
 * request — so a caller may send BURST at once and RPS a second for as long as it keeps sending. rate-limiter-flexible
 * has no exact one (its BurstyRateLimiter is a fixed-window rate plus a separately refilling reserve, so what a caller
 * keeps getting is RPS plus the reserve's refill, counted per window), so the bucket is kept here, once in memory and
 * once as a Redis script, with the same arithmetic.
 *
 * Both are GCRA, the token bucket written as one number per caller: the "theoretical arrival time" (tat), the moment
 * the bucket will be full again. A request at `now` is allowed when tat - now ≤ (capacity - 1) × interval, i.e. at
 * least one token is left, and then pushes tat on by one interval (one token spent); a bucket whose tat has passed is
 * full, so it need not be stored at all.
 */
export interface BucketShape {
  /** Time per token (1 / RATE_LIMIT_RPS), in the clock's unit. */
  interval: number;
  /** RATE_LIMIT_BURST, at least one (a bucket that can hold no token would refuse everything). */
  capacity: number;
}

const bucketShape = (rps: number, burst: number, unitsPerSecond: number): BucketShape => ({
  interval: unitsPerSecond / rps,
  capacity: Math.max(1, burst),
});

/** One GCRA step: the caller's new tat when allowed, else how long until one token is back. */
function takeToken(
  tat: number | undefined,
  now: number,
  { interval, capacity }: BucketShape,
): { tat: number } | { retryIn: number } {
  const from = Math.max(tat ?? now, now);
  const allowAt = from + interval - capacity * interval;
  return now < allowAt ? { retryIn: allowAt - now } : { tat: from + interval };
}

/** A memory bucket: one server's budgets, and the stand-in for the shared one while Redis is unreachable. */
export interface MemoryBucket {
  /** 0 when the request may go on, else the milliseconds until it may be sent again. */
  take(callerKey: string): number;
  /** How many callers are remembered (those whose bucket is not full). */
  readonly size: number;
}

export function createMemoryBucket(rps: number, burst: number, now: () => number = Date.now): MemoryBucket {
  const shape = bucketShape(rps, burst, 1000);
  const tats = new Map<string, number>();
  // A full bucket is the same as no entry: forget those on a sweep at most once per full refill, so the map holds only
  // callers seen within the last refill time and never grows without bound.
  const sweepEvery = Math.max(1000, shape.interval * shape.capacity);
  let lastSweep = now();
  return {
    take(callerKey) {
      const at = now();
      if (at - lastSweep >= sweepEvery) {
        lastSweep = at;
        for (const [key, tat] of tats) if (tat <= at) tats.delete(key);
      }
      const step = takeToken(tats.get(callerKey), at, shape);
      if ('retryIn' in step) return step.retryIn;
      tats.set(callerKey, step.tat);
      return 0;
    },
    get size() {
      return tats.size;
    },
  };
}

/**
 * The same GCRA step in Redis, atomically, on the Redis server's clock (so instances with skewed clocks agree), in
 * microseconds. The key lives as long as the bucket needs to refill fully (whole seconds, at least 1): an expired key
 * is a full bucket. Returns 0 when allowed, else the milliseconds (rounded up) until a token is back.
 * %.17g keeps a fractional tat exact (an interval of 1/3 s is not a whole number of microseconds).
 */
const TAKE_TOKEN_LUA = `
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000000 + tonumber(time[2])
local interval = tonumber(ARGV[1])
local capacity = tonumber(ARGV[2])
local tat = tonumber(redis.call('GET', KEYS[1]) or now)
if tat < now then tat = now end
local allow_at = tat + interval - capacity * interval
if now < allow_at then return math.ceil((allow_at - now) / 1000) end
tat = tat + interval
local ttl = math.max(1, math.ceil((tat - now) / 1000000))
redis.call('SET', KEYS[1], string.format('%.17g', tat), 'EX', ttl)
return 0
`;

interface BudgetRedis extends Redis {
  takeBudgetToken(key: string, interval: number, capacity: number): Promise<number>;
}

/**
 * R36's budget: a token bucket per caller (see takeToken), shared through Redis when REDIS_URL is set so every
 * instance spends one budget — with a memory bucket standing in while Redis is unreachable — and in memory otherwise.
 * RATE_LIMIT_RPS=0: no budget.
 */
export function createRequestBudget(
  config: Pick<AppConfig, 'rateLimitRps' | 'rateLimitBurst' | 'redisUrl'>,
  log: Logger,
): RequestBudget {
  const { rateLimitRps: rps, rateLimitBurst: burst } = config;
  if (!(rps > 0)) return { consume: async () => null, ready: async () => {}, close: async () => {} };

  const memory = createMemoryBucket(rps, burst);
  const redis = config.redisUrl
    ? (new Redis(config.redisUrl, {
        enableOfflineQueue: false,
        maxRetriesPerRequest: 1,
        lazyConnect: false,
      }) as BudgetRedis)
    : null;
  const shared = bucketShape(rps, burst, 1_000_000);
  // One warning per outage (ioredis reports every failed reconnect, and every request would fail too), one note when over.
  let outage = false;
  const storeFailed = (err: unknown) => {
    if (outage) return;
    outage = true;
    log.warn(
      { err: { message: err instanceof Error ? err.message : String(err) } },
      'rate limit store unreachable; budgets are kept in memory meanwhile',
    );
  };
  if (redis) {
    redis.defineCommand('takeBudgetToken', { numberOfKeys: 1, lua: TAKE_TOKEN_LUA });
    redis.on('error', storeFailed);
    redis.on('ready', () => {
      if (outage) log.info('rate limit store reachable again; budgets are shared again');
      outage = false;
    });
  }

  const take = async (callerKey: string): Promise<number> => {
    if (redis && redis.status === 'ready') {
      try {
        return await redis.takeBudgetToken(`${KEY_PREFIX}:${callerKey}`, shared.interval, shared.capacity);
      } catch (err) {
        storeFailed(err);
      }
    }
    return memory.take(callerKey);
  };

  return {
    async consume(callerKey) {
      const retryMs = await take(callerKey);
      return retryMs > 0 ? retryAfterSeconds(retryMs) : null;
    },
    async ready() {
      if (!redis || redis.status === 'ready') return;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, STORE_READY_WAIT_MS);
        redis.once('ready', done);
        function done() {
          clearTimeout(timer);
          redis!.off('ready', done);
          resolve();
        }
      });
    },
    async close() {
      await redis?.quit().catch(() => redis.disconnect());
    },
  };
}

/**
 * Whose budget a request spends: the subject of a token whose signature and lifetime were verified — never a claim
 * read from an unverified token — else the client's address.
 */
export async function callerKey(
  authorization: unknown,
  verify: TokenVerifier,
  remoteAddress: string | undefined,
): Promise<string> {
  const token = bearerToken(authorization);
  if (token) {
    try {
      return `sub:${(await verify(token)).sub}`;
    } catch {
      // an invalid token is answered UNAUTHENTICATED later; it spends its address's budget meanwhile
    }
  }
  return `ip:${remoteAddress ?? 'unknown'}`;
}

export const remoteAddressOf = (request: IncomingMessage) => request.socket.remoteAddress;
