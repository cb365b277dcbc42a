import { addUser, codes, createOrg, DRIVERS, ok, OrgFixture, startServer, TestServer } from '../support/harness';
import { DAY, HOUR, ManualClock } from '../support/clock';
import { assign, grant, START } from './credits-support';

const FORECAST = /* GraphQL */ `
  query Forecast($id: ID) {
    organization(id: $id) {
      name
      forecast {
        creditBurnPerDay
        creditsExhaustedAt
        projectedInvoiceTotal {
          cents
          currency
        }
      }
      creditBalance {
        available
      }
      upcomingInvoice {
        total {
          cents
        }
      }
    }
  }
`;

describe.each(DRIVERS)('R28: the billing forecast over HTTP on %s', (driver) => {
  let server: TestServer;
  const clock = new ManualClock(new Date('2026-03-01T09:00:00.000Z'));

  beforeAll(async () => {
    server = await startServer(driver, {
      appOptions: { clock },
      config: { logLevel: process.env.TEST_LOG_LEVEL ?? 'silent' },
    });
  });
  afterAll(() => server.close());

  async function forecastOf(token: string, id?: string) {
    const { organization } = await ok(server.gql(FORECAST, { id: id ?? null }, token));
    return {
      forecast: organization.forecast,
      upcomingCents: organization.upcomingInvoice.total.cents as number,
      available: organization.creditBalance.available as number,
    };
  }

  /** Starts `count` trainings of one credit each, assigned to the admin. */
  async function consume(org: OrgFixture, count: number) {
    for (let i = 0; i < count; i++) {
      const id = await assign(server, org.adminToken, org.adminId, 1);
      await ok(server.gql(START, { id }, org.adminToken));
    }
  }

  it('R28: no consumption: burn 0, never exhausted, the upcoming invoice total projected as it is', async () => {
    clock.set('2026-03-01T09:00:00.000Z');
    const org = await createOrg(server, { licenseModel: 'USER', contractedSeats: 2, seatPriceCents: 1500 });
    await addUser(server, org.adminToken); // 2 users on a contract of 2
    await grant(server, org.orgId, 10);
    const { forecast, upcomingCents } = await forecastOf(org.adminToken);
    expect(upcomingCents).toBeGreaterThan(0);
    expect(forecast).toEqual({
      creditBurnPerDay: 0,
      creditsExhaustedAt: null,
      projectedInvoiceTotal: { cents: upcomingCents, currency: 'USD' },
    });
  });

  it('R28: less than a day of use counts as a day; the burn to the period end beyond the balance is projected overage', async () => {
    clock.set('2026-03-01T09:00:00.000Z'); // the monthly period: to 2026-04-01T09:00
    const org = await createOrg(server, { licenseModel: 'USER', contractedSeats: 2, seatPriceCents: 1500 });
    await grant(server, org.orgId, 10);
    await consume(org, 3);
    clock.advance(6 * HOUR);
    let got = await forecastOf(org.adminToken);
    expect(got.available).toBe(7);
    // 3 credits in 6 hours: one day's worth, 3 a day; 7 left last 7/3 days
    expect(got.forecast.creditBurnPerDay).toBe(3);
    expect(got.forecast.creditsExhaustedAt).toBe(new Date(clock.current.getTime() + (7 * DAY) / 3).toISOString());
    // 30.75 days left × 3 = 92.25, beyond the 7 available: 86 credits at $10.00
    expect(got.forecast.projectedInvoiceTotal.cents).toBe(got.upcomingCents + 86 * 1000);

    // Two days later 10 more: 7 from the balance, 3 as overage (already on the upcoming invoice)
    clock.advance(2 * DAY);
    await consume(org, 10);
    got = await forecastOf(org.adminToken);
    expect(got.available).toBe(0);
    // 13 credits over 2.25 days since the first consumption
    expect(got.forecast.creditBurnPerDay).toBeCloseTo(13 / 2.25, 12);
    expect(got.forecast.creditsExhaustedAt).toBe(clock.current.toISOString()); // nothing available: now
    // 28.75 days left × 13/2.25 = 166.1: 167 credits more at $10.00
    expect(got.forecast.projectedInvoiceTotal.cents).toBe(got.upcomingCents + 167 * 1000);
  });

  it('R28: the burn looks back 30 days: older use is left out and the divisor is 30', async () => {
    clock.set('2026-03-01T09:00:00.000Z');
    const org = await createOrg(server, {
      licenseModel: 'USER',
      contractedSeats: 2,
      seatPriceCents: 1500,
      billingInterval: 'ANNUAL', // the period runs to 2027-03-01T09:00: 365 days
    });
    await grant(server, org.orgId, 20);
    await consume(org, 6);
    clock.advance(10 * DAY);
    await consume(org, 3);
    clock.advance(25 * DAY); // day 35: the 6 credits of day 0 are outside the window, the 3 of day 10 inside
    const got = await forecastOf(org.adminToken);
    expect(got.available).toBe(11);
    expect(got.forecast.creditBurnPerDay).toBeCloseTo(0.1, 12);
    expect(got.forecast.creditsExhaustedAt).toBe(new Date(clock.current.getTime() + 110 * DAY).toISOString());
    // 330 days left × 0.1 = 33, 11 available: 22 credits more
    expect(got.forecast.projectedInvoiceTotal.cents).toBe(got.upcomingCents + 22 * 1000);
  });

  it('R4: without MANAGE_BILLING the forecast is FORBIDDEN (null) and the rest still resolves; operators see any', async () => {
    clock.set('2026-03-01T09:00:00.000Z');
    const org = await createOrg(server);
    const employee = await addUser(server, org.adminToken, { role: 'EMPLOYEE' });
    const res = await server.gql(`{ organization { name forecast { creditBurnPerDay } } }`, {}, employee.token);
    expect(codes(res)).toEqual(['FORBIDDEN']);
    expect(res.errors![0].path).toEqual(['organization', 'forecast']);
    expect(res.data.organization).toEqual({ name: 'Org', forecast: null });

    const asOperator = await forecastOf(server.operatorToken, org.orgId);
    expect(asOperator.forecast).toEqual({
      creditBurnPerDay: 0,
      creditsExhaustedAt: null,
      projectedInvoiceTotal: { cents: asOperator.upcomingCents, currency: 'USD' },
    });
  });

  it('R21: a terminated organization (no open period) has no forecast and an empty usage series', async () => {
    clock.set('2026-03-01T09:00:00.000Z');
    const org = await createOrg(server);
    await ok(server.gql(`mutation { requestTermination(reason: "Moving on") { status } }`, {}, org.adminToken));
    clock.set('2026-03-05T09:00:00.000Z');
    await ok(
      server.gql(
        `mutation($id: ID!) { finalizeTermination(organizationId: $id) { status } }`,
        { id: org.orgId },
        server.operatorToken,
      ),
    );
    const after = await ok(
      server.gql(
        `{ organization { forecast { creditBurnPerDay } license { series(bucket: DAY) { start } } } }`,
        {},
        org.adminToken,
      ),
    );
    expect(after.organization).toEqual({ forecast: null, license: { series: [] } });
    const ranged = await server.gql(
      `{ organization { license { series(bucket: DAY, from: "2026-03-02T00:00:00Z") { start } } } }`,
      {},
      org.adminToken,
    );
    expect(ranged.errors!.map((e) => [e.extensions?.code, e.extensions?.field])).toEqual([['BAD_USER_INPUT', 'from']]);
  });

  it("R5: another organization's forecast is NOT_FOUND", async () => {
    const mine = await createOrg(server);
    const theirs = await createOrg(server);
    const res = await server.gql(FORECAST, { id: theirs.orgId }, mine.adminToken);
    expect(codes(res)).toEqual(['NOT_FOUND']);
    expect(res.data?.organization ?? null).toBeNull();
  });
});
