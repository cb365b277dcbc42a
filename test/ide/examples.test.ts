import { recordsContractSdl } from '../support/contract';
import { buildSchema, GraphQLSchema, Kind, OperationDefinitionNode, specifiedRules, validate } from 'graphql';
import { exampleTabs } from '../../src/ide/examples';
import { buildBillingSchema } from '../../src/schema/build-schema';
import { createQueryLimits, parseWithTokenLimit } from '../../src/server/query-limits';

const demo = { organizationId: 'org-1', contractedSeats: 5, activeUsers: 5 };

function operationOf(query: string): OperationDefinitionNode {
  const operations = parseWithTokenLimit(query).definitions.filter(
    (d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION,
  );
  expect(operations).toHaveLength(1);
  return operations[0];
}

describe("the IDE's example tabs", () => {
  let contract: GraphQLSchema;
  let served: GraphQLSchema;

  beforeAll(async () => {
    contract = buildSchema(recordsContractSdl());
    served = await buildBillingSchema();
  });

  it.each([
    ['with the demo data', demo],
    ['without it', null],
  ])(
    '%s: the dashboard, alerts, the live counters, an alert trigger, buying credits, paying an invoice, the forecast, an alert rule, the peak evidence, the audit log, a what-if price and a credit note',
    (_label, context) => {
      const tabs = exampleTabs({ demo: context });
      expect(tabs.map((tab) => operationOf(tab.query).name?.value)).toEqual([
        'BillingDashboard',
        'BillingAlerts',
        'BillingState',
        'AddUser',
        'PurchaseCredits',
        'PayInvoice',
        'Forecast',
        'CreateAlertRule',
        'PeakEvidence',
        'AuditLog',
        'PreviewBillingChange',
        'IssueCreditNote',
      ]);
      expect(tabs.map((tab) => operationOf(tab.query).operation)).toEqual([
        'query',
        'subscription',
        'subscription',
        'mutation',
        'mutation',
        'mutation',
        'query',
        'mutation',
        'query',
        'query',
        'query',
        'mutation',
      ]);
    },
  );

  it('every example is valid against the public contract, within the depth, alias, token and cost limits', () => {
    for (const tab of exampleTabs({ demo })) {
      const document = parseWithTokenLimit(tab.query);
      const errors = [...createQueryLimits(contract)(document), ...validate(contract, document, specifiedRules)];
      expect({ tab: operationOf(tab.query).name?.value, errors: errors.map((e) => e.message) }).toEqual({
        tab: operationOf(tab.query).name?.value,
        errors: [],
      });
    }
  });

  it('every example is valid against the served schema', () => {
    for (const tab of exampleTabs({ demo })) {
      const document = parseWithTokenLimit(tab.query);
      const errors = [...createQueryLimits(served)(document), ...validate(served, document, specifiedRules)];
      expect({ tab: operationOf(tab.query).name?.value, errors: errors.map((e) => e.message) }).toEqual({
        tab: operationOf(tab.query).name?.value,
        errors: [],
      });
    }
  });

  it('variables are JSON and give every required variable a value; keys and e-mails are fresh on every render', () => {
    const [first, second] = [exampleTabs({ demo }), exampleTabs({ demo })];
    for (const tab of first) {
      const variables = JSON.parse(tab.variables ?? '{}');
      const required = (operationOf(tab.query).variableDefinitions ?? []).filter(
        (v) => v.type.kind === Kind.NON_NULL_TYPE && !v.defaultValue,
      );
      for (const v of required) expect(variables).toHaveProperty(v.variable.name.value);
    }
    const keyOf = (tabs: typeof first, name: string) =>
      JSON.parse(tabs.find((t) => t.query.includes(`mutation ${name}`))!.variables!);
    expect(keyOf(first, 'PurchaseCredits').idempotencyKey).not.toBe(keyOf(second, 'PurchaseCredits').idempotencyKey);
    expect(keyOf(first, 'PayInvoice').idempotencyKey).not.toBe(keyOf(second, 'PayInvoice').idempotencyKey);
    expect(keyOf(first, 'IssueCreditNote').idempotencyKey).not.toBe(keyOf(second, 'IssueCreditNote').idempotencyKey);
    expect(keyOf(first, 'AddUser').input.email).not.toBe(keyOf(second, 'AddUser').input.email);
  });

  it("the alert trigger says whether the demo's seats are all taken", () => {
    const trigger = (context: typeof demo) => exampleTabs({ demo: context })[3].query.replace(/\n# /g, ' ');
    expect(trigger(demo)).toContain('5 seats and 5 active users, so this one is beyond it: billed as SEAT_OVERAGE');
    expect(trigger({ ...demo, activeUsers: 3 })).toContain(
      '5 seats and 3 active users; each one beyond the seats is billed as SEAT_OVERAGE',
    );
  });
});
