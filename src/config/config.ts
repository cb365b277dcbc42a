import { resolve } from 'node:path';

/** Configuration from environment variables (docs/operations.md). Read once at start. */
export interface AppConfig {
  port: number;
  databaseUrl: string;
  redisUrl?: string;
  smtpUrl?: string;
  jwtSecret: string;
  jwtJwksUrl?: string;
  jwtIssuer?: string;
  jwtAudience?: string;
  testClock: boolean;
  seedDemo: boolean;
  production: boolean;
  logLevel: string;
  supportEmail: string;
  billingPortalUrl: string;
  schedulerIntervalMs: number;
  /** R24: the From of every mail (MAIL_FROM); its domain also names the Message-IDs. */
  mailFrom: string;
  /** R36: each caller's sustained requests per second (RATE_LIMIT_RPS, default 50; 0 turns the budget off). */
  rateLimitRps: number;
  /** R36: how many requests a caller may send at once before the sustained rate applies (RATE_LIMIT_BURST, default 100). */
  rateLimitBurst: number;
  /** GET /metrics requires `Authorization: Bearer METRICS_TOKEN` when set. */
  metricsToken?: string;
  /** When set, /metrics is served on this port (and no longer on PORT). */
  metricsPort?: number;
  /** R6 in production: the longest a token may be valid, exp − iat (JWT_MAX_LIFETIME_SECONDS, default 24 h). */
  jwtMaxLifetimeSeconds: number;
  /** A GraphQL request taking at least this long is always logged (LOG_SLOW_MS, default 500). */
  logSlowMs: number;
  /** The share of fast, error-free GraphQL requests that are logged (LOG_SAMPLE_RATE: 0.01 in production, else 1). */
  logSampleRate: number;
  /**
   * How long a user's query answer may be served again while the organization has not changed (READ_CACHE_MS,
   * default 1000; 0: never). A change is seen by the next request whatever this is: see src/server/read-cache.ts.
   */
  readCacheMs: number;
}

const DEVELOPMENT_JWT_SECRET = 'opus-billing-development-secret-not-for-production';
export const DEFAULT_DATABASE_URL = 'sqlite:./data/billing.sqlite';
const DEFAULT_MAIL_FROM = 'Opus Billing <billing@opus.so>';

export function loadConfig(env: NodeJS.ProcessEnv = process.env): AppConfig {
  const production = env.NODE_ENV === 'production';
  const jwtSecret = env.JWT_SECRET || DEVELOPMENT_JWT_SECRET;
  if (production && !env.JWT_JWKS_URL && jwtSecret === DEVELOPMENT_JWT_SECRET) {
    throw new Error(
      'JWT_SECRET (or JWT_JWKS_URL) must be set when NODE_ENV=production; the development secret is refused',
    );
  }
  const databaseUrl = env.DATABASE_URL || DEFAULT_DATABASE_URL;
  checkDatabaseUrl(databaseUrl);
  return {
    port: Number(env.PORT ?? 4000),
    databaseUrl,
    redisUrl: env.REDIS_URL || undefined,
    smtpUrl: env.SMTP_URL || undefined,
    jwtSecret,
    jwtJwksUrl: env.JWT_JWKS_URL || undefined,
    jwtIssuer: env.JWT_ISSUER || undefined,
    jwtAudience: env.JWT_AUDIENCE || undefined,
    testClock: env.BILLING_TEST_CLOCK === '1',
    // Demo data only on the embedded default, or when asked for explicitly.
    seedDemo: env.SEED_DEMO === '1' || (env.SEED_DEMO !== '0' && databaseUrl.startsWith('sqlite:') && !production),
    production,
    logLevel: env.LOG_LEVEL || (env.NODE_ENV === 'test' ? 'silent' : 'info'),
    supportEmail: env.SUPPORT_EMAIL || 'support@opus.so',
    billingPortalUrl: env.BILLING_PORTAL_URL || 'http://localhost:4000/billing',
    schedulerIntervalMs: Number(env.BILLING_SCHEDULER_INTERVAL_MS ?? 60000),
    mailFrom: env.MAIL_FROM || DEFAULT_MAIL_FROM,
    rateLimitRps: nonNegative(env, 'RATE_LIMIT_RPS', 50),
    rateLimitBurst: nonNegative(env, 'RATE_LIMIT_BURST', 100),
    metricsToken: env.METRICS_TOKEN || undefined,
    metricsPort: env.METRICS_PORT ? nonNegative(env, 'METRICS_PORT', 0) : undefined,
    jwtMaxLifetimeSeconds: nonNegative(env, 'JWT_MAX_LIFETIME_SECONDS', 24 * 60 * 60),
    logSlowMs: nonNegative(env, 'LOG_SLOW_MS', 500),
    logSampleRate: fraction(env, 'LOG_SAMPLE_RATE', production ? 0.01 : 1),
    readCacheMs: nonNegative(env, 'READ_CACHE_MS', 1000),
  };
}

/** A number setting that must be a finite number ≥ 0; a typo stops the start rather than meaning "off". */
function nonNegative(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < 0)
    throw new Error(`${name} must be a number ≥ 0 (got ${JSON.stringify(raw)})`);
  return value;
}

/** A share between 0 and 1 (0: none, 1: all); anything else stops the start. */
function fraction(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const value = nonNegative(env, name, fallback);
  if (value > 1) throw new Error(`${name} must be between 0 and 1 (got ${JSON.stringify(env[name])})`);
  return value;
}

/**
 * A DATABASE_URL the drivers can use, or a one-line reason why not (without its password): `sqlite:PATH`,
 * `sqlite::memory:` or `mysql://user:pass@host:port/db` (also `mariadb://`).
 */
export function checkDatabaseUrl(databaseUrl: string): void {
  if (databaseUrl.startsWith('sqlite:')) return;
  if (!/^(mysql|mariadb):\/\//.test(databaseUrl)) {
    throw new Error(
      `DATABASE_URL must start with sqlite: or mysql:// (got ${JSON.stringify(maskDatabaseUrl(databaseUrl))})`,
    );
  }
  let url: URL;
  try {
    url = new URL(databaseUrl);
  } catch {
    throw new Error(`DATABASE_URL is not a valid URL: ${JSON.stringify(maskDatabaseUrl(databaseUrl))}`);
  }
  if (!url.hostname || !/^\/[^/]+$/.test(url.pathname)) {
    throw new Error(
      `DATABASE_URL is not a valid URL: ${JSON.stringify(maskDatabaseUrl(databaseUrl))} (expected mysql://user:password@host:port/database)`,
    );
  }
}

/** DATABASE_URL as it may be printed or logged: the password replaced by ***, e.g. mysql://root:***@db:3306/billing. */
export function maskDatabaseUrl(databaseUrl: string): string {
  // By pattern, not by URL parsing: a URL that does not parse must not leak its password either. Everything up to the
  // last @ goes, so a password holding an unencoded @, # or / is masked whole.
  return databaseUrl.replace(/^([a-z][a-z0-9+.-]*:\/\/[^:/?#@]*):.*@/i, '$1:***@');
}

/**
 * Which database a DATABASE_URL names, for people: the SQLite file's absolute path (or "SQLite in memory"), else the
 * URL with its password masked.
 */
export function describeDatabase(databaseUrl: string, cwd: string = process.cwd()): string {
  if (databaseUrl.startsWith('sqlite:')) {
    const file = databaseUrl.slice('sqlite:'.length);
    if (file === '' || file === ':memory:') return 'SQLite in memory';
    return `the SQLite file ${resolve(cwd, file)}`;
  }
  return maskDatabaseUrl(databaseUrl);
}
