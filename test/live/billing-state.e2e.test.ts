import { assign, grant, newKey, PURCHASE, SET_CARD, START } from '../credits/credits-support';
import { DAY, HOUR, ManualClock, MINUTE } from '../support/clock';
import { addUser, codes, createOrg, DRIVERS, ok, OrgFixture, startServer, TestServer } from '../support/harness';
import { StatementLog } from '../support/statement-log';
import { eventually, sleep } from '../support/wait';
import { LIVE_SETTLE_MS } from '../../src/services/alert-stream.service';
import { BILLING_STATE_INTERVAL_MS } from '../../src/services/billing-state-stream.service';
import { countersOf, dashboardCounters, sameCounters, StateWatcher, stateStreamsOpen } from './billing-state-support';

const DEACTIVATE = `mutation($id: ID!) { deactivateUser(id: $id) { id } }`;
const SET_USER_PERMISSION = `mutation($userId: ID!, $granted: Boolean) { setUserPermission(userId: $userId, permission: MANAGE_BILLING, granted: $granted) { id } }`;
const RUN_JOBS = `mutation($asOf: DateTime!) { runScheduledJobs(asOf: $asOf) { lotsExpired periodsClosed failures { job code } } }`;
const CONTACTS = `mutation($input: BillingContactsInput!) { updateBillingContacts(input: $input) { recipients } }`;
/** Two seats included, overage allowed: the third active user is billed beyond the contract. */
const SEATS = { licenseModel: 'USER', contractedSeats: 2, seatPriceCents: 1500 };

describe.each(DRIVERS)('Subscription.billingState (R27, R4, R5) on %s', (driver) => {
  let server: TestServer;
  const clock = new ManualClock(new Date('2026-07-01T09:00:00.000Z'));
  const statementLog = new StatementLog();

  /** Billing states computed per organization (counted at the one function that computes them). */
  const computed = new Map<string, number>();
  beforeAll(async () => {
    server = await startServer(driver, {
      config: { testClock: true },
      appOptions: { clock, databaseLogger: statementLog },
    });
    const states = server.app.services.billingStates;
    const billingState = states.billingState.bind(states);
    states.billingState = (em, organizationId, at) => {
      computed.set(organizationId, (computed.get(organizationId) ?? 0) + 1);
      return billingState(em, organizationId, at);
    };
  });
  afterAll(async () => {
    await server?.close();
  });

  const computations = (organizationId: string) => computed.get(organizationId) ?? 0;

  /** An organization with users beyond its seats, credits granted and consumed, and overage: every counter non-zero. */
  async function busyOrganization(): Promise<OrgFixture & { employeeId: string }> {
    const org = await createOrg(server, SEATS);
    const employee = await addUser(server, org.adminToken);
    await addUser(server, org.adminToken);
    await grant(server, org.orgId, 5);
    clock.advance(MINUTE);
    await ok(server.gql(START, { id: await assign(server, org.adminToken, employee.id, 7) }, org.adminToken));
    return { ...org, employeeId: employee.id };
  }

  it('R27: one computation reads the state in 4 statements (its rows once each, as one dashboard request reads them)', async () => {
    const org = await busyOrganization(); // no subscriber anywhere yet: nothing else reads meanwhile
    const { result, statements } = await statementLog.during(() =>
      server.app.services.billingStates.read(org.orgId, clock.now()),
    );
    expect(result).toMatchObject({ inUse: 3, creditsAvailable: 0, creditOverageThisPeriod: 2 });
    expect(statements).toHaveLength(4);
  });

  it('R27: the state arrives at once on subscribe and equals the license, creditBalance and upcomingInvoice queries', async () => {
    const org = await busyOrganization();
    const expected = await dashboardCounters(server, org.orgId);
    expect(expected).toMatchObject({ inUse: 3, contracted: 2, creditsAvailable: 0, creditOverageThisPeriod: 2 });
    expect((expected.upcomingInvoiceTotal as { cents: number }).cents).toBeGreaterThan(0);

    const subscribed = Date.now();
    const admin = new StateWatcher(server.ws(org.adminToken));
    const operator = new StateWatcher(server.ws(server.operatorToken), { organizationId: org.orgId });
    await admin.waitFor(1, 1000);
    await operator.waitFor(1, 1000);
    expect(admin.received[0].at - subscribed).toBeLessThan(1000);
    expect(countersOf(admin.latest)).toEqual(expected);
    expect(countersOf(operator.latest)).toEqual(expected);
    expect(admin.latest.upcomingInvoiceTotal.currency).toBe('USD');
    // Nothing changed: nothing more arrives.
    await sleep(400);
    expect([admin.received.length, operator.received.length]).toEqual([1, 1]);
    expect([admin.errors, operator.errors]).toEqual([[], []]);
  });

  it('R27: addUser, deactivateUser, purchaseCredits and startTraining each push the new state within a second; `at` is the commit', async () => {
    const org = await createOrg(server, SEATS);
    await ok(server.gql(SET_CARD, { token: 'tok_visa' }, org.adminToken));
    const watcher = new StateWatcher(server.ws(org.adminToken));
    await watcher.waitFor(1);
    let employeeId = '';
    const changes: Array<[string, () => Promise<unknown>]> = [
      ['addUser', async () => (employeeId = (await addUser(server, org.adminToken)).id)],
      ['addUser beyond the seats', () => addUser(server, org.adminToken)],
      ['deactivateUser', () => ok(server.gql(DEACTIVATE, { id: employeeId }, org.adminToken))],
      ['purchaseCredits', () => ok(server.gql(PURCHASE, { quantity: 10, key: newKey() }, org.adminToken))],
      [
        'startTraining',
        async () => {
          const admin = org.adminId;
          await ok(server.gql(START, { id: await assign(server, org.adminToken, admin, 4) }, org.adminToken));
        },
      ],
    ];
    let previous = countersOf(watcher.latest);
    for (const [what, change] of changes) {
      clock.advance(MINUTE);
      const committedAt = clock.now().toISOString();
      const sent = Date.now();
      await change();
      const expected = await dashboardCounters(server, org.orgId);
      expect({ what, moved: !sameCounters(expected, previous) }).toEqual({ what, moved: true });
      const arrived = await watcher.waitForCounters(expected, 1000);
      expect({ what, ms: arrived - sent < 1000 }).toEqual({ what, ms: true });
      expect(watcher.latest.at).toBe(committedAt);
      previous = expected;
    }
    expect(countersOf(watcher.latest)).toMatchObject({ inUse: 2, creditsAvailable: 6 });
    expect(watcher.errors).toEqual([]);
  });

  it('R27: a burst of 20 quick changes yields at most one push per 250 ms, the last equal to the final state, computed once per push for every subscriber', async () => {
    const org = await createOrg(server, { ...SEATS, contractedSeats: 50 });
    const watchers = [
      new StateWatcher(server.ws(org.adminToken)),
      new StateWatcher(server.ws(org.adminToken)),
      new StateWatcher(server.ws(server.operatorToken), { organizationId: org.orgId }),
      new StateWatcher(server.ws(server.operatorToken), { organizationId: org.orgId }),
    ];
    for (const w of watchers) await w.waitFor(1);
    await sleep(LIVE_SETTLE_MS + 100); // the hub's settling re-read is behind us

    const computedBefore = computations(org.orgId);
    const start = watchers.map((w) => w.received.length);
    for (let i = 0; i < 20; i++) await addUser(server, org.adminToken);
    const expected = await dashboardCounters(server, org.orgId);
    expect(expected.inUse).toBe(21);
    for (const w of watchers) await w.waitForCounters(expected, 1000);
    await sleep(2 * BILLING_STATE_INTERVAL_MS);

    const computedInBurst = computations(org.orgId) - computedBefore;
    for (const [i, w] of watchers.entries()) {
      const pushes = w.received.slice(start[i]);
      const gaps = pushes.slice(1).map((p, j) => p.at - pushes[j].at);
      const span = pushes.at(-1)!.at - pushes[0].at;
      // The server spaces its pushes by 250 ms; the client sees them with some jitter (two shared cores).
      expect(pushes.length).toBeLessThanOrEqual(Math.floor((span + 100) / BILLING_STATE_INTERVAL_MS) + 1);
      for (const gap of gaps) expect(gap).toBeGreaterThanOrEqual(BILLING_STATE_INTERVAL_MS - 100);
      expect(pushes.length).toBeLessThan(20);
      expect(countersOf(w.latest)).toEqual(expected);
    }
    // One computation per coalesced push for the organization, shared by its four subscribers (not four per push).
    const pushesOfOne = watchers[0].received.length - start[0];
    expect(computedInBurst).toBeLessThanOrEqual(pushesOfOne + 1);
    expect(watchers.flatMap((w) => w.errors)).toEqual([]);
  });

  it('R27: a change that moves no counter, and a refused change, push nothing', async () => {
    const org = await createOrg(server, { ...SEATS, allowOverage: false, contractedSeats: 1 });
    const watcher = new StateWatcher(server.ws(org.adminToken));
    await watcher.waitFor(1);
    await sleep(LIVE_SETTLE_MS + 100);
    const computedBefore = computations(org.orgId);
    await ok(server.gql(CONTACTS, { input: { pointOfContactEmail: 'billing@customer.test' } }, org.adminToken));
    await eventually(() => computations(org.orgId) > computedBefore); // announced and read…
    expect(
      codes(
        await server.gql(`mutation { addUser(input: { email: "x@over.test", name: "X" }) { id } }`, {}, org.adminToken),
      ),
    ).toEqual(['LICENSE_LIMIT_REACHED']);
    await sleep(400);
    expect(computations(org.orgId) - computedBefore).toBe(1); // …the refused change announced nothing
    expect(watcher.received).toHaveLength(1); // …and nothing moved
  });

  it("R4/R5: without MANAGE_BILLING it is FORBIDDEN; another organization's id is NOT_FOUND; an operator must name one", async () => {
    const a = await createOrg(server, SEATS);
    const b = await createOrg(server, SEATS);
    const employee = await addUser(server, a.adminToken);
    const manager = await addUser(server, a.adminToken, { role: 'MANAGER' });
    const refused = [new StateWatcher(server.ws(employee.token)), new StateWatcher(server.ws(manager.token))];
    const foreign = new StateWatcher(server.ws(a.adminToken), { organizationId: b.orgId });
    const unnamed = new StateWatcher(server.ws(server.operatorToken));
    const unknown = new StateWatcher(server.ws(server.operatorToken), { organizationId: 'no-such-organization' });
    const anonymous = new StateWatcher(server.ws(null));
    const all = [...refused, foreign, unnamed, unknown, anonymous];
    await eventually(() => all.every((s) => s.errors.length > 0 || s.completed));
    expect(refused.map((s) => s.errorCodes)).toEqual([['FORBIDDEN'], ['FORBIDDEN']]);
    expect([foreign.errorCodes, unnamed.errorCodes, unknown.errorCodes]).toEqual([
      ['NOT_FOUND'],
      ['NOT_FOUND'],
      ['NOT_FOUND'],
    ]);
    expect(anonymous.errorCodes).toEqual(['UNAUTHENTICATED']);
    await addUser(server, b.adminToken);
    await sleep(300);
    expect(all.flatMap((s) => s.received)).toEqual([]);
    expect(server.app.services.billingStateStream.openStreams(b.orgId)).toBe(0);
  });

  it('R4: losing MANAGE_BILLING, or being deactivated, ends the subscription with FORBIDDEN', async () => {
    const org = await createOrg(server, SEATS);
    const manager = await addUser(server, org.adminToken, { role: 'MANAGER' });
    await ok(server.gql(SET_USER_PERMISSION, { userId: manager.id, granted: true }, org.adminToken));
    const second = await addUser(server, org.adminToken, { role: 'ADMIN' });
    const revoked = new StateWatcher(server.ws(manager.token));
    const deactivated = new StateWatcher(server.ws(second.token));
    const admin = new StateWatcher(server.ws(org.adminToken));
    for (const w of [revoked, deactivated, admin]) await w.waitFor(1);

    await ok(server.gql(SET_USER_PERMISSION, { userId: manager.id, granted: false }, org.adminToken));
    await eventually(() => revoked.errors.length > 0, 1000);
    expect(revoked.errorCodes).toEqual(['FORBIDDEN']);
    await ok(server.gql(DEACTIVATE, { id: second.id }, org.adminToken));
    await eventually(() => deactivated.errors.length > 0, 1000);
    expect(deactivated.errorCodes).toEqual(['FORBIDDEN']);
    await admin.waitForCounters(await dashboardCounters(server, org.orgId));
    expect(revoked.received).toHaveLength(1);
    expect(deactivated.received).toHaveLength(1); // the deactivation's own push never reached them
    await stateStreamsOpen(server, org.orgId, 1);
    expect(admin.errors).toEqual([]);
  });

  it('R27: a change committed while a hub is still subscribing (its announcement never heard) is pushed within a second and a half', async () => {
    const org = await createOrg(server, SEATS);
    const { pubSub } = server.app.services;
    const publish = pubSub.publish;
    let watcher: StateWatcher;
    pubSub.publish = (() => undefined) as typeof publish; // as if Redis had not confirmed the SUBSCRIBE yet
    try {
      watcher = new StateWatcher(server.ws(org.adminToken));
      await watcher.waitFor(1);
      await addUser(server, org.adminToken);
    } finally {
      pubSub.publish = publish;
    }
    await watcher.waitForCounters(await dashboardCounters(server, org.orgId), LIVE_SETTLE_MS + 500);
    expect(watcher.errors).toEqual([]);
  });

  it('R27: resources are released when the client unsubscribes or disconnects', async () => {
    const org = await createOrg(server, SEATS);
    const socket = server.ws(org.adminToken);
    const first = new StateWatcher(socket);
    const second = new StateWatcher(server.ws(org.adminToken));
    await first.waitFor(1);
    await second.waitFor(1);
    await stateStreamsOpen(server, org.orgId, 2);
    first.stop();
    await stateStreamsOpen(server, org.orgId, 1);
    await socket.dispose(); // already unsubscribed: nothing more to release on this one
    const third = server.ws(org.adminToken);
    const watcher = new StateWatcher(third);
    await watcher.waitFor(1);
    await stateStreamsOpen(server, org.orgId, 2);
    await third.dispose(); // a disconnect ends its streams
    await stateStreamsOpen(server, org.orgId, 1);
    second.stop();
    await stateStreamsOpen(server, org.orgId, 0);
  });

  it('R27: scheduled jobs announce their changes too: lot expiry and the period close push the new state', async () => {
    clock.set('2026-07-01T09:00:00.000Z');
    const org = await createOrg(server, SEATS); // the period ends Aug 1, 09:00
    const employee = await addUser(server, org.adminToken);
    await grant(server, org.orgId, 8, new Date(clock.now().getTime() + 2 * DAY));
    clock.advance(HOUR);
    await ok(server.gql(START, { id: await assign(server, org.adminToken, employee.id, 10) }, org.adminToken));
    const watcher = new StateWatcher(server.ws(org.adminToken));
    await watcher.waitFor(1);
    expect(countersOf(watcher.latest)).toMatchObject({ creditsAvailable: 0, creditOverageThisPeriod: 2 });

    // A second grant expires after two days: the expiry job's commit is pushed.
    await grant(server, org.orgId, 3, new Date(clock.now().getTime() + 2 * DAY));
    await watcher.waitForCounters(await dashboardCounters(server, org.orgId));
    expect(watcher.latest.creditsAvailable).toBe(3);
    clock.advance(3 * DAY);
    const expiry = await ok(server.gql(RUN_JOBS, { asOf: clock.now().toISOString() }, server.operatorToken));
    expect(expiry.runScheduledJobs.failures).toEqual([]);
    expect(expiry.runScheduledJobs.lotsExpired).toBeGreaterThanOrEqual(1);
    await watcher.waitForCounters(await dashboardCounters(server, org.orgId));
    expect(watcher.latest.creditsAvailable).toBe(0);

    // The period close opens the next period: this period's overage starts again from zero.
    clock.set('2026-08-01T10:00:00.000Z');
    const close = await ok(server.gql(RUN_JOBS, { asOf: clock.now().toISOString() }, server.operatorToken));
    expect(close.runScheduledJobs.failures).toEqual([]);
    expect(close.runScheduledJobs.periodsClosed).toBeGreaterThanOrEqual(1);
    const expected = await dashboardCounters(server, org.orgId);
    expect(expected.creditOverageThisPeriod).toBe(0);
    await watcher.waitForCounters(expected);
    expect(watcher.errors).toEqual([]);
  });
});
