import {
  createMysqlDatabase,
  createOrg,
  dropMysqlDatabase,
  ok,
  REDIS_URL,
  startServer,
  TestServer,
} from '../support/harness';
import { ADD_LOCATION, AlertSubscriber, streamsOpen } from './support';
import { sleep } from '../support/wait';

/**
 * Two server instances in this jest process, on one MariaDB database. Each app has its own pub/sub object, so an
 * event reaches the other instance only through Redis — the control case without REDIS_URL shows it does not
 * otherwise.
 */
const run = process.env.TEST_MYSQL_URL && REDIS_URL ? describe : describe.skip;

run('R11 fan-out across instances through Redis (MariaDB)', () => {
  let db: { url: string; name: string };
  const servers: TestServer[] = [];

  beforeAll(async () => {
    db = await createMysqlDatabase();
  });
  afterAll(async () => {
    for (const s of servers) await s.close();
    await dropMysqlDatabase(db.name);
  });

  async function pair(redisUrl: string | undefined): Promise<[TestServer, TestServer]> {
    const a = await startServer('mariadb', { databaseUrl: db.url, config: { redisUrl } });
    servers.push(a);
    const b = await startServer('mariadb', { databaseUrl: db.url, config: { redisUrl } });
    servers.push(b);
    return [a, b];
  }

  it('R11: a location added through instance A reaches a billing subscriber connected to instance B within a second', async () => {
    const [a, b] = await pair(REDIS_URL);
    const org = await createOrg(a, { licenseModel: 'LOCATION', contractedLocations: 1, locationPriceCents: 9900 });
    const other = await createOrg(a, { licenseModel: 'LOCATION', contractedLocations: 0, locationPriceCents: 9900 });
    const onB = new AlertSubscriber(b.ws(org.adminToken));
    const otherOnB = new AlertSubscriber(b.ws(other.adminToken));
    const onA = new AlertSubscriber(a.ws(org.adminToken));
    await streamsOpen(b, org.orgId, 1);
    await streamsOpen(b, other.orgId, 1);
    await streamsOpen(a, org.orgId, 1);
    await sleep(100); // the Redis SUBSCRIBE round trip of the new topics

    await ok(a.gql(ADD_LOCATION, { name: 'Included' }, org.adminToken)); // within the contract: no alert
    const sent = Date.now();
    const breaking = (await ok(a.gql(ADD_LOCATION, { name: 'Breaks the contract' }, org.adminToken))).addLocation;
    await onB.waitFor(1, 1000);
    expect(onB.received[0].at - sent).toBeLessThan(1000);
    expect(onB.received[0].alert).toMatchObject({
      kind: 'LOCATION_OVERAGE',
      contracted: 1,
      inUse: 2,
      estimatedAdditionalCharge: { cents: 9900 },
      location: { id: breaking.id },
    });
    await onA.waitFor(1, 1000);
    await sleep(200);
    expect(otherOnB.received).toEqual([]); // topics are per organization
    expect(onB.sequences).toEqual([1]);
  });

  it('control: without Redis the two instances do not hear each other', async () => {
    const [a, b] = await pair(undefined);
    const org = await createOrg(a, { licenseModel: 'LOCATION', contractedLocations: 0, locationPriceCents: 9900 });
    const onB = new AlertSubscriber(b.ws(org.adminToken));
    const onA = new AlertSubscriber(a.ws(org.adminToken));
    await streamsOpen(b, org.orgId, 1);
    await streamsOpen(a, org.orgId, 1);
    await ok(a.gql(ADD_LOCATION, { name: 'Local only' }, org.adminToken));
    await onA.waitFor(1, 1000);
    await sleep(500);
    expect(onB.received).toEqual([]);
  });
});
