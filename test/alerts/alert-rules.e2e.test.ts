import { AlertRule, BillingAlert, Notification, NotificationKind } from '../../entities';
import { addUser, codes, createOrg, DRIVERS, ok, startServer, TestServer } from '../support/harness';
import { sleep } from '../support/wait';
import { ADD_LOCATION, AlertSubscriber, streamsOpen } from '../licenses/support';
import { assign, grant, START } from '../credits/credits-support';
import { CLOSE_PERIOD, DEACTIVATE_USER, storedAlerts, UPDATE_CONTRACT } from './support';

const RULE_FIELDS = 'id metric direction threshold channels enabled crossed lastTriggeredAt createdAt';
const CREATE_RULE = `mutation($input: AlertRuleInput!, $org: ID) { createAlertRule(input: $input, organizationId: $org) { ${RULE_FIELDS} } }`;
const UPDATE_RULE = `mutation($id: ID!, $input: AlertRuleInput!) { updateAlertRule(id: $id, input: $input) { ${RULE_FIELDS} } }`;
const DELETE_RULE = `mutation($id: ID!) { deleteAlertRule(id: $id) }`;
const RULES = `{ organization { alertRules { ${RULE_FIELDS} } } }`;
const RULE_ALERTS = `{ organization { alerts(first: 100) { nodes { sequence kind value active rule { id } resolves { id } resolvedBy { id } } } } }`;
const RULE_EVENTS = /* GraphQL */ `
  subscription {
    billingAlerts {
      id
      sequence
      kind
      value
      active
      message
      rule {
        id
        metric
      }
      resolves {
        id
      }
    }
  }
`;

describe.each(DRIVERS)('R26 alert rules on %s', (driver) => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startServer(driver);
  });
  afterAll(async () => {
    await server?.close();
  });

  const createRule = async (token: string, input: Record<string, unknown>) =>
    (await ok(server.gql(CREATE_RULE, { input }, token))).createAlertRule;
  const ruleAlerts = async (token: string) =>
    [...(await ok(server.gql(RULE_ALERTS, {}, token))).organization.alerts.nodes].reverse();
  const rules = async (token: string) => (await ok(server.gql(RULES, {}, token))).organization.alertRules;
  const em = () => server.app.dataSource.manager;

  it('R26: a crossing reaches graphql-ws subscribers within a second of the commit, once per crossing; its end resolves once', async () => {
    const org = await createOrg(server, { licenseModel: 'USER', contractedSeats: 10, seatPriceCents: 1000 });
    const rule = await createRule(org.adminToken, { metric: 'SEATS_IN_USE', direction: 'ABOVE', threshold: 3 });
    expect(rule).toMatchObject({ channels: ['DASHBOARD'], enabled: true, crossed: false, lastTriggeredAt: null });
    const live = new AlertSubscriber(server.ws(org.adminToken), {}, RULE_EVENTS);
    await streamsOpen(server, org.orgId, 1);
    await addUser(server, org.adminToken);
    await addUser(server, org.adminToken); // 3: equal is not crossed
    await sleep(200);
    expect(live.received).toEqual([]);

    const sent = Date.now();
    const fourth = await addUser(server, org.adminToken); // 4 > 3
    await live.waitFor(1, 1000);
    expect(live.received[0].at - sent).toBeLessThan(1000);
    expect(live.received[0].alert).toMatchObject({
      kind: 'THRESHOLD_CROSSED',
      value: 4,
      active: true,
      rule: { id: rule.id, metric: 'SEATS_IN_USE' },
      resolves: null,
    });
    const fifth = await addUser(server, org.adminToken); // 5: still crossed, nothing new
    await ok(server.gql(DEACTIVATE_USER, { id: fifth.id }, org.adminToken)); // 4: still above
    await sleep(200);
    expect(live.received).toHaveLength(1);
    const [crossedRule] = await rules(org.adminToken);
    expect(crossedRule.crossed).toBe(true);
    expect(crossedRule.lastTriggeredAt).not.toBeNull();

    await ok(server.gql(DEACTIVATE_USER, { id: fourth.id }, org.adminToken)); // 3: no longer above
    await live.waitFor(2, 1000);
    expect(live.received[1].alert).toMatchObject({
      kind: 'THRESHOLD_RESOLVED',
      value: 3,
      active: false,
      rule: { id: rule.id },
      resolves: { id: live.received[0].alert.id },
    });
    await addUser(server, org.adminToken); // 4 again: a new crossing, raised once more
    await live.waitFor(3, 1000);
    await sleep(200);
    expect(live.received.map((r) => r.alert.kind)).toEqual([
      'THRESHOLD_CROSSED',
      'THRESHOLD_RESOLVED',
      'THRESHOLD_CROSSED',
    ]);
    const stored = await ruleAlerts(org.adminToken);
    expect(stored[0]).toMatchObject({ active: false, resolvedBy: { id: live.received[1].alert.id } });
    expect((await rules(org.adminToken))[0].crossed).toBe(true);
    expect(live.errors).toEqual([]);
    live.stop();
  });

  it('R26: a rule created while it holds raises at once; equal is not crossed; disabling keeps crossed and stops evaluation', async () => {
    const org = await createOrg(server);
    await grant(server, org.orgId, 10);
    const low = await createRule(org.adminToken, { metric: 'CREDITS_AVAILABLE', direction: 'BELOW', threshold: 20 });
    expect(low).toMatchObject({ crossed: true });
    expect(low.lastTriggeredAt).not.toBeNull();
    const equal = await createRule(org.adminToken, { metric: 'CREDITS_AVAILABLE', direction: 'ABOVE', threshold: 10 });
    expect(equal.crossed).toBe(false);
    expect((await ruleAlerts(org.adminToken)).map((a) => [a.kind, a.value, a.rule?.id])).toEqual([
      ['THRESHOLD_CROSSED', 10, low.id],
    ]);

    // Disabled: nothing is evaluated, `crossed` stays.
    await ok(
      server.gql(
        UPDATE_RULE,
        { id: low.id, input: { metric: 'CREDITS_AVAILABLE', direction: 'BELOW', threshold: 20, enabled: false } },
        org.adminToken,
      ),
    );
    await grant(server, org.orgId, 30); // 40: would resolve, but the rule is off; `equal` crosses (40 > 10)
    expect((await rules(org.adminToken)).map((r: any) => [r.id, r.enabled, r.crossed])).toEqual([
      [low.id, false, true],
      [equal.id, true, true],
    ]);
    // Re-enabled: evaluated at once against the state now — 40 is not below 20.
    await ok(
      server.gql(
        UPDATE_RULE,
        { id: low.id, input: { metric: 'CREDITS_AVAILABLE', direction: 'BELOW', threshold: 20 } },
        org.adminToken,
      ),
    );
    expect((await ruleAlerts(org.adminToken)).map((a) => [a.kind, a.value, a.rule?.id])).toEqual([
      ['THRESHOLD_CROSSED', 10, low.id],
      ['THRESHOLD_CROSSED', 40, equal.id],
      ['THRESHOLD_RESOLVED', 40, low.id],
    ]);
    // An update that makes a rule hold raises at once.
    const updated = (
      await ok(
        server.gql(
          UPDATE_RULE,
          { id: low.id, input: { metric: 'CREDITS_AVAILABLE', direction: 'BELOW', threshold: 41 } },
          org.adminToken,
        ),
      )
    ).updateAlertRule;
    expect(updated.crossed).toBe(true);
  });

  it('R26: every metric moves with the changes that move it: credit overage at start and period close, the invoice total with users and the contract', async () => {
    const org = await createOrg(server, { licenseModel: 'USER', contractedSeats: 2, seatPriceCents: 1000 });
    const overage = await createRule(org.adminToken, {
      metric: 'CREDIT_OVERAGE_THIS_PERIOD',
      direction: 'ABOVE',
      threshold: 1,
    });
    const invoice = await createRule(org.adminToken, {
      metric: 'UPCOMING_INVOICE_TOTAL_CENTS',
      direction: 'ABOVE',
      threshold: 2500,
    });
    await ok(server.gql(START, { id: await assign(server, org.adminToken, org.adminId, 2) }, org.adminToken)); // 2 overage credits: $20
    await addUser(server, org.adminToken); // 2 seats: $20 + $20 = $40 > $25
    await ok(
      server.gql(
        UPDATE_CONTRACT,
        { organizationId: org.orgId, input: { licenseModel: 'USER', creditUnitPriceCents: 100 } },
        server.operatorToken,
      ),
    );
    await ok(server.gql(CLOSE_PERIOD, { organizationId: org.orgId }, server.operatorToken)); // a new period: no overage
    const alerts = await ruleAlerts(org.adminToken);
    expect(alerts.map((a) => [a.kind, a.value, a.rule.id])).toEqual([
      ['THRESHOLD_CROSSED', 2, overage.id],
      ['THRESHOLD_CROSSED', 4000, invoice.id],
      ['THRESHOLD_RESOLVED', 0, overage.id],
      ['THRESHOLD_RESOLVED', 2000, invoice.id],
    ]);
  });

  it('R26: a license change evaluates what it moved: in use always, the invoice total once in use goes beyond the contract; nothing else', async () => {
    const org = await createOrg(server, { licenseModel: 'USER', contractedSeats: 2, seatPriceCents: 1000 });
    await grant(server, org.orgId, 10);
    const total = async () =>
      (await ok(server.gql(`{ organization { upcomingInvoice { total { cents } } } }`, {}, org.adminToken)))
        .organization.upcomingInvoice.total.cents as number;
    const contractedTotal = await total(); // 2 contracted seats at $10 and the contract's other lines
    const invoice = await createRule(org.adminToken, {
      metric: 'UPCOMING_INVOICE_TOTAL_CENTS',
      direction: 'ABOVE',
      threshold: contractedTotal,
    });
    const seats = await createRule(org.adminToken, { metric: 'SEATS_IN_USE', direction: 'ABOVE', threshold: 1 });
    expect(seats.crossed).toBe(false); // the admin alone
    const second = await addUser(server, org.adminToken); // 2 in use: the contract's 2 seats, equal is not crossed
    expect(await total()).toBe(contractedTotal);
    const third = await addUser(server, org.adminToken); // 3 beyond 2: the invoice bills the peak, $10 more
    await ok(server.gql(DEACTIVATE_USER, { id: third.id }, org.adminToken)); // the peak stays billed
    await ok(server.gql(DEACTIVATE_USER, { id: second.id }, org.adminToken)); // 1: seats no longer above 1
    const alerts = (await ruleAlerts(org.adminToken)).filter((a) => a.rule); // the seat overage's too
    expect(alerts.map((a) => [a.kind, a.value, a.rule.id])).toEqual([
      ['THRESHOLD_CROSSED', 2, seats.id],
      ['THRESHOLD_CROSSED', contractedTotal + 1000, invoice.id],
      ['THRESHOLD_RESOLVED', 1, seats.id],
    ]);
    expect((await rules(org.adminToken)).map((r: { crossed: boolean }) => r.crossed)).toEqual([true, false]);
  });

  it('R26: starting training evaluates what it moved: the credits available from the ledger, the overage and the invoice once it is used', async () => {
    const org = await createOrg(server, { licenseModel: 'USER', contractedSeats: 5, seatPriceCents: 1000 });
    await grant(server, org.orgId, 10);
    const low = await createRule(org.adminToken, { metric: 'CREDITS_AVAILABLE', direction: 'BELOW', threshold: 5 });
    const overage = await createRule(org.adminToken, {
      metric: 'CREDIT_OVERAGE_THIS_PERIOD',
      direction: 'ABOVE',
      threshold: 1,
    });
    const start = async (credits: number) =>
      ok(server.gql(START, { id: await assign(server, org.adminToken, org.adminId, credits) }, org.adminToken));
    await start(6); // 4 left: below 5
    await start(4); // 0 left: still below, nothing new
    await start(2); // 2 at zero balance: overage above 1
    const alerts = (await ruleAlerts(org.adminToken)).filter((a) => a.rule);
    expect(alerts.map((a) => [a.kind, a.value, a.rule.id])).toEqual([
      ['THRESHOLD_CROSSED', 4, low.id],
      ['THRESHOLD_CROSSED', 2, overage.id],
    ]);
    await grant(server, org.orgId, 20); // a grant is not a declared change: every rule is evaluated
    expect((await ruleAlerts(org.adminToken)).filter((a) => a.rule).map((a) => [a.kind, a.value])).toEqual([
      ['THRESHOLD_CROSSED', 4],
      ['THRESHOLD_CROSSED', 2],
      ['THRESHOLD_RESOLVED', 20],
    ]);
  });

  it('R26: EMAIL also enqueues a BILLING_ALERT notification to the R22 recipients through the outbox', async () => {
    const org = await createOrg(server, { licenseModel: 'LOCATION', contractedLocations: 5, locationPriceCents: 900 });
    const contacts = (
      await ok(
        server.gql(
          `mutation { updateBillingContacts(input: { pointOfContactEmail: "Owner@Customer.test", additionalEmails: ["books@customer.test"] }) { recipients } }`,
          {},
          org.adminToken,
        ),
      )
    ).updateBillingContacts.recipients;
    const rule = await createRule(org.adminToken, {
      metric: 'LOCATIONS_IN_USE',
      direction: 'ABOVE',
      threshold: 0,
      channels: ['DASHBOARD', 'EMAIL'],
    });
    expect(rule.channels).toEqual(['DASHBOARD', 'EMAIL']);
    expect(await em().count(Notification, { where: { organizationId: org.orgId } })).toBe(0);
    await ok(server.gql(ADD_LOCATION, { name: 'Harbour' }, org.adminToken));
    const mails = await em().find(Notification, { where: { organizationId: org.orgId } });
    expect(mails).toHaveLength(1);
    expect(mails[0]).toMatchObject({ kind: NotificationKind.BILLING_ALERT, status: 'PENDING', invoiceId: null });
    expect([...mails[0].recipients].sort()).toEqual([...contacts].sort());
    expect(contacts).toEqual(expect.arrayContaining(['owner@customer.test', 'books@customer.test']));
    expect(mails[0].subject).toContain('Locations in use above 0');
    expect(mails[0].textBody).toContain('Locations in use is 1, above');
  });

  it('R26: a deleted rule keeps its alerts, whose rule is then null', async () => {
    const org = await createOrg(server);
    const rule = await createRule(org.adminToken, { metric: 'SEATS_IN_USE', direction: 'ABOVE', threshold: 0 });
    expect(rule.crossed).toBe(true);
    expect((await ok(server.gql(DELETE_RULE, { id: rule.id }, org.adminToken))).deleteAlertRule).toBe(rule.id);
    expect(await rules(org.adminToken)).toEqual([]);
    const alerts = await ruleAlerts(org.adminToken);
    expect(alerts.map((a) => [a.kind, a.rule])).toEqual([['THRESHOLD_CROSSED', null]]);
    expect(await em().count(AlertRule, { where: { organizationId: org.orgId } })).toBe(0);
    // Gone: no longer evaluated.
    await addUser(server, org.adminToken);
    expect(await ruleAlerts(org.adminToken)).toHaveLength(1);
    const stored = await storedAlerts(server, org.adminToken);
    expect(stored[0].active).toBe(true);
  });

  it("R26: bad input is BAD_USER_INPUT with its field and writes nothing; another organization's rule is NOT_FOUND; FORBIDDEN without MANAGE_BILLING", async () => {
    const org = await createOrg(server, { licenseModel: 'USER', contractedSeats: 5, seatPriceCents: 100 });
    const counts = async () => ({
      rules: await em().count(AlertRule, { where: { organizationId: org.orgId } }),
      alerts: await em().count(BillingAlert, { where: { organizationId: org.orgId } }),
    });
    const refused = async (input: Record<string, unknown>) => {
      const res = await server.gql(CREATE_RULE, { input }, org.adminToken);
      return (res.errors ?? []).map((e) => [e.extensions?.code, e.extensions?.field]);
    };
    expect(await refused({ metric: 'SEATS_IN_USE', direction: 'ABOVE', threshold: -1 })).toEqual([
      ['BAD_USER_INPUT', 'threshold'],
    ]);
    expect(await refused({ metric: 'LOCATIONS_IN_USE', direction: 'ABOVE', threshold: 1 })).toEqual([
      ['BAD_USER_INPUT', 'metric'],
    ]);
    expect(await refused({ metric: 'SEATS_IN_USE', direction: 'ABOVE', threshold: 1, channels: [] })).toEqual([
      ['BAD_USER_INPUT', 'channels'],
    ]);
    expect(await counts()).toEqual({ rules: 0, alerts: 0 });
    const loc = await createOrg(server, { licenseModel: 'LOCATION', contractedLocations: 1 });
    const onLocation = await server.gql(
      CREATE_RULE,
      { input: { metric: 'SEATS_IN_USE', direction: 'ABOVE', threshold: 1 } },
      loc.adminToken,
    );
    expect(codes(onLocation)).toEqual(['BAD_USER_INPUT']);
    expect(onLocation.errors![0].extensions?.field).toBe('metric');

    // 25 rules, every one of them already holding (0 < 1 seat in use): the 26th is refused and raises nothing.
    for (let i = 0; i < 25; i++)
      await createRule(org.adminToken, { metric: 'SEATS_IN_USE', direction: 'ABOVE', threshold: 0 });
    expect(await counts()).toEqual({ rules: 25, alerts: 25 });
    expect(await refused({ metric: 'SEATS_IN_USE', direction: 'ABOVE', threshold: 0 })).toEqual([
      ['BAD_USER_INPUT', 'input'],
    ]);
    expect(await counts()).toEqual({ rules: 25, alerts: 25 });

    // R5: another organization's rule is NOT_FOUND, for update and delete alike; nothing changes.
    const [mine] = await rules(org.adminToken);
    const other = await createOrg(server);
    const input = { metric: 'SEATS_IN_USE', direction: 'ABOVE', threshold: 9 };
    expect(codes(await server.gql(UPDATE_RULE, { id: mine.id, input }, other.adminToken))).toEqual(['NOT_FOUND']);
    expect(codes(await server.gql(DELETE_RULE, { id: mine.id }, other.adminToken))).toEqual(['NOT_FOUND']);
    // R4: without MANAGE_BILLING, FORBIDDEN (the directive), for the mutations and the list.
    const manager = await addUser(server, org.adminToken, { role: 'MANAGER' });
    expect(codes(await server.gql(CREATE_RULE, { input }, manager.token))).toEqual(['FORBIDDEN']);
    expect(codes(await server.gql(UPDATE_RULE, { id: mine.id, input }, manager.token))).toEqual(['FORBIDDEN']);
    expect(codes(await server.gql(DELETE_RULE, { id: mine.id }, manager.token))).toEqual(['FORBIDDEN']);
    const listed = await server.gql(RULES, {}, manager.token);
    expect(codes(listed)).toEqual(['FORBIDDEN']);
    expect(listed.data.organization.alertRules).toBeNull();
    expect((await rules(org.adminToken)).find((r: any) => r.id === mine.id)).toEqual(mine);
    // Operators name the organization.
    const byOperator = await ok(
      server.gql(CREATE_RULE, { input: { ...input, threshold: 100 }, org: other.orgId }, server.operatorToken),
    );
    expect(byOperator.createAlertRule.crossed).toBe(false);
  });

  it('R26: a terminated organization evaluates no rules', async () => {
    const org = await createOrg(server, { licenseModel: 'USER', contractedSeats: 5, seatPriceCents: 100 });
    await createRule(org.adminToken, { metric: 'UPCOMING_INVOICE_TOTAL_CENTS', direction: 'BELOW', threshold: 1 });
    await ok(
      server.gql(
        `mutation($id: ID!) { finalizeTermination(organizationId: $id) { status } }`,
        { id: org.orgId },
        server.operatorToken,
      ),
    );
    await grant(server, org.orgId, 5).catch(() => undefined); // refused (R21); nothing evaluated either way
    expect(await storedAlerts(server, server.operatorToken, org.orgId)).toEqual([]);
  });
});
