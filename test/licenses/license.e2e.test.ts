import { LicenseKind, UsageAggregate, UsageEvent } from '../../entities';
import { addUser, codes, createOrg, DRIVERS, ok, startServer, TestServer, uniqueEmail } from '../support/harness';
import { ADD_LOCATION, ALERTS, LICENSE } from './support';

/** A clock the test moves: the server reads "now" from it (services never call new Date()). */
class TestClock {
  private t = Date.UTC(2025, 4, 1, 9, 0, 0);
  now = () => new Date(this.t);
  advance(ms = 1000) {
    this.t += ms;
  }
}

const DEACTIVATE = `mutation($id: ID!) { deactivateUser(id: $id) { id status } }`;
const REACTIVATE = `mutation($id: ID!) { reactivateUser(id: $id) { id status } }`;
const DEACTIVATE_LOCATION = `mutation($id: ID!) { deactivateLocation(id: $id) { id status } }`;
const ADD_USER = `mutation($input: AddUserInput!) { addUser(input: $input) { id } }`;

describe.each(DRIVERS)('licenses (R7–R11) on %s', (driver) => {
  let server: TestServer;
  const clock = new TestClock();

  beforeAll(async () => {
    server = await startServer(driver, { appOptions: { clock } });
  });
  afterAll(async () => {
    await server?.close();
  });

  const license = async (token: string) => (await ok(server.gql(LICENSE, {}, token))).organization.license;
  const alerts = async (token: string, vars: Record<string, unknown> = {}) =>
    (await ok(server.gql(ALERTS, vars, token))).organization.alerts;
  const usageEvents = (organizationId: string) =>
    server.app.dataSource.manager.count(UsageEvent, { where: { organizationId } });

  it('R8/R9: seats follow activations; a transfer is no new peak; reactivation takes a seat again', async () => {
    const { adminToken } = await createOrg(server, { licenseModel: 'USER', contractedSeats: 3, seatPriceCents: 1500 });
    const start = clock.now();
    expect(await license(adminToken)).toEqual({
      kind: 'USER',
      contracted: 3,
      inUse: 1,
      available: 2,
      overage: 0,
      peakThisPeriod: 1,
      peakAt: start.toISOString(),
      unitPrice: { cents: 1500 },
    });
    clock.advance();
    const a = await addUser(server, adminToken);
    clock.advance();
    await addUser(server, adminToken);
    const fullAt = clock.now().toISOString();
    expect(await license(adminToken)).toMatchObject({
      inUse: 3,
      available: 0,
      overage: 0,
      peakThisPeriod: 3,
      peakAt: fullAt,
    });

    // R8: a transfer — deactivate one, add another at the same instant — is no new peak.
    clock.advance();
    await ok(server.gql(DEACTIVATE, { id: a.id }, adminToken));
    const b = await addUser(server, adminToken);
    expect(await license(adminToken)).toMatchObject({ inUse: 3, overage: 0, peakThisPeriod: 3, peakAt: fullAt });
    // …nor when it happens the other way round within one instant (R9: deactivations count first).
    clock.advance();
    const c = await addUser(server, adminToken).catch(() => null);
    expect(c).not.toBeNull(); // a 4th seat: overage (allowed)
    await ok(server.gql(DEACTIVATE, { id: b.id }, adminToken));
    expect(await license(adminToken)).toMatchObject({ inUse: 3, peakThisPeriod: 3, peakAt: fullAt });

    // Reactivation takes a seat again: 4 in use on 3 seats.
    clock.advance();
    await ok(server.gql(REACTIVATE, { id: a.id }, adminToken));
    const reactivatedAt = clock.now().toISOString();
    expect(await license(adminToken)).toMatchObject({
      inUse: 4,
      available: 0,
      overage: 1,
      peakThisPeriod: 4,
      peakAt: reactivatedAt,
    });
    const stored = await alerts(adminToken);
    // R25: c's activation briefly made 4 (alerted, the condition opened), b left at the same instant (back to 3:
    // resolved, and the period's peak stayed 3), and a's reactivation made 4 again at a later instant: a new
    // period-high, so it alerts again.
    expect(stored.nodes.map((n: any) => n.kind)).toEqual(['SEAT_OVERAGE', 'SEAT_OVERAGE_RESOLVED', 'SEAT_OVERAGE']);
    expect(stored.nodes[0]).toMatchObject({
      kind: 'SEAT_OVERAGE',
      contracted: 3,
      inUse: 4,
      estimatedAdditionalCharge: { cents: 1500, formatted: '$15.00' },
      location: null,
      acknowledgedAt: null,
    });
    expect(stored.nodes[0].message).toMatch(/4 active users.*3 seats.*\$15\.00/);
  });

  it('R9: a transfer inside one instant, join first, is still no peak', async () => {
    const { adminToken } = await createOrg(server, { licenseModel: 'USER', contractedSeats: 5, seatPriceCents: 1000 });
    clock.advance();
    const x = await addUser(server, adminToken);
    const peakAt = clock.now().toISOString();
    clock.advance();
    await addUser(server, adminToken); // joins at T …
    await ok(server.gql(DEACTIVATE, { id: x.id }, adminToken)); // … and x leaves at the same T
    expect(await license(adminToken)).toMatchObject({ inUse: 2, peakThisPeriod: 2, peakAt });
  });

  it("R11/R25: each new period-high beyond the seats raises a SEAT_OVERAGE alert with the charge at today's price", async () => {
    const { adminToken } = await createOrg(server, { licenseModel: 'USER', contractedSeats: 1, seatPriceCents: 2500 });
    clock.advance();
    await addUser(server, adminToken);
    clock.advance();
    await addUser(server, adminToken);
    const page = await alerts(adminToken);
    expect(page.nodes.map((n: any) => [n.sequence, n.inUse, n.estimatedAdditionalCharge.cents])).toEqual([
      [2, 3, 5000],
      [1, 2, 2500],
    ]); // newest first
  });

  it('R10: under LOCATION, active locations are licensed and users hold none', async () => {
    const { orgId, adminToken } = await createOrg(server, {
      licenseModel: 'LOCATION',
      contractedLocations: 2,
      locationPriceCents: 9900,
      contractedSeats: 0,
    });
    await addUser(server, adminToken);
    await addUser(server, adminToken);
    expect(await license(adminToken)).toMatchObject({
      kind: 'LOCATION',
      contracted: 2,
      inUse: 0,
      available: 2,
      overage: 0,
      peakThisPeriod: 0,
      peakAt: null,
      unitPrice: { cents: 9900 },
    });
    expect((await alerts(adminToken)).totalCount).toBe(0); // users beyond contractedSeats cost nothing here

    clock.advance();
    const first = (await ok(server.gql(ADD_LOCATION, { name: 'Depot' }, adminToken))).addLocation;
    clock.advance();
    await ok(server.gql(ADD_LOCATION, { name: 'Store' }, adminToken));
    clock.advance();
    const kiosk = (await ok(server.gql(ADD_LOCATION, { name: 'Airport Kiosk' }, adminToken))).addLocation;
    const peakAt = clock.now().toISOString();
    expect(await license(adminToken)).toMatchObject({ inUse: 3, available: 0, overage: 1, peakThisPeriod: 3, peakAt });
    const [alert] = (await alerts(adminToken)).nodes;
    expect(alert).toMatchObject({
      kind: 'LOCATION_OVERAGE',
      contracted: 2,
      inUse: 3,
      estimatedAdditionalCharge: { cents: 9900, formatted: '$99.00' },
      location: { id: kiosk.id, name: 'Airport Kiosk' },
    });
    expect(alert.message).toContain('Airport Kiosk');

    clock.advance();
    await ok(server.gql(DEACTIVATE_LOCATION, { id: first.id }, adminToken));
    expect(await license(adminToken)).toMatchObject({ inUse: 2, overage: 0, available: 0, peakThisPeriod: 3, peakAt });
    // Both kinds are always on the timeline (a model change keeps its history): admin + 2 users + 3 locations + 1 deactivation.
    expect(await usageEvents(orgId)).toBe(7);
  });

  it('R11: with allowOverage false the change is refused with LICENSE_LIMIT_REACHED and nothing is written', async () => {
    const { orgId, adminId, adminToken } = await createOrg(server, {
      licenseModel: 'USER',
      contractedSeats: 2,
      seatPriceCents: 1500,
      allowOverage: false,
    });
    const member = await addUser(server, adminToken);
    const before = await usageEvents(orgId);
    const email = uniqueEmail('capped');
    const refused = await server.gql(ADD_USER, { input: { email, name: 'Third' } }, adminToken);
    expect(codes(refused)).toEqual(['LICENSE_LIMIT_REACHED']);
    const users = (await ok(server.gql(`{ organization { users { totalCount nodes { email } } } }`, {}, adminToken)))
      .organization.users;
    expect(users.totalCount).toBe(2);
    expect(users.nodes.map((u: any) => u.email)).not.toContain(email);
    expect(await usageEvents(orgId)).toBe(before);
    expect((await alerts(adminToken)).totalCount).toBe(0);

    // A freed seat can be taken (R8), but a reactivation beyond the cap is refused just the same.
    await ok(server.gql(DEACTIVATE, { id: member.id }, adminToken));
    const replacement = await addUser(server, adminToken);
    expect(codes(await server.gql(REACTIVATE, { id: member.id }, adminToken))).toEqual(['LICENSE_LIMIT_REACHED']);
    expect(await license(adminToken)).toMatchObject({ inUse: 2, overage: 0 });
    expect(replacement.id).not.toBe(adminId);

    const loc = await createOrg(server, {
      licenseModel: 'LOCATION',
      contractedLocations: 1,
      locationPriceCents: 5000,
      allowOverage: false,
    });
    await ok(server.gql(ADD_LOCATION, { name: 'One' }, loc.adminToken));
    const locBefore = await usageEvents(loc.orgId);
    expect(codes(await server.gql(ADD_LOCATION, { name: 'Two' }, loc.adminToken))).toEqual(['LICENSE_LIMIT_REACHED']);
    expect(
      (await ok(server.gql(`{ organization { locations { name } } }`, {}, loc.adminToken))).organization.locations,
    ).toEqual([{ name: 'One' }]);
    expect(await usageEvents(loc.orgId)).toBe(locBefore);
  });

  it('R4/R5: license and alerts need MANAGE_BILLING; acknowledgeAlert is tenant-scoped', async () => {
    const org = await createOrg(server, { licenseModel: 'USER', contractedSeats: 1, seatPriceCents: 700 });
    const manager = await addUser(server, org.adminToken, { role: 'MANAGER' });
    await addUser(server, org.adminToken);
    const res = await server.gql(
      `{ organization { name license { inUse } alerts { totalCount } } }`,
      {},
      manager.token,
    );
    expect(res.data.organization).toEqual({ name: 'Org', license: null, alerts: null });
    expect(codes(res)).toEqual(['FORBIDDEN', 'FORBIDDEN']);

    const page = await alerts(org.adminToken);
    expect(page.totalCount).toBe(2);
    const [newest] = page.nodes;
    const other = await createOrg(server);
    const ACK = `mutation($id: ID!) { acknowledgeAlert(id: $id) { id acknowledgedAt } }`;
    expect(codes(await server.gql(ACK, { id: newest.id }, other.adminToken))).toEqual(['NOT_FOUND']);
    expect(codes(await server.gql(ACK, { id: newest.id }, manager.token))).toEqual(['FORBIDDEN']);
    clock.advance();
    const acked = (await ok(server.gql(ACK, { id: newest.id }, org.adminToken))).acknowledgeAlert;
    expect(acked.acknowledgedAt).toBe(clock.now().toISOString());
    clock.advance();
    expect((await ok(server.gql(ACK, { id: newest.id }, org.adminToken))).acknowledgeAlert.acknowledgedAt).toBe(
      acked.acknowledgedAt,
    );

    const open = await alerts(org.adminToken, { unacknowledgedOnly: true });
    expect(open.totalCount).toBe(1);
    expect(open.nodes[0].id).not.toBe(newest.id);
    // Relay pages: one at a time, newest first, then the rest.
    const first = await alerts(org.adminToken, { first: 1 });
    expect(first.pageInfo.hasNextPage).toBe(true);
    const second = await alerts(org.adminToken, { first: 1, after: first.pageInfo.endCursor });
    expect([first.nodes[0].sequence, second.nodes[0].sequence]).toEqual([2, 1]);
    expect(second.pageInfo.hasNextPage).toBe(false);
    // Operators read any organization's license.
    expect((await ok(server.gql(LICENSE, { id: org.orgId }, server.operatorToken))).organization.license).toMatchObject(
      { kind: LicenseKind.USER, inUse: 3, overage: 2 },
    );
  });

  it('R9: the dashboard reads the usage aggregates kept on write, and they equal the recomputation from the timeline', async () => {
    const { orgId, adminToken } = await createOrg(server, {
      licenseModel: 'USER',
      contractedSeats: 2,
      seatPriceCents: 1000,
    });
    clock.advance();
    const a = await addUser(server, adminToken);
    clock.advance();
    const b = await addUser(server, adminToken);
    clock.advance();
    await ok(server.gql(DEACTIVATE, { id: a.id }, adminToken)); // a transfer: one leaves, one joins at one instant
    await addUser(server, adminToken);
    // A new period (the aggregate starts from the timeline), then more usage in it, the clock once going back.
    clock.advance();
    await ok(
      server.gql(
        `mutation($id: ID!) { closeBillingPeriod(organizationId: $id) { id } }`,
        { id: orgId },
        server.operatorToken,
      ),
    );
    clock.advance();
    await ok(server.gql(DEACTIVATE, { id: b.id }, adminToken));
    clock.advance();
    await ok(server.gql(REACTIVATE, { id: a.id }, adminToken));
    await addUser(server, adminToken);
    clock.advance(-1500);
    await ok(server.gql(DEACTIVATE, { id: a.id }, adminToken));
    clock.advance(3000);

    const dashboard = (
      await ok(
        server.gql(
          `{ organization {
      license { inUse peakThisPeriod peakAt }
      upcomingInvoice { lineItems { kind quantity peakAt } }
    } }`,
          {},
          adminToken,
        ),
      )
    ).organization;
    const { dataSource, services } = server.app;
    const period = (await services.organizations.currentPeriod(dataSource.manager, orgId))!;
    expect(
      await dataSource.manager.count(UsageAggregate, { where: { organizationId: orgId, periodId: period.id } }),
    ).toBe(2);
    const whole = await services.usage.peak(dataSource.manager, orgId, LicenseKind.USER, period.start, period.end);
    const soFar = await services.usage.peak(dataSource.manager, orgId, LicenseKind.USER, period.start, clock.now());
    const inUse = await services.licenses.inUse(dataSource.manager, orgId, LicenseKind.USER);
    expect(dashboard.license).toEqual({
      inUse,
      peakThisPeriod: whole.peak,
      peakAt: whole.peakAt?.toISOString() ?? null,
    });
    expect(dashboard.upcomingInvoice.lineItems).toEqual([
      { kind: 'SEATS', quantity: 2, peakAt: soFar.peakAt?.toISOString() ?? null },
      { kind: 'SEAT_OVERAGE', quantity: soFar.peak - 2, peakAt: soFar.peakAt?.toISOString() ?? null },
    ]);
    // The deactivation recorded 1.5 s back lands before b's: the new period never climbs back above its start.
    expect(whole).toEqual({ peak: 3, peakAt: period.start });
  });
});
