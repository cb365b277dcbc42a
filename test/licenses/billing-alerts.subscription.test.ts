import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { AlertKind } from '../../entities';
import { addUser, codes, createOrg, DRIVERS, ok, OrgFixture, startServer, TestServer } from '../support/harness';
import { LIVE_SETTLE_MS } from '../../src/services/alert-stream.service';
import { ADD_LOCATION, AlertSubscriber, streamsOpen } from './support';
import { eventually, sleep } from '../support/wait';
import { operatorViewer } from '../support/viewers';

const SET_USER_PERMISSION = `mutation($userId: ID!, $granted: Boolean) { setUserPermission(userId: $userId, permission: MANAGE_BILLING, granted: $granted) { id permissions } }`;
const DEACTIVATE = `mutation($id: ID!) { deactivateUser(id: $id) { id } }`;
/** A LOCATION contract with no location included: every addLocation raises a LOCATION_OVERAGE alert. */
const EVERY_LOCATION_ALERTS = { licenseModel: 'LOCATION', contractedLocations: 0, locationPriceCents: 4900 };

describe.each(DRIVERS)('Subscription.billingAlerts (R11, R4, R5) on %s', (driver) => {
  let server: TestServer;
  let counter = 0;

  beforeAll(async () => {
    server = await startServer(driver);
  });
  afterAll(async () => {
    await server?.close();
  });

  const raiseAlert = async (org: OrgFixture) =>
    (await ok(server.gql(ADD_LOCATION, { name: `Site ${++counter}` }, org.adminToken))).addLocation;

  it('R11: an alert reaches the billing subscribers of its organization within a second, and no one else', async () => {
    const a = await createOrg(server, EVERY_LOCATION_ALERTS, 'A');
    const b = await createOrg(server, EVERY_LOCATION_ALERTS, 'B');
    const billingA = new AlertSubscriber(server.ws(a.adminToken));
    const operatorA = new AlertSubscriber(server.ws(server.operatorToken), { organizationId: a.orgId });
    const billingB = new AlertSubscriber(server.ws(b.adminToken));
    await streamsOpen(server, a.orgId, 2);
    await streamsOpen(server, b.orgId, 1);

    const sent = Date.now();
    const location = await raiseAlert(a);
    await billingA.waitFor(1, 1000);
    await operatorA.waitFor(1, 1000);
    expect(billingA.received[0].at - sent).toBeLessThan(1000);
    expect(billingA.received[0].alert).toMatchObject({
      sequence: 1,
      kind: 'LOCATION_OVERAGE',
      contracted: 0,
      inUse: 1,
      estimatedAdditionalCharge: { cents: 4900, formatted: '$49.00' },
      location: { id: location.id, name: location.name },
    });
    expect(operatorA.received[0].alert.id).toBe(billingA.received[0].alert.id);
    await sleep(300);
    expect(billingB.received).toEqual([]);
    expect([billingA.errors, operatorA.errors, billingB.errors]).toEqual([[], [], []]);
  });

  it("R4/R5: a subscriber without MANAGE_BILLING is refused; another organization's id is NOT_FOUND", async () => {
    const a = await createOrg(server, EVERY_LOCATION_ALERTS, 'A');
    const b = await createOrg(server, EVERY_LOCATION_ALERTS, 'B');
    const employee = await addUser(server, a.adminToken);
    const manager = await addUser(server, a.adminToken, { role: 'MANAGER' });
    const refused = [new AlertSubscriber(server.ws(employee.token)), new AlertSubscriber(server.ws(manager.token))];
    const foreign = new AlertSubscriber(server.ws(a.adminToken), { organizationId: b.orgId });
    const anonymous = new AlertSubscriber(server.ws(null));
    await eventually(() => [...refused, foreign, anonymous].every((s) => s.errors.length > 0 || s.completed));
    expect(refused.map((s) => s.errorCodes)).toEqual([['FORBIDDEN'], ['FORBIDDEN']]);
    expect(foreign.errorCodes).toEqual(['NOT_FOUND']);
    expect(anonymous.errorCodes).toEqual(['UNAUTHENTICATED']);
    await raiseAlert(a);
    await raiseAlert(b);
    await sleep(200);
    expect([...refused, foreign, anonymous].flatMap((s) => s.received)).toEqual([]);
  });

  it('R4: revoking MANAGE_BILLING mid-subscription ends it with FORBIDDEN before the next alert', async () => {
    const org = await createOrg(server, EVERY_LOCATION_ALERTS);
    const manager = await addUser(server, org.adminToken, { role: 'MANAGER' });
    await ok(server.gql(SET_USER_PERMISSION, { userId: manager.id, granted: true }, org.adminToken));
    const watcher = new AlertSubscriber(server.ws(manager.token)); // its socket was authenticated while it held the permission
    const admin = new AlertSubscriber(server.ws(org.adminToken));
    await streamsOpen(server, org.orgId, 2);
    await raiseAlert(org);
    await watcher.waitFor(1);

    await ok(server.gql(SET_USER_PERMISSION, { userId: manager.id, granted: false }, org.adminToken));
    await raiseAlert(org);
    await admin.waitFor(2);
    await eventually(() => watcher.errors.length > 0);
    expect(watcher.errorCodes).toEqual(['FORBIDDEN']);
    expect(watcher.sequences).toEqual([1]);
    await eventually(() => server.app.services.alertStream.openStreams(org.orgId) === 1);
    expect(server.app.services.alertStream.openStreams(org.orgId)).toBe(1); // the revoked stream is gone
  });

  it('R2/R4: a deactivated billing manager stops receiving', async () => {
    const org = await createOrg(server, EVERY_LOCATION_ALERTS);
    const second = await addUser(server, org.adminToken, { role: 'ADMIN' });
    const watcher = new AlertSubscriber(server.ws(second.token));
    await streamsOpen(server, org.orgId, 1);
    await ok(server.gql(DEACTIVATE, { id: second.id }, org.adminToken));
    await raiseAlert(org);
    await eventually(() => watcher.errors.length > 0);
    expect(watcher.errorCodes).toEqual(['FORBIDDEN']);
    expect(watcher.received).toEqual([]);
  });

  it('R11: a dashboard that reconnects with sinceAlertId gets every missed alert in order, then live ones, no gap, no duplicate', async () => {
    const org = await createOrg(server, EVERY_LOCATION_ALERTS);
    const first = new AlertSubscriber(server.ws(org.adminToken));
    await streamsOpen(server, org.orgId, 1);
    await raiseAlert(org);
    await raiseAlert(org);
    await first.waitFor(2);
    const lastSeen = first.received[1].alert;
    first.stop();
    await eventually(() => server.app.services.alertStream.openStreams(org.orgId) === 0);

    for (let i = 0; i < 3; i++) await raiseAlert(org); // missed while away: 3, 4, 5
    const again = new AlertSubscriber(server.ws(org.adminToken), { sinceAlertId: lastSeen.id });
    // Alerts keep coming while the replay runs: 6…11 race with it.
    const racing = Array.from({ length: 6 }, () => raiseAlert(org));
    await Promise.all(racing);
    await again.waitFor(9, 3000);
    await raiseAlert(org); // and a live one afterwards: 12
    await again.waitFor(10, 3000);
    await sleep(200);
    expect(again.sequences).toEqual([3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
    expect(again.errors).toEqual([]);
  });

  it('R11: sinceAlertId of another organization is NOT_FOUND', async () => {
    const a = await createOrg(server, EVERY_LOCATION_ALERTS);
    const b = await createOrg(server, EVERY_LOCATION_ALERTS);
    const observer = new AlertSubscriber(server.ws(b.adminToken));
    await streamsOpen(server, b.orgId, 1);
    await raiseAlert(b);
    await observer.waitFor(1);
    const replay = new AlertSubscriber(server.ws(a.adminToken), { sinceAlertId: observer.received[0].alert.id });
    await eventually(() => replay.errors.length > 0);
    expect(replay.errorCodes).toEqual(['NOT_FOUND']);
  });

  it('R11: a refused change (LICENSE_LIMIT_REACHED) publishes nothing', async () => {
    const org = await createOrg(server, { ...EVERY_LOCATION_ALERTS, allowOverage: false });
    const watcher = new AlertSubscriber(server.ws(org.adminToken));
    await streamsOpen(server, org.orgId, 1);
    expect(codes(await server.gql(ADD_LOCATION, { name: 'Nope' }, org.adminToken))).toEqual(['LICENSE_LIMIT_REACHED']);
    await sleep(200);
    expect(watcher.received).toEqual([]);
  });

  it('R16/R19: alerts of any kind raised through services.alerts.raise flow through unchanged (credits and payments use the same channel)', async () => {
    const org = await createOrg(server, EVERY_LOCATION_ALERTS);
    const watcher = new AlertSubscriber(server.ws(org.adminToken));
    await streamsOpen(server, org.orgId, 1);
    const system = operatorViewer('test');
    const { services } = server.app;
    for (const kind of [AlertKind.CREDITS_LOW, AlertKind.PAYMENT_FAILED]) {
      await services.uow.forOrganization(
        { viewer: system, em: server.app.dataSource.manager },
        { organizationId: org.orgId },
        {},
        async (tx) => {
          await services.alerts.raise(tx, { organizationId: org.orgId, kind, message: `${kind} happened` });
        },
      );
    }
    // A rolled-back raise is never published.
    await services.uow
      .forOrganization(
        { viewer: system, em: server.app.dataSource.manager },
        { organizationId: org.orgId },
        {},
        async (tx) => {
          await services.alerts.raise(tx, {
            organizationId: org.orgId,
            kind: AlertKind.CREDITS_DEPLETED,
            message: 'rolled back',
          });
          throw new Error('roll back');
        },
      )
      .catch(() => undefined);
    await raiseAlert(org);
    await watcher.waitFor(3);
    await sleep(200);
    expect(
      watcher.received.map((r) => [
        r.alert.sequence,
        r.alert.kind,
        r.alert.contracted,
        r.alert.estimatedAdditionalCharge,
      ]),
    ).toEqual([
      [1, 'CREDITS_LOW', null, null],
      [2, 'PAYMENT_FAILED', null, null],
      [3, 'LOCATION_OVERAGE', 0, { cents: 4900, formatted: '$49.00' }],
    ]);
  });

  it('R11: an event that never arrives (or arrives late from another instance) leaves no gap: the next one fills it in order', async () => {
    const org = await createOrg(server, EVERY_LOCATION_ALERTS);
    const watcher = new AlertSubscriber(server.ws(org.adminToken));
    await streamsOpen(server, org.orgId, 1);
    const { pubSub } = server.app.services;
    const publish = pubSub.publish;
    const held: Array<Parameters<typeof publish>> = [];
    pubSub.publish = ((...args: Parameters<typeof publish>) => void held.push(args)) as typeof publish;
    try {
      await raiseAlert(org); // 1 and 2 are stored but their events are held back
      await raiseAlert(org);
    } finally {
      pubSub.publish = publish;
    }
    await raiseAlert(org); // 3 arrives first
    await watcher.waitFor(3);
    for (const args of held) (publish as (...all: unknown[]) => void).apply(pubSub, args); // the late ones are dropped as already delivered
    await sleep(200);
    expect(watcher.sequences).toEqual([1, 2, 3]);
    expect(watcher.errors).toEqual([]);
  });

  it('R11: an alert committed while the live subscription is still being set up (Redis confirms it asynchronously) is delivered within a second', async () => {
    const org = await createOrg(server, EVERY_LOCATION_ALERTS);
    const { pubSub } = server.app.services;
    const publish = pubSub.publish;
    // The subscriber connects; its first alert is stored but its event never reaches this instance.
    pubSub.publish = (() => undefined) as typeof publish;
    let watcher: AlertSubscriber;
    try {
      watcher = new AlertSubscriber(server.ws(org.adminToken));
      await streamsOpen(server, org.orgId, 1);
      await raiseAlert(org);
    } finally {
      pubSub.publish = publish;
    }
    await watcher!.waitFor(1, LIVE_SETTLE_MS + 1000);
    await raiseAlert(org); // then live as usual, no duplicate
    await watcher!.waitFor(2);
    await sleep(200);
    expect(watcher!.sequences).toEqual([1, 2]);
    expect(watcher!.errors).toEqual([]);
  });

  it('R4: the permission is read at subscribe time — granted after the socket connected, it counts on the same socket', async () => {
    const org = await createOrg(server, EVERY_LOCATION_ALERTS);
    const manager = await addUser(server, org.adminToken, { role: 'MANAGER' });
    // one socket for both subscriptions (not lazy: it stays open between them)
    let connections = 0;
    const socket = createClient({
      url: `${server.url.replace('http', 'ws')}/graphql`,
      webSocketImpl: WebSocket,
      lazy: false,
      retryAttempts: 0,
      connectionParams: { authorization: `Bearer ${manager.token}` },
      on: { connected: () => void connections++ },
      onNonLazyError: () => {},
    });
    const before = new AlertSubscriber(socket);
    await eventually(() => before.errors.length > 0);
    expect(before.errorCodes).toEqual(['FORBIDDEN']);
    await ok(server.gql(SET_USER_PERMISSION, { userId: manager.id, granted: true }, org.adminToken));
    const after = new AlertSubscriber(socket);
    await streamsOpen(server, org.orgId, 1);
    await raiseAlert(org);
    await after.waitFor(1);
    expect(after.errors).toEqual([]);
    expect(connections).toBe(1);
    await socket.dispose();
  });

  it('R11: a stream returned before its first read takes nothing and leaves nothing open', async () => {
    const org = await createOrg(server, EVERY_LOCATION_ALERTS);
    const operator = operatorViewer('operator-1');
    const stream = await server.app.services.alertStream.subscribe(operator, org.orgId);
    expect(server.app.services.alertStream.openStreams(org.orgId)).toBe(0); // nothing is taken until the first read
    await stream.return!(undefined);
    expect(await stream.next()).toEqual({ done: true, value: undefined });
    expect(server.app.services.alertStream.openStreams(org.orgId)).toBe(0);

    const read = await server.app.services.alertStream.subscribe(operator, org.orgId);
    const first = read.next();
    await streamsOpen(server, org.orgId, 1);
    await read.return!(undefined); // while waiting for an event
    expect(await first).toEqual({ done: true, value: undefined });
    expect(server.app.services.alertStream.openStreams(org.orgId)).toBe(0);
  });

  it('R11: subscribing and completing back to back over graphql-ws leaves no stream open', async () => {
    const org = await createOrg(server, EVERY_LOCATION_ALERTS);
    const client = server.ws(org.adminToken);
    const subscribers = Array.from({ length: 50 }, () => {
      const subscriber = new AlertSubscriber(client);
      subscriber.stop();
      return subscriber;
    });
    const kept = new AlertSubscriber(client);
    await streamsOpen(server, org.orgId, 1);
    await raiseAlert(org);
    await kept.waitFor(1);
    kept.stop();
    await eventually(() => server.app.services.alertStream.openStreams(org.orgId) === 0);
    expect(subscribers.flatMap((s) => s.errors)).toEqual([]);
    expect(subscribers.every((s) => s.received.length === 0)).toBe(true);
  });
});
