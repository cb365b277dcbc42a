import { addUser, codes, createOrg, DRIVERS, ok, OrgFixture, startServer, TestServer } from '../support/harness';
import { HOUR, MINUTE, ManualClock } from '../support/clock';
import { assign, grant, newKey, PURCHASE, SET_CARD, START } from '../credits/credits-support';

const INVOICE = /* GraphQL */ `
  fragment Priced on Invoice {
    id
    status
    total {
      cents
    }
    lineItems {
      kind
      description
      quantity
      unitPrice {
        cents
      }
      amount {
        cents
      }
      peakAt
    }
  }
`;

const PREVIEW = /* GraphQL */ `
  query PreviewBillingChange($input: BillingChangeInput!, $organizationId: ID) {
    previewBillingChange(input: $input, organizationId: $organizationId) {
      current {
        ...Priced
      }
      proposed {
        ...Priced
      }
      difference {
        cents
      }
      chargedNow {
        cents
      }
      alerts
      allowed
    }
  }
  ${INVOICE}
`;

const UPCOMING = /* GraphQL */ `
  query Upcoming($id: ID) {
    organization(id: $id) {
      upcomingInvoice {
        ...Priced
      }
      alerts(first: 50) {
        nodes {
          kind
        }
      }
    }
  }
  ${INVOICE}
`;

const UPDATE_CONTRACT = /* GraphQL */ `
  mutation UpdateContract($input: ContractInput!, $organizationId: ID!) {
    updateContract(input: $input, organizationId: $organizationId) {
      contractedSeats
    }
  }
`;

const ADD_LOCATION = /* GraphQL */ `
  mutation AddLocation($name: String!) {
    addLocation(input: { name: $name }) {
      id
    }
  }
`;

const DEACTIVATE_USER = /* GraphQL */ `
  mutation DeactivateUser($id: ID!) {
    deactivateUser(id: $id) {
      status
    }
  }
`;

const DEACTIVATE_LOCATION = /* GraphQL */ `
  mutation DeactivateLocation($id: ID!) {
    deactivateLocation(id: $id) {
      status
    }
  }
`;

interface Priced {
  id: string;
  status: string;
  total: { cents: number };
  lineItems: Array<{ kind: string; quantity: number; amount: { cents: number }; peakAt: string | null }>;
}

interface Preview {
  current: Priced;
  proposed: Priced;
  difference: { cents: number };
  chargedNow: { cents: number };
  alerts: string[];
  allowed: boolean;
}

/** The invoice without its id: what must agree between a preview and the invoice the real change gives. */
const priced = ({ id: _id, ...rest }: Priced) => rest;

describe.each(DRIVERS)('R32: previewBillingChange over HTTP on %s', (driver) => {
  let server: TestServer;
  const clock = new ManualClock(new Date('2026-03-01T09:00:00.000Z'));

  beforeAll(async () => {
    server = await startServer(driver, {
      appOptions: { clock },
      config: { logLevel: process.env.TEST_LOG_LEVEL ?? 'silent' },
    });
  });
  afterAll(() => server.close());

  const q = (sql: string) => server.app.dataSource.query(sql) as Promise<Array<Record<string, unknown>>>;

  /** Every table of the database (listed from the catalog, so a table added later is counted too) and its row count. */
  async function rowCounts(): Promise<Record<string, number>> {
    const tables =
      driver === 'sqlite'
        ? await q("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")
        : await q(
            "SELECT TABLE_NAME AS name FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_TYPE = 'BASE TABLE' ORDER BY TABLE_NAME",
          );
    const counts: Record<string, number> = {};
    for (const { name } of tables) {
      const quoted = driver === 'sqlite' ? `"${String(name)}"` : `\`${String(name)}\``;
      const [row] = await q(`SELECT COUNT(*) AS n FROM ${quoted}`);
      counts[String(name)] = Number(row.n);
    }
    return counts;
  }

  /** Runs the previews and proves they wrote nothing: every table holds as many rows as before. */
  async function previewWritingNothing(token: string, ...inputs: Array<Record<string, unknown>>): Promise<Preview[]> {
    const before = await rowCounts();
    expect(Object.keys(before).length).toBeGreaterThan(20);
    const previews: Preview[] = [];
    for (const input of inputs) previews.push((await ok(server.gql(PREVIEW, { input }, token))).previewBillingChange);
    expect(await rowCounts()).toEqual(before);
    return previews;
  }

  async function upcoming(token: string): Promise<{ invoice: Priced; alerts: string[] }> {
    const { organization } = await ok(server.gql(UPCOMING, {}, token));
    return {
      invoice: organization.upcomingInvoice,
      alerts: organization.alerts.nodes.map((a: { kind: string }) => a.kind),
    };
  }

  async function addLocation(org: OrgFixture, name: string): Promise<string> {
    return (await ok(server.gql(ADD_LOCATION, { name }, org.adminToken))).addLocation.id;
  }

  it('R32: seats added now are priced through the upcoming invoice lines, write nothing, and the real change gives the proposed invoice', async () => {
    clock.set('2026-03-01T09:00:00.000Z');
    const org = await createOrg(server, { licenseModel: 'USER', contractedSeats: 2, seatPriceCents: 1500 });
    await addUser(server, org.adminToken); // 2 active on a contract of 2
    clock.advance(HOUR);
    const now = clock.current.toISOString();

    const [preview, again] = await previewWritingNothing(org.adminToken, { seatDelta: 3 }, { seatDelta: 3 });
    expect(preview.current).toEqual((await upcoming(org.adminToken)).invoice);
    expect(preview.current.total.cents).toBe(2 * 1500);
    expect(preview.proposed.status).toBe('DRAFT');
    expect(preview.proposed.lineItems.map((l) => [l.kind, l.quantity, l.amount.cents, l.peakAt])).toEqual([
      ['SEATS', 2, 3000, now],
      ['SEAT_OVERAGE', 3, 4500, now], // the peak becomes 5 at this instant
    ]);
    expect(preview.proposed.total.cents).toBe(7500);
    expect(preview.difference.cents).toBe(7500 - 3000);
    expect(preview.chargedNow.cents).toBe(0);
    expect(preview.alerts).toEqual(['SEAT_OVERAGE']);
    expect(preview.allowed).toBe(true);
    // Its own id, derived from the current one and stable for one change; another change, another id.
    expect(preview.proposed.id).not.toBe(preview.current.id);
    expect(preview.proposed.id.startsWith(`${preview.current.id}:preview-`)).toBe(true);
    expect(again.proposed.id).toBe(preview.proposed.id);
    const [other] = await previewWritingNothing(org.adminToken, { seatDelta: 2 });
    expect(other.proposed.id).not.toBe(preview.proposed.id);
    expect(other.proposed.total.cents).toBe(6000);

    // The change for real, at the same instant; the upcoming invoice read a minute later is the proposed one.
    for (let i = 0; i < 3; i++) await addUser(server, org.adminToken);
    clock.advance(MINUTE);
    const after = await upcoming(org.adminToken);
    expect(after.invoice).toEqual({ ...priced(preview.proposed), id: preview.current.id });
    expect([...new Set(after.alerts)]).toEqual(preview.alerts);
  });

  it('R32: a contract change alone, and with seats removed: the difference, the resolution it would raise, and the same invoice for real', async () => {
    clock.set('2026-03-02T09:00:00.000Z');
    const org = await createOrg(server, { licenseModel: 'USER', contractedSeats: 2, seatPriceCents: 1500 });
    const users = [];
    for (let i = 0; i < 3; i++) users.push(await addUser(server, org.adminToken)); // 4 active: SEAT_OVERAGE open
    clock.advance(HOUR);

    const [alone, combined] = await previewWritingNothing(
      org.adminToken,
      { contract: { licenseModel: 'USER', contractedSeats: 5, seatPriceCents: 1000 } },
      { contract: { licenseModel: 'USER', contractedSeats: 3 }, seatDelta: -1 },
    );
    expect(alone.current.total.cents).toBe(4 * 1500);
    expect(alone.proposed.lineItems.map((l) => [l.kind, l.quantity, l.amount.cents])).toEqual([['SEATS', 5, 5000]]);
    expect(alone.difference.cents).toBe(5000 - 6000);
    expect(alone.alerts).toEqual(['SEAT_OVERAGE_RESOLVED']);
    // 3 in use on 3 seats resolves; the period's peak of 4 stays billed (R9, R25).
    expect(combined.proposed.lineItems.map((l) => [l.kind, l.quantity, l.amount.cents])).toEqual([
      ['SEATS', 3, 4500],
      ['SEAT_OVERAGE', 1, 1500],
    ]);
    expect(combined.difference.cents).toBe(0);
    expect(combined.alerts).toEqual(['SEAT_OVERAGE_RESOLVED']);
    expect(combined.proposed.id).not.toBe(alone.proposed.id);

    await ok(
      server.gql(
        UPDATE_CONTRACT,
        { input: { licenseModel: 'USER', contractedSeats: 3 }, organizationId: org.orgId },
        server.operatorToken,
      ),
    );
    await ok(server.gql(DEACTIVATE_USER, { id: users[0].id }, org.adminToken));
    clock.advance(MINUTE);
    const after = await upcoming(org.adminToken);
    expect(after.invoice).toEqual({ ...priced(combined.proposed), id: combined.current.id });
    expect(after.alerts[0]).toBe('SEAT_OVERAGE_RESOLVED'); // newest first
  });

  it('R32: locations on a LOCATION contract; a seat delta there is priced as no change (R10)', async () => {
    clock.set('2026-03-03T09:00:00.000Z');
    const org = await createOrg(server, { licenseModel: 'LOCATION', contractedLocations: 1, locationPriceCents: 5000 });
    await addLocation(org, 'Depot');
    clock.advance(HOUR);

    const [locations, seats, both] = await previewWritingNothing(
      org.adminToken,
      { locationDelta: 2 },
      { seatDelta: 2 },
      { locationDelta: 2, seatDelta: 2 },
    );
    expect(locations.proposed.lineItems.map((l) => [l.kind, l.quantity, l.amount.cents])).toEqual([
      ['LOCATIONS', 1, 5000],
      ['LOCATION_OVERAGE', 2, 10000],
    ]);
    expect(locations.difference.cents).toBe(10000);
    expect(locations.alerts).toEqual(['LOCATION_OVERAGE']);
    expect(priced(seats.proposed)).toEqual(priced(seats.current));
    expect(seats.difference.cents).toBe(0);
    expect(seats.alerts).toEqual([]);
    expect(priced(both.proposed)).toEqual(priced(locations.proposed));

    await addLocation(org, 'North');
    await addLocation(org, 'South');
    await addUser(server, org.adminToken);
    await addUser(server, org.adminToken);
    clock.advance(MINUTE);
    const after = await upcoming(org.adminToken);
    expect(after.invoice).toEqual({ ...priced(both.proposed), id: both.current.id });
    expect([...new Set(after.alerts)]).toEqual(both.alerts);
  });

  it('R32: a credit purchase charges at once what purchaseCredits then charges, leaves the invoice as it is, and recovers low credits', async () => {
    clock.set('2026-03-04T09:00:00.000Z');
    const org = await createOrg(server, { licenseModel: 'USER', contractedSeats: 2, seatPriceCents: 1500 });
    await ok(server.gql(SET_CARD, { token: 'tok_visa' }, org.adminToken));
    await grant(server, org.orgId, 10);
    for (let i = 0; i < 10; i++)
      await ok(server.gql(START, { id: await assign(server, org.adminToken, org.adminId) }, org.adminToken));
    clock.advance(HOUR); // balance 0: CREDITS_LOW and CREDITS_DEPLETED open

    const [preview, combined] = await previewWritingNothing(
      org.adminToken,
      { creditPurchase: 150 },
      { creditPurchase: 150, contract: { licenseModel: 'USER', creditUnitPriceCents: 2000 }, seatDelta: 1 },
    );
    expect(preview.chargedNow.cents).toBe(135000); // 150 × $10.00, 10 % off (R12)
    expect(preview.difference.cents).toBe(0); // charged at once, never on the invoice (R13)
    expect(priced(preview.proposed)).toEqual(priced(preview.current));
    expect(preview.alerts).toEqual(['CREDITS_RECOVERED']);
    // Combined, the purchase follows the contract change: at its credit price. The seat fits the contract.
    expect(combined.chargedNow.cents).toBe(270000);
    expect(combined.difference.cents).toBe(0);
    expect(combined.alerts).toEqual(['CREDITS_RECOVERED']);

    const { purchaseCredits } = await ok(
      server.gql(PURCHASE, { quantity: 150, key: newKey('preview') }, org.adminToken),
    );
    expect(purchaseCredits.payment.status).toBe('SUCCEEDED');
    expect(purchaseCredits.payment.amount.cents).toBe(preview.chargedNow.cents);
    expect(purchaseCredits.total.cents).toBe(preview.chargedNow.cents);
    clock.advance(MINUTE);
    const after = await upcoming(org.adminToken);
    expect(after.invoice).toEqual({ ...priced(preview.proposed), id: preview.current.id });
    expect(after.alerts[0]).toBe('CREDITS_RECOVERED');
    // Nothing low is open any more: a further purchase recovers nothing.
    const [later] = await previewWritingNothing(org.adminToken, { creditPurchase: 1 });
    expect(later.alerts).toEqual([]);
    expect(later.chargedNow.cents).toBe(1000);
  });

  it('R32, R11: with allowOverage false the change is not allowed (no error, no alert) and the real one is refused', async () => {
    clock.set('2026-03-05T09:00:00.000Z');
    const org = await createOrg(server, {
      licenseModel: 'USER',
      contractedSeats: 2,
      seatPriceCents: 1500,
      allowOverage: false,
    });
    await addUser(server, org.adminToken); // 2 of 2
    clock.advance(HOUR);

    const [refused, raised, fits] = await previewWritingNothing(
      org.adminToken,
      { seatDelta: 1 },
      { seatDelta: 1, contract: { licenseModel: 'USER', contractedSeats: 3 } },
      { seatDelta: 1, contract: { licenseModel: 'USER', allowOverage: true } },
    );
    expect(refused.allowed).toBe(false);
    expect(refused.alerts).toEqual([]);
    expect(refused.proposed.total.cents).toBe(4500); // what it would cost were it allowed
    expect(raised.allowed).toBe(true);
    expect(raised.alerts).toEqual([]);
    expect(fits.allowed).toBe(true);
    expect(fits.alerts).toEqual(['SEAT_OVERAGE']);

    const real = await server.gql(
      `mutation { addUser(input: { email: "late@example.com", name: "Late" }) { id } }`,
      {},
      org.adminToken,
    );
    expect(codes(real)).toEqual(['LICENSE_LIMIT_REACHED']);
  });

  it('R32, R26: the alert rules the change would cross or resolve, as the real change then does', async () => {
    clock.set('2026-03-05T12:00:00.000Z');
    const org = await createOrg(server, { licenseModel: 'USER', contractedSeats: 2, seatPriceCents: 1500 });
    const CREATE_RULE = `mutation($input: AlertRuleInput!) { createAlertRule(input: $input) { id crossed } }`;
    for (const input of [
      { metric: 'SEATS_IN_USE', direction: 'ABOVE', threshold: 2, channels: ['DASHBOARD'] },
      { metric: 'UPCOMING_INVOICE_TOTAL_CENTS', direction: 'ABOVE', threshold: 5000, channels: ['DASHBOARD'] },
      { metric: 'CREDITS_AVAILABLE', direction: 'BELOW', threshold: 5, channels: ['DASHBOARD'] },
    ])
      await ok(server.gql(CREATE_RULE, { input }, org.adminToken));
    // 1 active, a $30.00 invoice, no credits: CREDITS_AVAILABLE BELOW 5 holds already (crossed at creation).
    clock.advance(HOUR);

    const [within, over, pricey, credits] = await previewWritingNothing(
      org.adminToken,
      { seatDelta: 1 }, // 2 in use: not above 2
      { seatDelta: 2 }, // 3 in use; $45.00
      { seatDelta: 3 }, // 4 in use; $60.00, above $50.00 too
      { creditPurchase: 10 }, // 10 available: no longer below 5
    );
    expect(within.alerts).toEqual([]);
    expect(over.alerts).toEqual(['SEAT_OVERAGE', 'THRESHOLD_CROSSED']);
    expect(pricey.alerts).toEqual(['SEAT_OVERAGE', 'THRESHOLD_CROSSED']);
    expect(credits.alerts).toEqual(['THRESHOLD_RESOLVED']);

    for (let i = 0; i < 2; i++) await addUser(server, org.adminToken);
    clock.advance(MINUTE);
    const after = await upcoming(org.adminToken);
    expect(after.invoice).toEqual({ ...priced(over.proposed), id: over.current.id });
    expect(after.alerts.filter((kind) => kind === 'THRESHOLD_CROSSED')).toHaveLength(2); // the credits rule, the seats rule

    const [back] = await previewWritingNothing(org.adminToken, { seatDelta: -1 });
    expect(back.alerts).toEqual(['SEAT_OVERAGE_RESOLVED', 'THRESHOLD_RESOLVED']);
  });

  it('R32, R17: past the period end, before the period closes, licenses changed now belong to the next period', async () => {
    clock.set('2026-03-06T00:00:00.000Z'); // monthly: the period ends 2026-04-06T00:00
    const org = await createOrg(server, { licenseModel: 'USER', contractedSeats: 1, seatPriceCents: 1500 });
    clock.set('2026-04-06T01:00:00.000Z'); // the scheduler (off in tests) has not closed it
    const [preview] = await previewWritingNothing(org.adminToken, {
      seatDelta: 2,
      contract: { licenseModel: 'USER', seatPriceCents: 2000 },
    });
    // The contract is read when the period closes, so its price applies; the seats come after the period.
    expect(preview.proposed.lineItems.map((l) => [l.kind, l.quantity, l.amount.cents])).toEqual([['SEATS', 1, 2000]]);
    expect(preview.difference.cents).toBe(500);

    await ok(
      server.gql(
        UPDATE_CONTRACT,
        { input: { licenseModel: 'USER', seatPriceCents: 2000 }, organizationId: org.orgId },
        server.operatorToken,
      ),
    );
    for (let i = 0; i < 2; i++) await addUser(server, org.adminToken);
    clock.advance(MINUTE);
    expect((await upcoming(org.adminToken)).invoice).toEqual({ ...priced(preview.proposed), id: preview.current.id });
  });

  it('R32: bad input answers what the real change answers, and writes nothing', async () => {
    clock.set('2026-03-06T09:00:00.000Z');
    const org = await createOrg(server, { licenseModel: 'USER', contractedSeats: 2, seatPriceCents: 1500 });
    const user = await addUser(server, org.adminToken); // 2 active: the admin and one more
    const depot = await addLocation(org, 'Depot');
    const before = await rowCounts();
    const preview = (input: Record<string, unknown>) => server.gql(PREVIEW, { input }, org.adminToken);

    // Deactivating every active user leaves no billing manager (R3), as deactivating them one by one would.
    expect(codes(await preview({ seatDelta: -2 }))).toEqual(['LAST_BILLING_MANAGER']);
    expect(codes(await preview({ seatDelta: -3 }))).toEqual(['LAST_BILLING_MANAGER']);
    expect((await ok(preview({ seatDelta: -1 }))).previewBillingChange.allowed).toBe(true);
    // More locations than are active: deactivateLocation's CONFLICT.
    const tooMany = await preview({ locationDelta: -2 });
    expect(codes(tooMany)).toEqual(['CONFLICT']);
    expect(tooMany.data?.previewBillingChange ?? null).toBeNull();
    // A contract updateContract refuses, refused the same way.
    const badTerms = { licenseModel: 'USER', contractedSeats: -1 };
    const badContract = await preview({ contract: badTerms });
    const realContract = await server.gql(
      UPDATE_CONTRACT,
      { input: badTerms, organizationId: org.orgId },
      server.operatorToken,
    );
    expect(codes(badContract)).toEqual(['BAD_USER_INPUT']);
    expect(codes(realContract)).toEqual(['BAD_USER_INPUT']);
    // The same field, named by its path in the input (BillingChangeInput.contract), and the same message.
    expect(badContract.errors![0].extensions!.field).toBe(`contract.${realContract.errors![0].extensions!.field}`);
    expect(badContract.errors![0].message).toBe(realContract.errors![0].message);
    // A purchase purchaseCredits refuses.
    for (const quantity of [0, -5]) {
      const bad = await preview({ creditPurchase: quantity });
      const real = await server.gql(PURCHASE, { quantity, key: newKey('bad') }, org.adminToken);
      expect(codes(bad)).toEqual(['BAD_USER_INPUT']);
      expect(codes(real)).toEqual(['BAD_USER_INPUT']);
      expect(bad.errors![0].message).toBe(real.errors![0].message);
    }
    // R34: beyond the bound of active licenses, as addUser would answer; beyond the bound of the input, BAD_USER_INPUT.
    expect(codes(await preview({ seatDelta: 10_000_000 }))).toEqual(['LICENSE_LIMIT_REACHED']);
    const huge = await preview({ locationDelta: 10_000_001 });
    expect(codes(huge)).toEqual(['BAD_USER_INPUT']);
    expect(huge.errors![0].extensions!.field).toBe('locationDelta');
    expect(await rowCounts()).toEqual(before);

    // The real ones, for comparison.
    await ok(server.gql(DEACTIVATE_USER, { id: user.id }, org.adminToken));
    expect(codes(await server.gql(DEACTIVATE_USER, { id: org.adminId }, org.adminToken))).toEqual([
      'LAST_BILLING_MANAGER',
    ]);
    await ok(server.gql(DEACTIVATE_LOCATION, { id: depot }, org.adminToken));
    expect(codes(await server.gql(DEACTIVATE_LOCATION, { id: depot }, org.adminToken))).toEqual(['CONFLICT']);
  });

  it('R5, R4, R21: another organization is NOT_FOUND; without MANAGE_BILLING FORBIDDEN; operators name the organization; terminated refuses', async () => {
    clock.set('2026-03-07T09:00:00.000Z');
    const org = await createOrg(server, { licenseModel: 'USER', contractedSeats: 2, seatPriceCents: 1500 });
    const other = await createOrg(server, { licenseModel: 'USER', contractedSeats: 2, seatPriceCents: 1500 });
    const input = { seatDelta: 1 };

    const foreign = await server.gql(PREVIEW, { input, organizationId: other.orgId }, org.adminToken);
    expect(codes(foreign)).toEqual(['NOT_FOUND']);
    const unknown = await server.gql(PREVIEW, { input, organizationId: 'no-such-organization' }, org.adminToken);
    expect(codes(unknown)).toEqual(['NOT_FOUND']);

    const employee = await addUser(server, org.adminToken, { role: 'EMPLOYEE' });
    const forbidden = await server.gql(PREVIEW, { input }, employee.token);
    expect(codes(forbidden)).toEqual(['FORBIDDEN']);
    expect(forbidden.data?.previewBillingChange ?? null).toBeNull();

    const operator = await ok(server.gql(PREVIEW, { input, organizationId: other.orgId }, server.operatorToken));
    expect(operator.previewBillingChange.current.total.cents).toBe(3000);
    expect(operator.previewBillingChange.proposed.total.cents).toBe(3000); // 2 active on 2 seats
    expect(codes(await server.gql(PREVIEW, { input }, server.operatorToken))).toEqual(['NOT_FOUND']);

    // R21: a terminated organization refuses every change, so its preview too.
    await ok(server.gql(`mutation { requestTermination { status } }`, {}, other.adminToken));
    await ok(
      server.gql(
        `mutation($id: ID!) { finalizeTermination(organizationId: $id) { status } }`,
        { id: other.orgId },
        server.operatorToken,
      ),
    );
    expect(codes(await server.gql(PREVIEW, { input }, other.adminToken))).toEqual(['ORGANIZATION_TERMINATED']);
  });
});
