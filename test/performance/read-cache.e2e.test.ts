import {
  createMysqlDatabase,
  createOrg,
  dropMysqlDatabase,
  DRIVERS,
  Driver,
  ok,
  startServer,
  TestServer,
} from '../support/harness';
import { DAY, ManualClock } from '../support/clock';

/**
 * The read cache (src/server/read-cache.ts): a user's query answer is served again only while the organization's
 * state count is unchanged and the answer is younger than READ_CACHE_MS by the service's clock. These tests prove the
 * answer is never stale after a change — on the instance that made it or another — and that time alone ages it.
 */
const BALANCE = `{ organization { license { inUse } creditBalance { available } } }`;
const ADD_USER = `mutation($email: String!) { addUser(input: { email: $email, name: "C", role: EMPLOYEE }) { id } }`;

describe.each(DRIVERS)('read cache (%s)', (driver: Driver) => {
  const clock = new ManualClock(new Date('2026-05-01T12:00:00Z'));
  let server: TestServer;

  beforeAll(async () => {
    server = await startServer(driver, { appOptions: { clock } });
  });
  afterAll(() => server?.close());

  it('a change is in the very next answer; an answer served again is the same', async () => {
    const org = await createOrg(server);
    const before = await ok(server.gql(BALANCE, {}, org.adminToken));
    expect(await ok(server.gql(BALANCE, {}, org.adminToken))).toEqual(before);
    await ok(server.gql(ADD_USER, { email: 'next-answer@example.com' }, org.adminToken));
    const after = await ok(server.gql(BALANCE, {}, org.adminToken));
    expect(after.organization.license.inUse).toBe(before.organization.license.inUse + 1);
  });

  it('R15: credits that expire with time alone (no write) leave the balance once the answer has aged', async () => {
    const org = await createOrg(server);
    await ok(
      server.gql(
        `mutation($org: ID!, $at: DateTime!) { grantCredits(organizationId: $org, quantity: 7, expiresAt: $at, idempotencyKey: "read-cache-grant") { id } }`,
        { org: org.orgId, at: new Date(clock.now().getTime() + DAY).toISOString() },
        server.operatorToken,
      ),
    );
    expect((await ok(server.gql(BALANCE, {}, org.adminToken))).organization.creditBalance.available).toBe(7);
    clock.advance(2 * DAY); // the lot has expired by time; no job has run, nothing was written
    expect((await ok(server.gql(BALANCE, {}, org.adminToken))).organization.creditBalance.available).toBe(0);
  });

  it('R4, R5: an answer is kept per user — a user with other permissions gets its own', async () => {
    const org = await createOrg(server);
    const employee = await ok(server.gql(ADD_USER, { email: 'own-answer@example.com' }, org.adminToken));
    const employeeToken = await server.tokenFor(employee.addUser.id);
    const query = `{ viewer { permissions } organization { name } }`;
    const admin = await ok(server.gql(query, {}, org.adminToken));
    const mine = await ok(server.gql(query, {}, employeeToken));
    expect(mine.viewer.permissions).not.toEqual(admin.viewer.permissions);
  });
});

const mysql = process.env.TEST_MYSQL_URL ? describe : describe.skip;
if (!process.env.TEST_MYSQL_URL) console.log('read cache across instances: skipped (set TEST_MYSQL_URL to run it)');

mysql('read cache across instances (MariaDB)', () => {
  let db: { url: string; name: string };
  const servers: TestServer[] = [];

  beforeAll(async () => {
    db = await createMysqlDatabase();
  });
  afterAll(async () => {
    for (const s of servers) await s.close();
    await dropMysqlDatabase(db.name);
  });

  it('a change made through instance A is in the next answer of instance B, which had it cached', async () => {
    // A long cache lifetime: only the organization's state count can make B compute again.
    const a = await startServer('mariadb', { databaseUrl: db.url, config: { readCacheMs: 600_000 } });
    servers.push(a);
    const b = await startServer('mariadb', { databaseUrl: db.url, config: { readCacheMs: 600_000 } });
    servers.push(b);
    const org = await createOrg(a);
    const before = await ok(b.gql(BALANCE, {}, org.adminToken));
    expect(await ok(b.gql(BALANCE, {}, org.adminToken))).toEqual(before);
    await ok(a.gql(ADD_USER, { email: 'instance-a@example.com' }, org.adminToken));
    const after = await ok(b.gql(BALANCE, {}, org.adminToken));
    expect(after.organization.license.inUse).toBe(before.organization.license.inUse + 1);
  });
});
