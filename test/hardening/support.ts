import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ChildServer, spawnServer } from '../support/child-server';
import {
  clientsFor,
  createMysqlDatabase,
  Driver,
  dropMysqlDatabase,
  TEST_SECRET,
  TestServer,
} from '../support/harness';

/** A database for a child server: a file for SQLite (two processes never share :memory:), a fresh one on MariaDB. */
export async function childDatabase(driver: Driver): Promise<{ url: string; drop: () => Promise<void> }> {
  if (driver === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'billing-hardening-'));
    return {
      url: `sqlite:${join(dir, 'billing.sqlite')}`,
      drop: async () => rmSync(dir, { recursive: true, force: true }),
    };
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
export async function startChild(
  driver: Driver,
  env: Record<string, string | undefined> = {},
): Promise<ChildTestServer> {
  const db = await childDatabase(driver);
  let child: ChildServer;
  try {
    child = await spawnServer({ DATABASE_URL: db.url, ...env });
  } catch (error) {
    await db.drop();
    throw error;
  }
  const url = child.url;
  const clients = clientsFor(url, { jwtSecret: TEST_SECRET });
  const server = {
    url,
    child,
    gql: clients.gql,
    ws: clients.ws,
    operatorToken: await clients.operatorToken,
    tokenFor: clients.tokenFor,
    async close() {
      await clients.dispose();
      if (child.child.exitCode === null && child.child.signalCode === null)
        await child.stop('SIGTERM').catch(() => child.kill());
      await db.drop();
    },
  } as ChildTestServer;
  server.asTestServer = server as unknown as TestServer;
  return server;
}
