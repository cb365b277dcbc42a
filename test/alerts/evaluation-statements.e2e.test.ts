import { assign, grant, START } from '../credits/credits-support';
import { ManualClock, MINUTE } from '../support/clock';
import { addUser, createOrg, DRIVERS, Driver, ok, OrgFixture, startServer, TestServer } from '../support/harness';
import { StatementLog } from '../support/statement-log';

/**
 * R26's cost inside the change's transaction, counted in SQL statements (test/support/statement-log.ts): with the
 * enabled rules known to the instance (kept at the organization's alertRulesVersion), evaluating 4 rules over every
 * metric of a USER contract adds at most one statement to a change — the inputs of the metrics it moved, read
 * together — and none when the change knows the values it moved. DEBUG_STATEMENTS=1 prints them.
 */
const DEACTIVATE = `mutation($id: ID!) { deactivateUser(id: $id) { id status } }`;
const CREATE_RULE = `mutation($input: AlertRuleInput!) { createAlertRule(input: $input) { id crossed } }`;
const RULES = [
  { metric: 'SEATS_IN_USE', direction: 'ABOVE', threshold: 500 },
  { metric: 'CREDITS_AVAILABLE', direction: 'BELOW', threshold: 10 },
  { metric: 'CREDIT_OVERAGE_THIS_PERIOD', direction: 'ABOVE', threshold: 100 },
  { metric: 'UPCOMING_INVOICE_TOTAL_CENTS', direction: 'ABOVE', threshold: 1_000_000_000 },
];

describe.each(DRIVERS)('R26 evaluation statements (%s)', (driver: Driver) => {
  const statements = new StatementLog();
  const clock = new ManualClock(new Date('2026-03-01T12:00:00Z'));
  let server: TestServer;
  let plain: OrgFixture;
  let ruled: OrgFixture;

  beforeAll(async () => {
    server = await startServer(driver, { appOptions: { clock, databaseLogger: statements } });
    const contract = { licenseModel: 'USER', contractedSeats: 1000, seatPriceCents: 1000 };
    plain = await createOrg(server, contract);
    ruled = await createOrg(server, contract);
    for (const org of [plain, ruled]) await grant(server, org.orgId, 1000);
    for (const input of RULES) {
      const rule = (await ok(server.gql(CREATE_RULE, { input }, ruled.adminToken))).createAlertRule;
      expect(rule.crossed).toBe(false);
    }
  });
  afterAll(() => server?.close());

  async function counted(name: string, work: () => Promise<unknown>): Promise<number> {
    clock.advance(MINUTE); // a change at a new instant (the invoice preview's peak is then the aggregate's)
    const { statements: sent } = await statements.during(work);
    if (process.env.DEBUG_STATEMENTS) console.log(`${driver} ${name}: ${sent.length}\n  ${sent.join('\n  ')}`);
    return sent.length;
  }

  it('R26: with 4 enabled rules over every USER metric, addUser within the contract and startTraining within the balance send no statement more than without rules, deactivateUser one', async () => {
    // The first change after the rules' creation reads them (and keeps them); the next ones do not.
    await addUser(server, ruled.adminToken);
    // An activation within the contract moves only the seats in use, which it counted: nothing to read.
    const rulesKept = await counted('addUser, rules kept', () => addUser(server, ruled.adminToken));
    const noRules = await counted('addUser, no rules', () => addUser(server, plain.adminToken));
    expect(rulesKept).toBe(noRules);
    // A deactivation moves only the seats in use, read with their inputs in one statement.
    const deactivate = (token: string) => async () => {
      const user = await addUser(server, token);
      return counted('deactivateUser', () => ok(server.gql(DEACTIVATE, { id: user.id }, token)));
    };
    expect(await deactivate(ruled.adminToken)()).toBe((await deactivate(plain.adminToken)()) + 1);

    const assignments = [];
    for (const org of [plain, ruled]) {
      const user = await addUser(server, org.adminToken);
      assignments.push(await assign(server, org.adminToken, user.id));
    }
    const started = (token: string, id: string) => async () =>
      expect((await ok(server.gql(START, { id }, token))).startTraining.status).toBe('STARTED');
    const startNoRules = await counted('startTraining, no rules', started(plain.adminToken, assignments[0]));
    const startRules = await counted('startTraining, rules kept', started(ruled.adminToken, assignments[1]));
    // Starting within the balance moves only the credits available, which the ledger knows: nothing to read.
    expect(startRules).toBe(startNoRules);
  });
});
