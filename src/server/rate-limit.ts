import type { IncomingMessage } from 'node:http';
import Redis from 'ioredis';
import { BurstyRateLimiter, RateLimiterMemory, RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
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

interface Limiter {
  consume(key: string): Promise<unknown>;
}

/**
 * A token bucket as rate-limiter-flexible builds one (BurstyRateLimiter): RATE_LIMIT_RPS requests in every second,
 * plus a reserve that lets a caller send up to RATE_LIMIT_BURST at once and refills within the time the sustained
 * rate needs to send that many. Shared through Redis when REDIS_URL is set, so every instance spends one budget
 * (with an in-memory budget standing in while Redis is unreachable); in memory otherwise. RATE_LIMIT_RPS=0: no budget.
 */
export function createRequestBudget(config: Pick<AppConfig, 'rateLimitRps' | 'rateLimitBurst' | 'redisUrl'>, log: Logger): RequestBudget {
  const { rateLimitRps: rps, rateLimitBurst } = config;
  if (!(rps > 0)) return { consume: async () => null, ready: async () => {}, close: async () => {} };

  // Redis expires keys in whole seconds: a rate below one a second becomes one request per window of 1/rps seconds.
  const window = rps >= 1 ? 1 : Math.ceil(1 / rps);
  const perWindow = Math.max(1, Math.floor(rps * window));
  const burst = Math.max(rateLimitBurst, perWindow);
  const reserve = burst - perWindow;
  const refill = Math.max(window, Math.ceil(burst / rps));

  const redis = config.redisUrl
    ? new Redis(config.redisUrl, { enableOfflineQueue: false, maxRetriesPerRequest: 1, lazyConnect: false })
    : null;
  redis?.on('error', (err) => log.warn({ err: { message: err.message } }, 'rate limit store unreachable; budgets are kept in memory meanwhile'));
  const make = (keyPrefix: string, points: number, duration: number) => {
    const memory = new RateLimiterMemory({ keyPrefix, points, duration });
    return redis ? new RateLimiterRedis({ storeClient: redis, keyPrefix, points, duration, insuranceLimiter: memory }) : memory;
  };
  const sustained = make(`${KEY_PREFIX}:rate`, perWindow, window);
  const limiter: Limiter = reserve > 0 ? new BurstyRateLimiter(sustained, make(`${KEY_PREFIX}:burst`, reserve, refill)) : sustained;

  return {
    async consume(callerKey) {
      try {
        await limiter.consume(callerKey);
        return null;
      } catch (rejection) {
        if (rejection instanceof RateLimiterRes) return Math.max(1, Math.ceil(rejection.msBeforeNext / 1000));
        // The store failed and so did its stand-in: let the request through rather than refuse every caller.
        log.error({ err: rejection }, 'rate limit check failed');
        return null;
      }
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
export async function callerKey(authorization: unknown, verify: TokenVerifier, remoteAddress: string | undefined): Promise<string> {
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
