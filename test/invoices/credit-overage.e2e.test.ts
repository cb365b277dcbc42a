import { assign, BALANCE, START } from '../credits/credits-support';
import { DAY, HOUR, ManualClock } from '../support/clock';
import { addUser, createOrg, DRIVERS, ok, OrgFixture, startServer, TestServer } from '../support/harness';

const LINES = `lineItems { kind quantity unitPrice { cents } amount { cents } } total { cents }`;

interface Line {
  kind: string;
  quantity: number;
  unitPrice: { cents: number };
  amount: { cents: number };
}

/**
 * R15, R17, R18: a period's credit overage has one definition — the overage recorded while the period was open —
 * so the dashboard (creditBalance, upcomingInvoice) and the issued invoice always agree: across a price change
 * mid-period, and for usage recorded after the period's end but before it was closed.
 */
describe.each(DRIVERS)('credit overage: dashboard and invoice agree (R15, R17, R18) on %s', (driver) => {
  let server: TestServer;
  const clock = new ManualClock(new Date('2026-07-01T09:00:00.000Z'));
  beforeAll(async () => {
    server = await startServer(driver, { appOptions: { clock } });
  });
  afterAll(async () => {
    await server.close();
  });

  const dashboard = async (org: OrgFixture) => {
    const balance = (await ok(server.gql(BALANCE, {}, org.adminToken))).organization.creditBalance;
    const upcoming = (await ok(server.gql(`{ organization { upcomingInvoice { ${LINES} } } }`, {}, org.adminToken)))
      .organization.upcomingInvoice;
    return {
      overage: balance.overageThisPeriod as number,
      charge: balance.overageCharge.cents as number,
      upcomingLines: creditOverage(upcoming.lineItems),
    };
  };
  const creditOverage = (lines: Line[]) => lines.filter((line) => line.kind === 'CREDIT_OVERAGE');
  const useAtZeroBalance = async (org: OrgFixture, userId: string, credits: number) => {
    clock.advance(HOUR);
    const id = await assign(server, org.adminToken, userId, credits);
    expect((await ok(server.gql(START, { id }, org.adminToken))).startTraining).toMatchObject({
      creditsFromBalance: 0,
      creditsOverage: credits,
    });
  };
  const setCreditPrice = (org: OrgFixture, cents: number) =>
    ok(
      server.gql(
        `mutation($id: ID!, $cents: Int!) { updateContract(organizationId: $id, input: { licenseModel: USER, creditUnitPriceCents: $cents }) { licenseModel } }`,
        { id: org.orgId, cents },
        server.operatorToken,
      ),
    );
  const line = (quantity: number, cents: number): Line => ({
    kind: 'CREDIT_OVERAGE',
    quantity,
    unitPrice: { cents },
    amount: { cents: quantity * cents },
  });

  it("R15/R17: a price change mid-period and usage after the period's end but before its close are billed as the dashboard showed them", async () => {
    clock.current = new Date('2026-07-01T09:00:00.000Z');
    const org = await createOrg(server); // credits at the $10.00 list price; the period ends Aug 1, 09:00
    const employee = await addUser(server, org.adminToken);

    await useAtZeroBalance(org, employee.id, 2); // 2 at $10.00
    await setCreditPrice(org, 1250);
    await useAtZeroBalance(org, employee.id, 3); // 3 at $12.50
    expect(await dashboard(org)).toEqual({
      overage: 5,
      charge: 2000 + 3750,
      upcomingLines: [line(2, 1000), line(3, 1250)],
    });

    // The period has ended but the scheduler has not closed it yet: the usage still belongs to it.
    clock.current = new Date('2026-08-01T12:00:00.000Z');
    await useAtZeroBalance(org, employee.id, 1);
    const beforeClose = await dashboard(org);
    expect(beforeClose).toEqual({ overage: 6, charge: 2000 + 5000, upcomingLines: [line(2, 1000), line(4, 1250)] });

    clock.advance(HOUR);
    const invoice = (
      await ok(
        server.gql(
          `mutation($id: ID!) { closeBillingPeriod(organizationId: $id) { periodEnd ${LINES} } }`,
          { id: org.orgId },
          server.operatorToken,
        ),
      )
    ).closeBillingPeriod;
    expect(invoice.periodEnd).toBe('2026-08-01T09:00:00.000Z');
    const issued = creditOverage(invoice.lineItems);
    expect(issued).toEqual(beforeClose.upcomingLines);
    expect(issued.reduce((sum: number, l: Line) => sum + l.quantity, 0)).toBe(beforeClose.overage);
    expect(issued.reduce((sum: number, l: Line) => sum + l.amount.cents, 0)).toBe(beforeClose.charge);

    // The next period starts clean: what was billed is not billed again.
    expect(await dashboard(org)).toEqual({ overage: 0, charge: 0, upcomingLines: [] });
    clock.advance(DAY);
    const next = (
      await ok(
        server.gql(
          `mutation($id: ID!) { closeBillingPeriod(organizationId: $id) { ${LINES} } }`,
          { id: org.orgId },
          server.operatorToken,
        ),
      )
    ).closeBillingPeriod;
    expect(creditOverage(next.lineItems)).toEqual([]);
  });
});
