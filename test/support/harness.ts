import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import { createConnection } from 'mysql2/promise';
import { Client, createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { DataSource } from 'typeorm';
import { createDataSource } from '../../ormconfig';
import { signToken } from '../../src/auth/jwt';
import { AppConfig, loadConfig } from '../../src/config/config';
import { BillingApp, createApp, AppOptions } from '../../src/server/app';

export type Driver = 'sqlite' | 'mariadb';

/** SQLite always; MariaDB when TEST_MYSQL_URL names a server (CI always sets it). */
export const DRIVERS: Driver[] = process.env.TEST_MYSQL_URL ? ['sqlite', 'mariadb'] : ['sqlite'];
export const REDIS_URL = process.env.TEST_REDIS_URL;
export const TEST_SECRET = 'test-secret-for-the-billing-api-suite';

export interface GqlResult<T = any> {
  status: number;
  data?: T;
  errors?: Array<{ message: string; path?: Array<string | number>; extensions?: Record<string, any> }>;
}

/** A fresh database on the server of TEST_MYSQL_URL; dropped by `dropMysqlDatabase`. */
export async function createMysqlDatabase(): Promise<{ url: string; name: string }> {
  const base = new URL(process.env.TEST_MYSQL_URL!);
  const name = `billing_test_${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;
  const conn = await createConnection({
    host: base.hostname,
    port: Number(base.port || 3306),
    user: decodeURIComponent(base.username || 'root'),
    password: decodeURIComponent(base.password),
  });
  await conn.query(`CREATE DATABASE \`${name}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
  await conn.end();
  const url = new URL(base.toString());
  url.pathname = `/${name}`;
  return { url: url.toString(), name };
}

export async function dropMysqlDatabase(name: string): Promise<void> {
  const base = new URL(process.env.TEST_MYSQL_URL!);
  const conn = await createConnection({
    host: base.hostname,
    port: Number(base.port || 3306),
    user: decodeURIComponent(base.username || 'root'),
    password: decodeURIComponent(base.password),
  });
  await conn.query(`DROP DATABASE IF EXISTS \`${name}\``);
  await conn.end();
}

export async function databaseUrlFor(driver: Driver): Promise<{ url: string; drop: () => Promise<void> }> {
  if (driver === 'sqlite') return { url: 'sqlite::memory:', drop: async () => {} };
  const db = await createMysqlDatabase();
  return { url: db.url, drop: () => dropMysqlDatabase(db.name) };
}

/** A migrated database of its own (no server), for tests that drive services or SQL directly; `close` drops it. */
export async function migratedDatabase(
  driver: Driver,
): Promise<{ dataSource: DataSource; close: () => Promise<void> }> {
  const db = await databaseUrlFor(driver);
  const dataSource = createDataSource(db.url);
  await dataSource.initialize();
  await dataSource.runMigrations({ transaction: 'each' });
  return {
    dataSource,
    async close() {
      await dataSource.destroy();
      await db.drop();
    },
  };
}

export function testConfig(overrides: Partial<AppConfig> = {}): AppConfig {
  // The scheduler's timer is off in tests (suites drive it with the test clock) unless a suite turns it on; so is the
  // request budget (suites send many requests at once on purpose) unless a suite sets rateLimitRps.
  return {
    ...loadConfig({ NODE_ENV: 'test', JWT_SECRET: TEST_SECRET }),
    port: 0,
    seedDemo: false,
    logLevel: 'silent',
    schedulerIntervalMs: 0,
    rateLimitRps: 0,
    ...overrides,
  };
}

export interface TestServer {
  app: BillingApp;
  url: string;
  driver: Driver;
  gql<T = any>(
    query: string,
    variables?: Record<string, unknown>,
    token?: string | null,
    headers?: Record<string, string>,
  ): Promise<GqlResult<T>>;
  operatorToken: string;
  tokenFor(userId: string): Promise<string>;
  ws(token?: string | null): Client;
  close(): Promise<void>;
}

/**
 * How a test talks to a server at `url` (in process or a child process): POST /graphql, graphql-ws clients (all
 * disposed by `dispose`) and tokens signed with the server's secret.
 */
export function clientsFor(url: string, config: Pick<AppConfig, 'jwtSecret' | 'jwtIssuer' | 'jwtAudience'>) {
  const clients: Client[] = [];
  return {
    async gql<T = any>(
      query: string,
      variables: Record<string, unknown> = {},
      token?: string | null,
      headers: Record<string, string> = {},
    ): Promise<GqlResult<T>> {
      const res = await fetch(`${url}/graphql`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          ...(token ? { authorization: `Bearer ${token}` } : {}),
          ...headers,
        },
        body: JSON.stringify({ query, variables }),
      });
      const body = (await res.json()) as GqlResult<T>;
      return { ...body, status: res.status };
    },
    ws(token?: string | null): Client {
      const client = createClient({
        url: url.replace('http', 'ws') + '/graphql',
        webSocketImpl: WebSocket,
        connectionParams: token ? { authorization: `Bearer ${token}` } : {},
        retryAttempts: 0,
        lazy: true,
      });
      clients.push(client);
      return client;
    },
    operatorToken: signToken(config, { sub: 'operator-1', operator: true }),
    tokenFor: (userId: string) => signToken(config, { sub: userId }),
    async dispose() {
      for (const c of clients) await c.dispose();
    },
  };
}

/** A real server on a free port, over its own database (and optional shared database URL for multi-instance tests). */
export async function startServer(
  driver: Driver,
  options: { config?: Partial<AppConfig>; databaseUrl?: string; appOptions?: AppOptions } = {},
): Promise<TestServer> {
  const db = options.databaseUrl ? { url: options.databaseUrl, drop: async () => {} } : await databaseUrlFor(driver);
  const config = testConfig({ databaseUrl: db.url, ...options.config });
  const app = await createApp(config, options.appOptions);
  const url = await app.listen(0);
  const clients = clientsFor(url, config);
  return {
    app,
    url,
    driver,
    gql: clients.gql,
    ws: clients.ws,
    operatorToken: await clients.operatorToken,
    tokenFor: clients.tokenFor,
    async close() {
      await clients.dispose();
      await app.stop();
      await db.drop();
    },
  };
}

/** Runs one operation over graphql-ws and resolves with its single result. */
export function wsOnce<T = any>(
  client: Client,
  query: string,
  variables: Record<string, unknown> = {},
): Promise<GqlResult<T>> {
  return new Promise((resolve, reject) => {
    let result: GqlResult<T> | undefined;
    client.subscribe<T>(
      { query, variables },
      {
        next: (value) => {
          result = { status: 200, ...(value as any) };
        },
        error: (error) => (Array.isArray(error) ? resolve({ status: 200, errors: error as any }) : reject(error)),
        complete: () => resolve(result!),
      },
    );
  });
}

let counter = 0;
/** Unique emails across a run (emails are unique platform-wide). */
export const uniqueEmail = (prefix = 'user') =>
  `${prefix}.${Date.now().toString(36)}${(counter++).toString(36)}@example.test`;

export const CREATE_ORG = /* GraphQL */ `
  mutation CreateOrg($input: CreateOrganizationInput!) {
    createOrganization(input: $input) {
      id
      name
      status
    }
  }
`;

export interface OrgFixture {
  orgId: string;
  adminId: string;
  adminToken: string;
}

/** A new organization through the operator mutation; returns its admin's id and token. */
export async function createOrg(
  server: TestServer,
  contract: Record<string, unknown> = { licenseModel: 'USER', contractedSeats: 10, seatPriceCents: 1500 },
  name = 'Org',
): Promise<OrgFixture> {
  const email = uniqueEmail('admin');
  const created = await ok(
    server.gql(CREATE_ORG, { input: { name, admin: { email, name: 'Admin' }, contract } }, server.operatorToken),
  );
  const orgId = created.createOrganization.id;
  const users = await server.gql(
    `query($id: ID) { organization(id: $id) { users { nodes { id email } } } }`,
    { id: orgId },
    server.operatorToken,
  );
  const adminId = users.data.organization.users.nodes[0].id;
  return { orgId, adminId, adminToken: await server.tokenFor(adminId) };
}

/** Adds a user as the given viewer; returns its id and token. */
export async function addUser(
  server: TestServer,
  token: string,
  input: Record<string, unknown> = {},
): Promise<{ id: string; token: string }> {
  const { addUser: added } = await ok(
    server.gql(
      `mutation($input: AddUserInput!) { addUser(input: $input) { id } }`,
      { input: { email: uniqueEmail(), name: 'User', ...input } },
      token,
    ),
  );
  return { id: added.id, token: await server.tokenFor(added.id) };
}

export const codes = (res: GqlResult) => (res.errors ?? []).map((e) => e.extensions?.code);

/** The data of an answer expected to succeed; an answer with errors fails the test with them. */
export async function ok<T = any>(answer: Promise<GqlResult<T>>): Promise<T> {
  const res = await answer;
  if (res.errors) throw new Error(JSON.stringify(res.errors));
  return res.data as T;
}
