import {
  addUser,
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
import { LIVE_SETTLE_MS } from '../../src/services/alert-stream.service';
import { dashboardCounters, StateWatcher } from '../live/billing-state-support';

/**
 * Two server instances in this jest process, on one MariaDB database. Each app has its own pub/sub object, so an
 * event reaches the other instance only through Redis — the control case without REDIS_URL shows it does not
 * otherwise.
 */
const run = process.env.TEST_MYSQL_URL && REDIS_URL ? describe : describe.skip;

run('R11, R27 fan-out across instances through Redis (MariaDB)', () => {
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

  it('R27: billingState crosses instances: a change through instance A is pushed to subscribers on B within a second, B computing it once for all of them', async () => {
    const [a, b] = await pair(REDIS_URL);
    const org = await createOrg(a, { licenseModel: 'USER', contractedSeats: 3, seatPriceCents: 1500 });
    const other = await createOrg(a, { licenseModel: 'USER', contractedSeats: 3, seatPriceCents: 1500 });
    const computedOnB: string[] = [];
    const states = b.app.services.billingStates;
    const billingState = states.billingState.bind(states);
    states.billingState = (em, organizationId, at) => {
      computedOnB.push(organizationId);
      return billingState(em, organizationId, at);
    };
    const onB = [
      new StateWatcher(b.ws(org.adminToken)),
      new StateWatcher(b.ws(b.operatorToken), { organizationId: org.orgId }),
    ];
    const otherOnB = new StateWatcher(b.ws(other.adminToken));
    const onA = new StateWatcher(a.ws(org.adminToken));
    for (const w of [...onB, otherOnB, onA]) await w.waitFor(1);
    await sleep(LIVE_SETTLE_MS + 100); // the hubs' settling re-reads are behind us
    computedOnB.length = 0;

    const sent = Date.now();
    await addUser(a, org.adminToken);
    const expected = await dashboardCounters(a, org.orgId);
    for (const w of onB) expect((await w.waitForCounters(expected, 1000)) - sent).toBeLessThan(1000);
    await onA.waitForCounters(expected, 1000);
    await sleep(300);
    expect(computedOnB).toEqual([org.orgId]); // once for both of B's subscribers; the other organization not at all
    expect(otherOnB.received).toHaveLength(1);
    expect([...onB, otherOnB, onA].flatMap((w) => w.errors)).toEqual([]);
  });

  it('control: without Redis the two instances do not hear each other', async () => {
    const [a, b] = await pair(undefined);
    const org = await createOrg(a, { licenseModel: 'LOCATION', contractedLocations: 0, locationPriceCents: 9900 });
    const onB = new AlertSubscriber(b.ws(org.adminToken));
    const onA = new AlertSubscriber(a.ws(org.adminToken));
    await streamsOpen(b, org.orgId, 1);
    await streamsOpen(a, org.orgId, 1);
    const stateOnB = new StateWatcher(b.ws(org.adminToken));
    const stateOnA = new StateWatcher(a.ws(org.adminToken));
    await stateOnB.waitFor(1);
    await stateOnA.waitFor(1);
    await sleep(LIVE_SETTLE_MS + 100); // B's settling re-read would otherwise pick the change up
    await ok(a.gql(ADD_LOCATION, { name: 'Local only' }, org.adminToken));
    await onA.waitFor(1, 1000);
    await stateOnA.waitFor(2, 1000);
    await sleep(500);
    expect(onB.received).toEqual([]);
    expect(stateOnB.received).toHaveLength(1);
  });
});
