/** Configuration from environment variables (DESIGN §7). Read once at start. */
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
}

export const DEVELOPMENT_JWT_SECRET = 'opus-billing-development-secret-not-for-production';
export const DEFAULT_DATABASE_URL = 'sqlite:./data/billing.sqlite';
export const DEFAULT_MAIL_FROM = 'Opus Billing <billing@opus.so>';

export function loadConfig(env: NodeJS.ProcessEnv = process.env): AppConfig {
  const production = env.NODE_ENV === 'production';
  const jwtSecret = env.JWT_SECRET || DEVELOPMENT_JWT_SECRET;
  if (production && !env.JWT_JWKS_URL && jwtSecret === DEVELOPMENT_JWT_SECRET) {
    throw new Error('JWT_SECRET (or JWT_JWKS_URL) must be set when NODE_ENV=production; the development secret is refused');
  }
  const databaseUrl = env.DATABASE_URL || DEFAULT_DATABASE_URL;
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
  };
}
