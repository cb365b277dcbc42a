import { createServer } from 'node:net';
import Redis from 'ioredis';
import { maskDatabaseUrl } from '../config/config';

/**
 * Why the server cannot start, already said the way an operator should read it (one line, no password). main.ts prints
 * its message as is.
 */
export class StartupError extends Error {}

/** How long the start waits for Redis to answer before calling it unreachable. */
const REDIS_CHECK_TIMEOUT_MS = 3000;

/**
 * With REDIS_URL set, every instance shares events and request budgets through Redis: a start that cannot reach it
 * stops with one line rather than running alone (the budget's in-memory fallback is for outages of a running server).
 */
export async function checkRedisReachable(redisUrl: string): Promise<void> {
  const where = redisAddress(redisUrl);
  const client = new Redis(redisUrl, {
    lazyConnect: true,
    connectTimeout: REDIS_CHECK_TIMEOUT_MS,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    retryStrategy: () => null,
  });
  // Reported below as the start's failure; ioredis would otherwise print every attempt with a stack. The socket's
  // error (ECONNREFUSED, ENOTFOUND…) says more than the "Connection is closed." that connect() rejects with.
  let socketError: unknown;
  client.on('error', (error) => (socketError ??= error));
  try {
    await client.connect();
    await client.ping();
  } catch (error) {
    const e = (socketError ?? error) as { code?: string; message?: string };
    throw new StartupError(
      e.code
        ? `Redis at ${where} (REDIS_URL) is unreachable (${e.code}); start it, or unset REDIS_URL to run a single instance without it`
        : `Redis at ${where} (REDIS_URL) did not answer: ${firstLine(e.message ?? String(error))}`,
    );
  } finally {
    client.disconnect();
  }
}

/**
 * PORT (and METRICS_PORT) are tried before the database is opened and migrated: a port in use is said at once, in
 * one line, rather than by the WebSocket server's own report of the failed listen. Port 0 (any free port) is not tried.
 */
export async function checkPortFree(port: number, variable: 'PORT' | 'METRICS_PORT'): Promise<void> {
  if (!port) return;
  const probe = createServer();
  await new Promise<void>((resolve, reject) => {
    probe.once('error', (error: NodeJS.ErrnoException) => reject(new StartupError(portFailure(error, port, variable))));
    probe.listen(port, () => probe.close(() => resolve()));
  });
}

function portFailure(error: { code?: string }, port: number | undefined, variable: string): string {
  return error.code === 'EACCES'
    ? `port ${port} needs privileges this process does not have (EACCES); set ${variable} to a port above 1023`
    : `port ${port} is in use (another server is listening there); stop it or set ${variable} to a free port`;
}

function redisAddress(redisUrl: string): string {
  try {
    const url = new URL(redisUrl);
    return `${url.hostname || 'localhost'}:${url.port || 6379}`;
  } catch {
    return maskDatabaseUrl(redisUrl);
  }
}

/**
 * What an operator should read when the server cannot start: one line that says what to do, never a stack and never a
 * password. `databaseUrl` and `port` are what the start was given (the error alone does not always say).
 */
export function startupFailure(
  error: unknown,
  settings: { databaseUrl?: string; port?: number; metricsPort?: number },
): string {
  if (error instanceof StartupError) return error.message;
  const e = error as {
    code?: string;
    errno?: number;
    message?: string;
    syscall?: string;
    port?: number;
  };
  if (e?.code === 'EADDRINUSE' || (e?.code === 'EACCES' && e.syscall === 'listen')) {
    const variable = e.port !== undefined && e.port === settings.metricsPort ? 'METRICS_PORT' : 'PORT';
    return portFailure(e, e.port ?? (variable === 'PORT' ? settings.port : settings.metricsPort), variable);
  }
  const url = mysqlUrl(settings.databaseUrl);
  if (e?.code === 'ER_BAD_DB_ERROR' || e?.errno === 1049) {
    const name = url?.pathname.replace(/^\//, '') || '?';
    return (
      `The database "${name}" does not exist on ${url?.host ?? 'the MySQL server'}. Create it, then start again: ` +
      `CREATE DATABASE \`${name.replace(/`/g, '``')}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_nopad_bin;`
    );
  }
  if (e?.code === 'ER_ACCESS_DENIED_ERROR' || e?.code === 'ER_DBACCESS_DENIED_ERROR') {
    return `The database refused the login in DATABASE_URL (${firstLine(e.message ?? '')}); check its user, password and grants.`;
  }
  if (e?.code === 'ECONNREFUSED' || e?.code === 'ENOTFOUND' || e?.code === 'ETIMEDOUT' || e?.code === 'EHOSTUNREACH') {
    const where = url ? `MySQL at ${url.hostname}:${url.port || 3306}` : 'the database in DATABASE_URL';
    return `${where} (DATABASE_URL) is unreachable (${e.code}); is it running, and is the address right?`;
  }
  const message = error instanceof Error ? error.message : String(error);
  if (/^(DATABASE_URL|JWT_SECRET|[A-Z_]+ must be)/.test(message)) return firstLine(message);
  // The unexpected: still one line (LOG_LEVEL=debug adds the stack), and a URL in it loses its password.
  return `${firstLine(maskPasswords(message))} (LOG_LEVEL=debug prints the stack)`;
}

function mysqlUrl(databaseUrl: string | undefined): URL | null {
  if (!databaseUrl || !/^(mysql|mariadb):\/\//.test(databaseUrl)) return null;
  try {
    return new URL(databaseUrl);
  } catch {
    return null;
  }
}

function maskPasswords(text: string): string {
  return text.replace(/([a-z][a-z0-9+.-]*:\/\/[^:/?#@\s]*):[^@\s]*@/gi, '$1:***@');
}

function firstLine(text: string): string {
  return text.split('\n')[0].trim();
}
