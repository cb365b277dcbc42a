import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { SignJWT } from 'jose';
import { BUILT_MAIN } from '../support/child-server';
import { DRIVERS, TEST_SECRET } from '../support/harness';
import { ChildTestServer, startChild } from './support';
import { sleep } from '../support/wait';

const VIEWER = JSON.stringify({ query: `{ viewer { isOperator } }` });
const key = new TextEncoder().encode(TEST_SECRET);
const now = () => Math.floor(Date.now() / 1000);

/** An operator token (no user lookup) with exactly the given lifetime claims. */
function operatorToken(claims: { iat?: number; exp?: number }): Promise<string> {
  let jwt = new SignJWT({ scope: 'operator' }).setProtectedHeader({ alg: 'HS256' }).setSubject('operator-lifetime');
  if (claims.iat !== undefined) jwt = jwt.setIssuedAt(claims.iat);
  if (claims.exp !== undefined) jwt = jwt.setExpirationTime(claims.exp);
  return jwt.sign(key);
}

async function asOperator(url: string, token: string) {
  const res = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: VIEWER,
  });
  return { status: res.status, body: (await res.json()) as { data?: any; errors?: any[] } };
}

const STACK_LINE = /^\s+at .+\(?.*:\d+:\d+\)?$/m;

describe.each(DRIVERS)('production edges on %s', (driver) => {
  describe('with the defaults', () => {
    let server: ChildTestServer;
    beforeAll(async () => {
      server = await startChild(driver);
    });
    afterAll(async () => {
      await server?.close();
    });

    it('/metrics is not served in production without METRICS_TOKEN or METRICS_PORT (404), and the start says so', async () => {
      const res = await fetch(`${server.url}/metrics`);
      expect(res.status).toBe(404);
      expect(await res.text()).not.toMatch(/graphql_requests_total|process_cpu/);
      expect(server.child.output()).toMatch(/GET \/metrics is not served: set METRICS_TOKEN/);
    });

    it('a malformed JSON body answers a JSON GraphQL error (400, BAD_REQUEST) and logs one line, no stack', async () => {
      const before = server.child.output().length;
      for (const body of ['{"query": ', '{"query": "{ viewer { isOperator } }",}', 'not json at all']) {
        const res = await fetch(`${server.url}/graphql`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body,
        });
        expect(res.status).toBe(400);
        expect(res.headers.get('content-type')).toMatch(/application\/json/);
        expect(await res.json()).toEqual({
          errors: [{ message: 'The request body is not valid JSON', extensions: { code: 'BAD_REQUEST' } }],
        });
      }
      await sleep(100);
      const logged = server.child.output().slice(before);
      expect(logged).not.toMatch(STACK_LINE);
      expect(logged).not.toMatch(/SyntaxError|<html|<pre>/);
      const lines = logged.split('\n').filter((l) => l.includes('malformed request refused'));
      expect(lines).toHaveLength(3);
      expect(JSON.parse(lines[0])).toMatchObject({
        level: 40,
        status: 400,
        type: 'entity.parse.failed',
        method: 'POST',
        path: '/graphql',
      });
      // the server answers on as before
      expect((await asOperator(server.url, server.operatorToken)).status).toBe(200);
    });

    it('R6 in production: a token without exp, or valid for more than 24 h, is UNAUTHENTICATED', async () => {
      const refused = [
        await operatorToken({ iat: now() }), // no exp
        await operatorToken({}), // neither
        await operatorToken({ iat: now(), exp: now() + 48 * 3600 }),
        await operatorToken({ exp: now() + 25 * 3600 }), // no iat: measured from now
        await operatorToken({ iat: now() - 3600, exp: now() + 24 * 3600 }), // 25 h in all, though 24 h remain
      ];
      for (const token of refused) {
        const res = await asOperator(server.url, token);
        expect(res.status).toBe(401);
        expect(res.body.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
      }
      for (const token of [
        await operatorToken({ iat: now(), exp: now() + 24 * 3600 }),
        await operatorToken({ exp: now() + 3600 }),
      ]) {
        expect((await asOperator(server.url, token)).body).toEqual({ data: { viewer: { isOperator: true } } });
      }
    });
  });

  describe('with METRICS_TOKEN, METRICS_PORT and JWT_MAX_LIFETIME_SECONDS', () => {
    let server: ChildTestServer;
    beforeAll(async () => {
      server = await startChild(driver, {
        METRICS_TOKEN: 'metrics-secret-for-the-suite',
        METRICS_PORT: '0',
        JWT_MAX_LIFETIME_SECONDS: '3600',
      });
    });
    afterAll(async () => {
      await server?.close();
    });

    it('/metrics is served on METRICS_PORT only, and only for Authorization: Bearer METRICS_TOKEN (401 otherwise)', async () => {
      const metricsUrl = /"metricsUrl":"(http:\/\/[^"]+)"/.exec(server.child.output())?.[1];
      expect(metricsUrl).toMatch(/\/metrics$/);
      expect(
        (await fetch(`${server.url}/metrics`, { headers: { authorization: 'Bearer metrics-secret-for-the-suite' } }))
          .status,
      ).toBe(404);
      for (const headers of [
        {},
        { authorization: 'Bearer wrong' },
        { authorization: 'metrics-secret-for-the-suite' },
      ] as Array<Record<string, string>>) {
        const res = await fetch(metricsUrl!, { headers });
        expect(res.status).toBe(401);
        expect(await res.text()).not.toMatch(/graphql_requests_total/);
      }
      expect((await asOperator(server.url, await operatorToken({ iat: now(), exp: now() + 1800 }))).status).toBe(200);
      const res = await fetch(metricsUrl!, { headers: { authorization: 'Bearer metrics-secret-for-the-suite' } });
      expect(res.status).toBe(200);
      expect(await res.text()).toMatch(/graphql_requests_total\{[^}]*type="query"[^}]*\} [1-9]/);
    });

    it('R6: JWT_MAX_LIFETIME_SECONDS sets the longest lifetime a token may have', async () => {
      expect((await asOperator(server.url, await operatorToken({ iat: now(), exp: now() + 12 * 3600 }))).status).toBe(
        401,
      );
      expect((await asOperator(server.url, await operatorToken({ iat: now(), exp: now() + 1800 }))).status).toBe(200);
    });
  });
});

(process.env.TEST_MYSQL_URL ? describe : describe.skip)(
  'a missing MySQL database (MariaDB only: SQLite creates its file)',
  () => {
    it('prints one line saying what to run, no stack trace, and exits non-zero', async () => {
      const url = new URL(process.env.TEST_MYSQL_URL!);
      const name = `billing_missing_${Date.now().toString(36)}`;
      url.pathname = `/${name}`;
      const child = spawn(process.execPath, [BUILT_MAIN], {
        env: {
          PATH: process.env.PATH,
          NODE_ENV: 'production',
          JWT_SECRET: TEST_SECRET,
          PORT: '0',
          DATABASE_URL: url.toString(),
          LOG_LEVEL: 'info',
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d) => (stdout += d));
      child.stderr.on('data', (d) => (stderr += d));
      const [code] = await once(child, 'exit');
      expect(code).toBe(1);
      const output = stdout + stderr;
      expect(output).not.toMatch(STACK_LINE);
      expect(stderr.trim().split('\n')).toEqual([
        `Opus Billing API did not start: The database "${name}" does not exist on ${url.host}. Create it, then start again: ` +
          `CREATE DATABASE \`${name}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_nopad_bin;`,
      ]);
    });
  },
);
