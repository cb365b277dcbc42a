import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { signToken } from '../../src/auth/jwt';
import { ChildServer, spawnServer } from '../support/child-server';
import { createMysqlDatabase, Driver, dropMysqlDatabase, GqlResult, TEST_SECRET, TestServer } from '../support/harness';

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A database for a child server: a file for SQLite (two processes never share :memory:), a fresh one on MariaDB. */
export async function childDatabase(driver: Driver): Promise<{ url: string; drop: () => Promise<void> }> {
  if (driver === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'billing-hardening-'));
    return { url: `sqlite:${join(dir, 'billing.sqlite')}`, drop: async () => rmSync(dir, { recursive: true, force: true }) };
  }
  const db = await createMysqlDatabase();
  return { url: db.url, drop: () => dropMysqlDatabase(db.name) };
}

export interface ChildTestServer extends Pick<TestServer, 'url' | 'gql' | 'operatorToken' | 'tokenFor' | 'ws'> {
  child: ChildServer;
  /** For the harness helpers (createOrg, addUser) that only talk to the server over HTTP. */
  asTestServer: TestServer;
  close(): Promise<void>;
}

/** The real built server in production mode (spawnServer), with the harness's way of talking to it. */
export async function startChild(driver: Driver, env: Record<string, string | undefined> = {}): Promise<ChildTestServer> {
  const db = await childDatabase(driver);
  let child: ChildServer;
  try {
    child = await spawnServer({ DATABASE_URL: db.url, ...env });
  } catch (error) {
    await db.drop();
    throw error;
  }
  const url = child.url;
  const clients: Client[] = [];
  const config = { jwtSecret: TEST_SECRET };
  const gql = async (query: string, variables: Record<string, unknown> = {}, token?: string | null, headers: Record<string, string> = {}) => {
    const res = await fetch(`${url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}), ...headers },
      body: JSON.stringify({ query, variables }),
    });
    const body = (await res.json()) as GqlResult;
    return { ...body, status: res.status } as GqlResult<any>;
  };
  const server = {
    url, child, gql,
    operatorToken: await signToken(config, { sub: 'operator-1', operator: true }),
    tokenFor: (userId: string) => signToken(config, { sub: userId }),
    ws(token?: string | null) {
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
    async close() {
      for (const c of clients) await c.dispose();
      if (child.child.exitCode === null && child.child.signalCode === null) await child.stop('SIGTERM').catch(() => child.kill());
      await db.drop();
    },
  } as ChildTestServer;
  server.asTestServer = server as unknown as TestServer;
  return server;
}
