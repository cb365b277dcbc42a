import {
  addUser as addUserThrough,
  createMysqlDatabase,
  createOrg,
  dropMysqlDatabase,
  ok,
  startServer,
  TestServer,
} from '../support/harness';
import { StatementLog } from '../support/statement-log';
import { DEACTIVATE_USER, storedAlerts } from './support';

/**
 * R26: each instance keeps an organization's enabled alert rules in memory, keyed by the organization's
 * `alertRulesVersion`, which every change of the rules bumps in its own transaction. Two server instances in this jest
 * process on one MariaDB database: a rule change made through one is evaluated by the other at the very next change,
 * never the rules it kept before — and an instance that knows the current rules does not read them again.
 */
const run = process.env.TEST_MYSQL_URL ? describe : describe.skip;

const RULE_FIELDS = 'id metric direction threshold enabled crossed';
const CREATE_RULE = `mutation($input: AlertRuleInput!) { createAlertRule(input: $input) { ${RULE_FIELDS} } }`;
const UPDATE_RULE = `mutation($id: ID!, $input: AlertRuleInput!) { updateAlertRule(id: $id, input: $input) { ${RULE_FIELDS} } }`;
const DELETE_RULE = `mutation($id: ID!) { deleteAlertRule(id: $id) }`;

run('R26 alert rules kept in memory, across instances (MariaDB)', () => {
  let db: { url: string; name: string };
  let a: TestServer;
  let b: TestServer;
  const onB = new StatementLog();

  beforeAll(async () => {
    db = await createMysqlDatabase();
    a = await startServer('mariadb', { databaseUrl: db.url });
    b = await startServer('mariadb', { databaseUrl: db.url, appOptions: { databaseLogger: onB } });
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
    await dropMysqlDatabase(db.name);
  });

  const ruleKinds = async (token: string) =>
    (await storedAlerts(a, token)).filter((x) => x.kind.startsWith('THRESHOLD_')).map((x) => [x.kind, x.value]);
  const readsRules = (statements: string[]) => statements.filter((s) => /FROM\s+`alert_rule`/i.test(s)).length;

  it('R26: a rule created, changed, disabled or deleted on instance A is what instance B evaluates next; a crossing B wrote is what A evaluates next', async () => {
    const org = await createOrg(a, { licenseModel: 'USER', contractedSeats: 100, seatPriceCents: 1000 });
    const token = org.adminToken;
    const rule = (
      await ok(a.gql(CREATE_RULE, { input: { metric: 'SEATS_IN_USE', direction: 'ABOVE', threshold: 10 } }, token))
    ).createAlertRule;

    const added: string[] = [];
    const addUser = async (server: TestServer, token: string) => {
      const user = await addUserThrough(server, token);
      added.push(user.id);
      return user;
    };
    // Both instances evaluate the rule (and keep it); B, knowing it, does not read it again.
    await addUser(b, token); // 2 in use
    await addUser(a, token); // 3
    const known = await onB.during(() => addUser(b, token)); // 4
    expect(readsRules(known.statements)).toBe(0);
    expect(await ruleKinds(token)).toEqual([]);

    // Changed on A (4 is not above 4: nothing raised): B evaluates the new threshold at once.
    const changed = await ok(
      a.gql(UPDATE_RULE, { id: rule.id, input: { metric: 'SEATS_IN_USE', direction: 'ABOVE', threshold: 4 } }, token),
    );
    expect(changed.updateAlertRule).toMatchObject({ threshold: 4, crossed: false });
    const stale = await onB.during(() => addUser(b, token)); // 5 > 4
    expect(readsRules(stale.statements)).toBe(1); // its kept rules are of an older version
    expect(await ruleKinds(token)).toEqual([['THRESHOLD_CROSSED', 5]]);

    // B wrote `crossed`: A, which kept the rule uncrossed, evaluates it crossed — no second crossing.
    await addUser(a, token); // 6
    expect(await ruleKinds(token)).toEqual([['THRESHOLD_CROSSED', 5]]);

    // Disabled on B: A evaluates nothing when usage falls back (no resolution).
    await ok(
      b.gql(
        UPDATE_RULE,
        { id: rule.id, input: { metric: 'SEATS_IN_USE', direction: 'ABOVE', threshold: 4, enabled: false } },
        token,
      ),
    );
    await ok(a.gql(DEACTIVATE_USER, { id: added.pop()! }, token)); // 5
    await addUser(a, token); // 6
    await ok(a.gql(DEACTIVATE_USER, { id: added.pop()! }, token)); // 5
    expect(await ruleKinds(token)).toEqual([['THRESHOLD_CROSSED', 5]]);

    // Re-enabled on A with a threshold that does not hold: resolved there; then a new rule on A, deleted on B.
    const reenabled = await ok(
      a.gql(UPDATE_RULE, { id: rule.id, input: { metric: 'SEATS_IN_USE', direction: 'ABOVE', threshold: 50 } }, token),
    );
    expect(reenabled.updateAlertRule).toMatchObject({ enabled: true, crossed: false });
    expect(await ruleKinds(token)).toEqual([
      ['THRESHOLD_CROSSED', 5],
      ['THRESHOLD_RESOLVED', 5],
    ]);
    const below = (
      await ok(a.gql(CREATE_RULE, { input: { metric: 'SEATS_IN_USE', direction: 'BELOW', threshold: 3 } }, token))
    ).createAlertRule;
    await addUser(b, token); // 6: B now knows both rules
    await ok(b.gql(DELETE_RULE, { id: below.id }, token));
    for (const id of added.splice(0, 4)) await ok(a.gql(DEACTIVATE_USER, { id }, token)); // down to 2 on A
    // The deleted BELOW 3 rule would have crossed on A had A evaluated the rules it kept.
    expect(await ruleKinds(token)).toEqual([
      ['THRESHOLD_CROSSED', 5],
      ['THRESHOLD_RESOLVED', 5],
    ]);
  });
});
