import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { contractFile } from '../support/contract';

const root = join(__dirname, '..', '..');

/** The served schema against the live contract (next-live.graphql): the R28 and R29 items are there, as written. */
describe('the live contract: forecast and usage series', () => {
  it('R28, R29: BillingForecast, Organization.forecast, UsageBucket, UsagePoint and License.series pass the check', () => {
    let output: string;
    try {
      output = execFileSync(
        'node',
        [
          contractFile('tools', 'contract-check.mjs'),
          'schema/schema.graphql',
          contractFile('contract', 'next-live.graphql'),
        ],
        { cwd: root, encoding: 'utf8' },
      );
    } catch (error) {
      output = (error as { stdout: string }).stdout;
    }
    const problems = output.split('\n').filter((l) => l.startsWith('- '));
    expect(problems.filter((p) => /forecast|UsageBucket|UsagePoint|series/i.test(p))).toEqual([]);
    expect(output).toMatch(/contract: \d+ of \d+ items present/);
  });
});
