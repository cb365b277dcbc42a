import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { createDataSource } from '../../ormconfig';
import {
  codes,
  createOrg,
  DRIVERS,
  databaseUrlFor,
  startServer,
  TEST_SECRET,
  TestServer,
  wsOnce,
} from '../support/harness';
import { sleep } from '../support/wait';

describe.each(DRIVERS)('running it on %s', (driver) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer(driver);
  });
  afterAll(async () => {
    await server.close();
  });

  it('GET /healthz answers 200 once the database is reachable and migrated', async () => {
    const res = await fetch(`${server.url}/healthz`);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ status: 'ok' });
  });

  it('GET /metrics counts requests by operation and errors by code', async () => {
    const org = await createOrg(server);
    await server.gql(`query Dashboard { organization { id } }`, {}, org.adminToken);
    await server.gql(`query Dashboard { organization { id } }`);
    const text = await (await fetch(`${server.url}/metrics`)).text();
    expect(text).toMatch(/graphql_requests_total\{operation="Dashboard",type="query"\} 2/);
    expect(text).toMatch(/graphql_errors_total\{code="UNAUTHENTICATED"\} [1-9]/);
    expect(text).toMatch(/graphql_request_duration_seconds_bucket\{le="0.005",operation="Dashboard",type="query"\}/);
  });

  it('§6: queries past the depth, alias or token limits are refused before execution', async () => {
    const org = await createOrg(server);
    const deep = `{ ${'viewer { organization { '.repeat(7)} id ${'} } '.repeat(7)} }`;
    const depth = await server.gql(deep, {}, org.adminToken);
    expect(depth.errors?.[0].message).toMatch(/depth/i);
    expect(depth.data).toBeUndefined();
    const aliases = `{ ${Array.from({ length: 20 }, (_, i) => `a${i}: viewer { isOperator }`).join(' ')} }`;
    const many = await server.gql(aliases, {}, org.adminToken);
    expect(many.errors?.[0].message).toMatch(/aliases/i);
    const tokens = `{ viewer { ${Array.from({ length: 6000 }, () => 'isOperator').join(' ')} } }`;
    const huge = await server.gql(tokens, {}, org.adminToken);
    expect(huge.errors?.[0].message).toMatch(/token/i);
    const inner =
      'id email name role status activatedAt deactivatedAt permissions location { id name status createdAt }';
    const costly = `{ viewer { organization { ${Array.from({ length: 10 }, (_, i) => `a${i}: users(first: 100) { nodes { ${inner} } }`).join(' ')} } } }`;
    const cost = await server.gql(costly, {}, org.adminToken);
    expect(cost.errors?.[0].message).toMatch(/cost limit/i);
    expect(cost.data).toBeUndefined();
    // a realistic page of the ledger with its lots and assignments stays well inside the budget
    const page = await server.gql(
      `{ organization { creditBalance { ledger(first: 100) { nodes { kind lot { id } assignment { id } } } } } }`,
      {},
      org.adminToken,
    );
    expect(page.errors).toBeUndefined();
    // the same limits hold over graphql-ws
    const ws = await wsOnce(server.ws(org.adminToken), aliases);
    expect(ws.errors?.[0].message).toMatch(/aliases/i);
  });

  it('§6: unexpected failures are masked — no stack traces or SQL reach a client', async () => {
    const org = await createOrg(server);
    // Break the database under the running server: the next read fails inside TypeORM.
    await server.app.dataSource.query(
      driver === 'sqlite' ? 'ALTER TABLE location RENAME TO location_moved' : 'RENAME TABLE location TO location_moved',
    );
    try {
      const res = await server.gql(`{ organization { locations { id } } }`, {}, org.adminToken);
      expect(codes(res)).toEqual(['INTERNAL_SERVER_ERROR']);
      expect(res.errors![0].message).toBe('Internal server error');
      expect(JSON.stringify(res.errors)).not.toMatch(
        /SELECT|stack|sqlite|mysql|ER_NO_SUCH|no such table|location_moved/i,
      );
    } finally {
      await server.app.dataSource.query(
        driver === 'sqlite'
          ? 'ALTER TABLE location_moved RENAME TO location'
          : 'RENAME TABLE location_moved TO location',
      );
    }
  });

  it('migrations leave no drift between entities and tables', async () => {
    const log = await server.app.dataSource.driver.createSchemaBuilder().log();
    expect(log.upQueries.map((q) => q.query)).toEqual([]);
  });
});

describe('the process', () => {
  it('SIGTERM drains HTTP and WebSocket connections and exits 0', async () => {
    const db = await databaseUrlFor('sqlite');
    const port = 40000 + Math.floor(Math.random() * 20000);
    const child = spawn(process.execPath, [join(__dirname, '..', '..', 'dist', 'src', 'main.js')], {
      env: {
        ...process.env,
        PORT: String(port),
        DATABASE_URL: db.url,
        JWT_SECRET: TEST_SECRET,
        SEED_DEMO: '1',
        LOG_LEVEL: 'info',
        NODE_ENV: 'test',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    for (let i = 0; i < 100 && !output.includes('ready'); i++) await sleep(100);
    expect(output).toContain('ready');
    const health = await fetch(`http://localhost:${port}/healthz`);
    expect(health.status).toBe(200);
    const client = createClient({
      url: `ws://localhost:${port}/graphql`,
      webSocketImpl: WebSocket,
      retryAttempts: 0,
      lazy: false,
      onNonLazyError: () => {},
    });
    const closed = new Promise<number>((resolve) => client.on('closed', (e) => resolve((e as { code: number }).code)));
    const viewer = await wsOnce(client, `{ viewer { isOperator } }`);
    expect(viewer.data.viewer.isOperator).toBe(false);
    child.kill('SIGTERM');
    const [code] = await once(child, 'exit');
    expect(code).toBe(0);
    expect(await closed).toBe(1001);
    await client.dispose();
  });

  it('refuses to start in production with the development JWT secret', async () => {
    const child = spawn(process.execPath, [join(__dirname, '..', '..', 'dist', 'src', 'main.js')], {
      env: {
        ...process.env,
        NODE_ENV: 'production',
        JWT_SECRET: '',
        JWT_JWKS_URL: '',
        DATABASE_URL: 'sqlite::memory:',
        PORT: '0',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    const [code] = await once(child, 'exit');
    expect(code).toBe(1);
    expect(stderr).toMatch(/JWT_SECRET/);
  });

  it('the embedded default seeds the demo organization once', async () => {
    const db = await databaseUrlFor('sqlite');
    const first = await startServer('sqlite', { databaseUrl: db.url, config: { seedDemo: true } });
    const orgs = await first.app.dataSource.query('SELECT COUNT(*) AS n FROM organization');
    expect(Number(orgs[0].n)).toBe(1);
    const users = await first.app.dataSource.query('SELECT email FROM user ORDER BY email');
    expect(users.map((u: { email: string }) => u.email)).toEqual([
      'admin@acme.example',
      'eli@acme.example',
      'emma@acme.example',
      'eve@acme.example',
      'manager@acme.example',
    ]);
    await first.close();
    expect(createDataSource).toBeDefined();
  });
});
