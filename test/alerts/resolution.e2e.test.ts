import { addUser, createOrg, DRIVERS, ok, startServer, TestServer } from '../support/harness';
import { ManualClock } from '../support/clock';
import { sleep } from '../support/wait';
import { ADD_LOCATION, AlertSubscriber, streamsOpen } from '../licenses/support';
import { assign, grant, START } from '../credits/credits-support';
import {
  CLOSE_PERIOD,
  DEACTIVATE_LOCATION,
  DEACTIVATE_USER,
  REACTIVATE_USER,
  RESOLVING_ALERTS,
  storedAlerts,
  UPDATE_CONTRACT,
} from './support';

const kinds = (alerts: any[]) => alerts.map((a) => a.kind);

describe.each(DRIVERS)('R25 alerts that resolve and never flap on %s', (driver) => {
  let server: TestServer;
  // Every reading one second after the previous: each change has its own instant.
  const clock = new ManualClock(new Date(Date.UTC(2026, 2, 2, 9)));
  clock.ticking = true;

  beforeAll(async () => {
    server = await startServer(driver, { appOptions: { clock } });
  });
  afterAll(async () => {
    await server?.close();
  });

  it('R25: a user deactivated and reactivated 100 times beyond the limit raises one overage alert and one resolution', async () => {
    const org = await createOrg(server, { licenseModel: 'USER', contractedSeats: 5, seatPriceCents: 1000 });
    for (let i = 0; i < 4; i++) await addUser(server, org.adminToken);
    const live = new AlertSubscriber(server.ws(org.adminToken), {}, RESOLVING_ALERTS);
    await streamsOpen(server, org.orgId, 1);
    const teetering = await addUser(server, org.adminToken); // 6 on 5 seats: the condition opens
    for (let i = 0; i < 100; i++) {
      await ok(server.gql(DEACTIVATE_USER, { id: teetering.id }, org.adminToken));
      await ok(server.gql(REACTIVATE_USER, { id: teetering.id }, org.adminToken));
    }
    await live.waitFor(2);
    await sleep(300);
    const [opened, resolution] = await storedAlerts(server, org.adminToken);
    expect(await storedAlerts(server, org.adminToken)).toHaveLength(2);
    expect(opened).toMatchObject({
      kind: 'SEAT_OVERAGE',
      sequence: 1,
      inUse: 6,
      value: 6,
      active: false,
      resolves: null,
      resolvedBy: { id: resolution.id, kind: 'SEAT_OVERAGE_RESOLVED' },
    });
    expect(resolution).toMatchObject({
      kind: 'SEAT_OVERAGE_RESOLVED',
      sequence: 2,
      inUse: 5,
      value: 5,
      contracted: 5,
      active: false,
      resolves: { id: opened.id, kind: 'SEAT_OVERAGE' },
      resolvedBy: null,
    });
    expect(resolution.message).toContain("The period's peak of 6 seats stays billed");
    // Live: the same two, in order, with the resolution pointing at the alert it ends.
    expect(live.received.map((r) => [r.alert.kind, r.alert.active, r.alert.resolves?.id ?? null])).toEqual([
      ['SEAT_OVERAGE', true, null],
      ['SEAT_OVERAGE_RESOLVED', false, opened.id],
    ]);
    expect(live.errors).toEqual([]);
    live.stop();
  });

  it('R25: a new period-high raises again; raising the contract above in use resolves every open alert at once', async () => {
    const org = await createOrg(server, { licenseModel: 'USER', contractedSeats: 2, seatPriceCents: 1000 });
    const live = new AlertSubscriber(server.ws(org.adminToken), {}, RESOLVING_ALERTS);
    await streamsOpen(server, org.orgId, 1);
    await addUser(server, org.adminToken); // 2: within
    const third = await addUser(server, org.adminToken); // 3: opens (#1)
    await ok(server.gql(DEACTIVATE_USER, { id: third.id }, org.adminToken)); // 2: resolves (#2)
    await ok(server.gql(REACTIVATE_USER, { id: third.id }, org.adminToken)); // 3 again: no new high, nothing
    await addUser(server, org.adminToken); // 4: a new period-high opens a new condition (#3)
    await addUser(server, org.adminToken); // 5: higher still, while open (#4)
    const fifth = await addUser(server, org.adminToken); // 6 (#5)
    await ok(server.gql(DEACTIVATE_USER, { id: fifth.id }, org.adminToken)); // 5: still beyond 2, nothing resolves
    await ok(server.gql(REACTIVATE_USER, { id: fifth.id }, org.adminToken)); // 6 again: not above the peak of 6
    expect(kinds(await storedAlerts(server, org.adminToken))).toEqual([
      'SEAT_OVERAGE',
      'SEAT_OVERAGE_RESOLVED',
      'SEAT_OVERAGE',
      'SEAT_OVERAGE',
      'SEAT_OVERAGE',
    ]);

    // The contract change re-evaluates: 10 seats hold the 6 in use.
    await ok(
      server.gql(
        UPDATE_CONTRACT,
        { organizationId: org.orgId, input: { licenseModel: 'USER', contractedSeats: 10 } },
        server.operatorToken,
      ),
    );
    const alerts = await storedAlerts(server, org.adminToken);
    expect(alerts.map((a) => [a.sequence, a.kind, a.value, a.active])).toEqual([
      [1, 'SEAT_OVERAGE', 3, false],
      [2, 'SEAT_OVERAGE_RESOLVED', 2, false],
      [3, 'SEAT_OVERAGE', 4, false],
      [4, 'SEAT_OVERAGE', 5, false],
      [5, 'SEAT_OVERAGE', 6, false],
      [6, 'SEAT_OVERAGE_RESOLVED', 6, false],
    ]);
    expect(alerts[5].resolves.id).toBe(alerts[2].id); // the alert that opened the second condition
    expect(alerts.slice(2, 5).map((a) => a.resolvedBy.id)).toEqual([alerts[5].id, alerts[5].id, alerts[5].id]);
    expect(alerts[0].resolvedBy.id).toBe(alerts[1].id); // a resolved alert keeps its own resolution
    expect(alerts[5].message).toMatch(/6 active users on a contract of 10 seats.*peak of 6 seats stays billed/);

    // Replay (R11) covers the resolutions: from the first alert, everything after it, in order.
    const replay = new AlertSubscriber(server.ws(org.adminToken), { sinceAlertId: alerts[0].id }, RESOLVING_ALERTS);
    await replay.waitFor(5);
    expect(replay.sequences).toEqual([2, 3, 4, 5, 6]);
    expect(replay.received[4].alert).toMatchObject({
      kind: 'SEAT_OVERAGE_RESOLVED',
      active: false,
      resolves: { id: alerts[2].id },
    });
    await live.waitFor(6);
    expect(live.sequences).toEqual([1, 2, 3, 4, 5, 6]);
    expect([live.errors, replay.errors]).toEqual([[], []]);
    live.stop();
    replay.stop();
  });

  it('R25: a resolved alert never reopens; a new period starts fresh', async () => {
    const org = await createOrg(server, { licenseModel: 'USER', contractedSeats: 1, seatPriceCents: 1000 });
    const second = await addUser(server, org.adminToken); // 2 on 1: opens
    await ok(server.gql(CLOSE_PERIOD, { organizationId: org.orgId }, server.operatorToken));
    // The new period starts at 2 in use with the condition still open: leaving resolves it…
    await ok(server.gql(DEACTIVATE_USER, { id: second.id }, org.adminToken));
    // …and crossing again is the first crossing of this period: it opens a new condition.
    await ok(server.gql(REACTIVATE_USER, { id: second.id }, org.adminToken));
    const alerts = await storedAlerts(server, org.adminToken);
    expect(alerts.map((a) => [a.kind, a.active])).toEqual([
      ['SEAT_OVERAGE', false],
      ['SEAT_OVERAGE_RESOLVED', false],
      ['SEAT_OVERAGE', true],
    ]);
    expect(alerts[0].resolvedBy.id).toBe(alerts[1].id);
    expect(alerts[2].resolvedBy).toBeNull();
  });

  it('R25: removing a location brings LOCATION in use back within the contract and resolves', async () => {
    const org = await createOrg(server, { licenseModel: 'LOCATION', contractedLocations: 1, locationPriceCents: 900 });
    await ok(server.gql(ADD_LOCATION, { name: 'North' }, org.adminToken));
    const south = (await ok(server.gql(ADD_LOCATION, { name: 'South' }, org.adminToken))).addLocation;
    await ok(server.gql(DEACTIVATE_LOCATION, { id: south.id }, org.adminToken));
    await ok(server.gql(ADD_LOCATION, { name: 'East' }, org.adminToken)); // 2 again: not above the peak of 2
    const alerts = await storedAlerts(server, org.adminToken);
    expect(alerts.map((a) => [a.kind, a.value, a.active])).toEqual([
      ['LOCATION_OVERAGE', 2, false],
      ['LOCATION_OVERAGE_RESOLVED', 1, false],
    ]);
    expect(alerts[1].message).toContain("The period's peak of 2 locations stays billed");
  });

  it('R25: a grant that lifts the balance above the low mark ends CREDITS_LOW and CREDITS_DEPLETED with one CREDITS_RECOVERED', async () => {
    const org = await createOrg(server);
    const live = new AlertSubscriber(server.ws(org.adminToken), {}, RESOLVING_ALERTS);
    await streamsOpen(server, org.orgId, 1);
    await grant(server, org.orgId, 10);
    await ok(server.gql(START, { id: await assign(server, org.adminToken, org.adminId, 9) }, org.adminToken)); // 1: low
    await ok(server.gql(START, { id: await assign(server, org.adminToken, org.adminId, 1) }, org.adminToken)); // 0: depleted
    await grant(server, org.orgId, 40);
    await ok(server.gql(START, { id: await assign(server, org.adminToken, org.adminId, 1) }, org.adminToken)); // 39: fine
    const alerts = await storedAlerts(server, org.adminToken);
    expect(alerts.map((a) => [a.kind, a.value, a.active])).toEqual([
      ['CREDITS_LOW', 1, false],
      ['CREDITS_DEPLETED', 0, false],
      ['CREDITS_RECOVERED', 40, false],
    ]);
    expect(alerts[2].resolves.id).toBe(alerts[0].id);
    expect(alerts.slice(0, 2).map((a) => a.resolvedBy.id)).toEqual([alerts[2].id, alerts[2].id]);
    await live.waitFor(3);
    expect(live.received.map((r) => r.alert.kind)).toEqual(['CREDITS_LOW', 'CREDITS_DEPLETED', 'CREDITS_RECOVERED']);
    live.stop();
  });
});
