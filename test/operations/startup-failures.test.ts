import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer, Server } from 'node:net';
import { AddressInfo } from 'node:net';
import { BUILT_MAIN } from '../support/child-server';
import { TEST_SECRET } from '../support/harness';

const STACK_LINE = /^\s+at .+/m;
const PREFIX = 'Opus Billing API did not start: ';

interface Failure {
  code: number | null;
  ms: number;
  stdout: string;
  stderr: string;
}

/** `node dist/src/main.js` in production with `env`, until it exits (killed after 15 s: it should fail in a few). */
async function start(env: Record<string, string>): Promise<Failure> {
  const started = Date.now();
  const child = spawn(process.execPath, [BUILT_MAIN], {
    env: {
      PATH: process.env.PATH,
      NODE_ENV: 'production',
      JWT_SECRET: TEST_SECRET,
      PORT: '0',
      BILLING_SCHEDULER_INTERVAL_MS: '0',
      LOG_LEVEL: 'info',
      DATABASE_URL: 'sqlite::memory:',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  const timer = setTimeout(() => child.kill('SIGKILL'), 15000);
  const [code] = (await once(child, 'exit')) as [number | null];
  clearTimeout(timer);
  return { code, ms: Date.now() - started, stdout, stderr };
}

/** Exit 1 within a few seconds, one plain line on stderr and nothing else there, no stack anywhere, no password. */
function expectOneLine(failure: Failure, expected: string | RegExp) {
  expect(failure.code).toBe(1);
  expect(failure.ms).toBeLessThan(10000);
  const lines = failure.stderr.split('\n').filter((line) => line !== '');
  expect(lines).toHaveLength(1);
  expect(failure.stderr.endsWith('\n')).toBe(true);
  expect(lines[0].startsWith(PREFIX)).toBe(true);
  if (typeof expected === 'string') expect(lines[0]).toBe(PREFIX + expected);
  else expect(lines[0]).toMatch(expected);
  expect(failure.stdout + failure.stderr).not.toMatch(STACK_LINE);
  expect(failure.stdout + failure.stderr).not.toContain('s3cret');
}

describe('startup failures: one clear line each, never a stack (issue 15)', () => {
  it('an unreachable MySQL server, its password masked', async () => {
    expectOneLine(
      await start({ DATABASE_URL: 'mysql://root:s3cret@127.0.0.1:1/billing' }),
      'MySQL at 127.0.0.1:1 (DATABASE_URL) is unreachable (ECONNREFUSED); is it running, and is the address right?',
    );
  });

  it('a DATABASE_URL that names no driver', async () => {
    expectOneLine(
      await start({ DATABASE_URL: 'not a url' }),
      'DATABASE_URL must start with sqlite: or mysql:// (got "not a url")',
    );
  });

  it('a MySQL DATABASE_URL that does not parse, its password masked', async () => {
    expectOneLine(
      await start({ DATABASE_URL: 'mysql://root:s3cret@127.0.0.1:port/billing' }),
      'DATABASE_URL is not a valid URL: "mysql://root:***@127.0.0.1:port/billing"',
    );
  });

  it('a MySQL DATABASE_URL without a database name', async () => {
    expectOneLine(
      await start({ DATABASE_URL: 'mysql://root:s3cret@127.0.0.1:3306' }),
      'DATABASE_URL is not a valid URL: "mysql://root:***@127.0.0.1:3306" (expected mysql://user:password@host:port/database)',
    );
  });

  it('an unreachable Redis, its password masked', async () => {
    expectOneLine(
      await start({ REDIS_URL: 'redis://:s3cret@127.0.0.1:1' }),
      'Redis at 127.0.0.1:1 (REDIS_URL) is unreachable (ECONNREFUSED); start it, or unset REDIS_URL to run a single instance without it',
    );
  });

  describe('a port in use', () => {
    let taken: Server;
    let port: number;
    beforeAll(async () => {
      taken = createServer();
      await new Promise<void>((resolve) => taken.listen(0, resolve));
      port = (taken.address() as AddressInfo).port;
    });
    afterAll(() => new Promise<void>((resolve) => taken.close(() => resolve())));

    it('PORT', async () => {
      expectOneLine(
        await start({ PORT: String(port) }),
        `port ${port} is in use (another server is listening there); stop it or set PORT to a free port`,
      );
    });

    it('METRICS_PORT', async () => {
      expectOneLine(
        await start({ METRICS_PORT: String(port) }),
        `port ${port} is in use (another server is listening there); stop it or set METRICS_PORT to a free port`,
      );
    });
  });

  it('a production start without a secret', async () => {
    expectOneLine(
      await start({ JWT_SECRET: '' }),
      'JWT_SECRET (or JWT_JWKS_URL) must be set when NODE_ENV=production; the development secret is refused',
    );
  });

  it('a setting that is not a number', async () => {
    expectOneLine(await start({ RATE_LIMIT_RPS: 'fast' }), 'RATE_LIMIT_RPS must be a number ≥ 0 (got "fast")');
  });

  (process.env.TEST_MYSQL_URL ? it : it.skip)(
    'a MariaDB database that does not exist says how to create it (MariaDB only: SQLite creates its file)',
    async () => {
      const url = new URL(process.env.TEST_MYSQL_URL!);
      const name = `billing_missing_${Date.now().toString(36)}`;
      url.pathname = `/${name}`;
      expectOneLine(
        await start({ DATABASE_URL: url.toString() }),
        `The database "${name}" does not exist on ${url.host}. Create it, then start again: ` +
          `CREATE DATABASE \`${name}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_nopad_bin;`,
      );
    },
  );
});
