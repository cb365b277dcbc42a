import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { getDirective } from '@graphql-tools/utils';
import { GraphQLObjectType } from 'graphql';
import { buildBillingSchema, printBillingSchema } from '../../src/schema/build-schema';
import { contractFile } from '../support/contract';

const root = join(__dirname, '..', '..');

describe('the served schema', () => {
  it('schema/schema.graphql is what the server serves (run `npm run schema:print` when this fails)', async () => {
    const served = printBillingSchema(await buildBillingSchema());
    expect(readFileSync(join(root, 'schema', 'schema.graphql'), 'utf8')).toBe(served);
  });

  it("R4: the SDL declares @hasPermission with the contract's signature", async () => {
    const sdl = readFileSync(join(root, 'schema', 'schema.graphql'), 'utf8');
    expect(sdl).toMatch(
      /directive @hasPermission\(\s*(""".*?"""\s*)?permission: Permission!\s*\) on FIELD_DEFINITION \| OBJECT/s,
    );
  });

  // The first release's contract and both parts of the second (live R25–R29, records R30–R33) are served whole.
  it.each(['schema.graphql', 'next-live.graphql', 'next-records.graphql'])(
    'passes the contract check for contract/%s',
    (contract) => {
      let output: string;
      try {
        output = execFileSync(
          'node',
          [contractFile('tools', 'contract-check.mjs'), 'schema/schema.graphql', contractFile('contract', contract)],
          { cwd: root, encoding: 'utf8' },
        );
      } catch (error) {
        output = (error as { stdout: string }).stdout;
      }
      expect(output.split('\n').filter((l) => l.startsWith('- '))).toEqual([]);
      expect(output).toMatch(/contract: (\d+) of \1 items present/);
    },
  );

  it('R4: every guarded operation is listed here, so a new unguarded one shows up as a diff', async () => {
    const schema = await buildBillingSchema();
    const guards: Record<string, string> = {};
    for (const type of [schema.getQueryType(), schema.getMutationType(), schema.getSubscriptionType()]) {
      if (!type) continue;
      for (const [name, field] of Object.entries((type as GraphQLObjectType).getFields())) {
        const permission = getDirective(schema, field, 'hasPermission')?.[0]?.permission;
        const operator = getDirective(schema, field, 'operatorOnly')?.[0];
        guards[`${type.name}.${name}`] = operator ? 'operator' : (permission ?? 'authenticated-in-resolver');
      }
    }
    expect(guards).toEqual({
      'Query.viewer': 'authenticated-in-resolver',
      'Query.organization': 'authenticated-in-resolver',
      'Mutation.createOrganization': 'operator',
      'Mutation.updateContract': 'operator',
      'Mutation.addUser': 'MANAGE_USERS',
      'Mutation.deactivateUser': 'MANAGE_USERS',
      'Mutation.reactivateUser': 'MANAGE_USERS',
      'Mutation.setUserPermission': 'MANAGE_USERS',
      'Mutation.addLocation': 'MANAGE_USERS',
      'Mutation.deactivateLocation': 'MANAGE_USERS',
      'Mutation.setRolePermission': 'MANAGE_USERS',
      'Mutation.updateBillingContacts': 'MANAGE_BILLING',
      'Mutation.requestTermination': 'MANAGE_BILLING',
      'Mutation.payInvoice': 'MANAGE_BILLING',
      'Mutation.closeBillingPeriod': 'operator',
      'Mutation.finalizeTermination': 'operator',
      'Mutation.runScheduledJobs': 'operator',
      'Query.creditQuote': 'MANAGE_BILLING',
      'Query.previewBillingChange': 'MANAGE_BILLING',
      'Mutation.purchaseCredits': 'MANAGE_BILLING',
      'Mutation.updatePaymentMethod': 'MANAGE_BILLING',
      'Mutation.grantCredits': 'operator',
      'Mutation.assignPremiumContent': 'ASSIGN_CONTENT',
      'Mutation.startTraining': 'authenticated-in-resolver',
      'Mutation.cancelAssignment': 'ASSIGN_CONTENT',
      'Mutation.acknowledgeAlert': 'MANAGE_BILLING',
      'Subscription.billingAlerts': 'MANAGE_BILLING',
      'Subscription.billingState': 'MANAGE_BILLING',
      'Mutation.createAlertRule': 'MANAGE_BILLING',
      'Mutation.updateAlertRule': 'MANAGE_BILLING',
      'Mutation.deleteAlertRule': 'MANAGE_BILLING',
      'Mutation.issueCreditNote': 'operator',
    });
  });
});
