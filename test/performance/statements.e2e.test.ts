import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { grant, assign, START } from '../credits/credits-support';
import { DAY, ManualClock } from '../support/clock';
import { ADD_LOCATION } from '../licenses/support';
import { addUser, createOrg, DRIVERS, Driver, ok, OrgFixture, startServer, TestServer } from '../support/harness';
import { StatementLog } from '../support/statement-log';

/**
 * Issue 12: the SQL statements a request sends do not grow with the organization. Counted per request through the
 * server's TypeORM logger (test/support/statement-log.ts), on a 10-user and a 200-user organization.
 * DEBUG_STATEMENTS=1 prints each operation's statements.
 */

const VIEWER = /* GraphQL */ `
  {
    viewer {
      user {
        id
      }
      permissions
    }
  }
`;

/** The README's Billing page (its BillingDashboard), as the frontend sends it: a change to it is counted here. */
const BILLING_DASHBOARD = readFileSync(join(__dirname, '..', '..', 'README.md'), 'utf8').match(
  /query BillingDashboard \{[\s\S]*?\n {3}\}\n/,
)![0];

/** R28 on its own: reads what the Billing page reads (through the operation's loaders), plus the trailing credit use. */
const FORECAST = /* GraphQL */ `
  query Forecast {
    organization {
      forecast {
        creditBurnPerDay
        creditsExhaustedAt
        projectedInvoiceTotal {
          formatted
        }
      }
    }
  }
`;

/** The same forecast twice in one operation: every input is read once. */
const TWO_FORECASTS = /* GraphQL */ `
  {
    organization {
      a: forecast {
        creditBurnPerDay
      }
      b: forecast {
        projectedInvoiceTotal {
          cents
        }
      }
    }
  }
`;

/** R29: a day-by-day chart of the license: the open period (shared with the license) and one statement for the series. */
const USAGE_SERIES = /* GraphQL */ `
  query UsageSeries {
    organization {
      license {
        inUse
        peakThisPeriod
        series(bucket: HOUR) {
          start
          peak
          end
        }
      }
    }
  }
`;

/** The Billing page with the forecast beside it: one statement more than the page alone. */
const BILLING_DASHBOARD_WITH_FORECAST = BILLING_DASHBOARD.replace(
  'organization {',
  'organization { forecast { creditBurnPerDay creditsExhaustedAt projectedInvoiceTotal { formatted } }',
);

const USERS_PAGE = /* GraphQL */ `
  {
    organization {
      users(first: 100) {
        totalCount
        nodes {
          id
          email
          name
          role
          status
          permissions
          location {
            id
            name
          }
        }
      }
    }
  }
`;

const LEDGER_PAGE = /* GraphQL */ `
  {
    organization {
      creditBalance {
        ledger(first: 100) {
          totalCount
          nodes {
            id
            kind
            quantity
            balanceAfter
            createdAt
            lot {
              id
              source
              quantity
              remaining
              expiresAt
            }
            assignment {
              id
              status
              credits
              user {
                id
                name
              }
            }
          }
        }
      }
    }
  }
`;

const INVOICES_PAGE = /* GraphQL */ `
  {
    organization {
      invoices(first: 20) {
        totalCount
        nodes {
          id
          number
          status
          periodStart
          periodEnd
          total {
            cents
          }
          lineItems {
            kind
            description
            quantity
            amount {
              cents
            }
          }
        }
      }
    }
  }
`;

interface Size {
  users: number;
  locations: number;
  /** Trainings started: one ledger entry each (consumption while the grant lasts, then overage). */
  trainings: number;
  invoices: number;
}

/**
 * An organization through the API: users spread over locations (beyond the contract, so there are overage alerts),
 * a role override and a user override (authentication reads override rows), credits granted and trainings started
 * (ledger entries), and closed periods (invoices), a day apart.
 */
async function seedOrganization(server: TestServer, clock: ManualClock, size: Size): Promise<OrgFixture> {
  const org = await createOrg(
    server,
    { licenseModel: 'USER', contractedSeats: Math.ceil(size.users / 2), seatPriceCents: 1500, allowOverage: true },
    `Org of ${size.users}`,
  );
  await ok(
    server.gql(
      `mutation { setRolePermission(role: MANAGER, permission: MANAGE_BILLING, granted: true) { granted } }`,
      {},
      org.adminToken,
    ),
  );
  await ok(
    server.gql(
      `mutation($id: ID!) { setUserPermission(userId: $id, permission: ASSIGN_CONTENT, granted: true) { id } }`,
      { id: org.adminId },
      org.adminToken,
    ),
  );
  const locationIds: string[] = [];
  for (let i = 0; i < size.locations; i++) {
    locationIds.push((await ok(server.gql(ADD_LOCATION, { name: `Location ${i}` }, org.adminToken))).addLocation.id);
  }
  const userIds = [org.adminId];
  for (let i = 1; i < size.users; i++) {
    const role = i % 10 === 1 ? 'MANAGER' : 'EMPLOYEE';
    userIds.push((await addUser(server, org.adminToken, { role, locationId: locationIds[i % locationIds.length] })).id);
  }
  await grant(server, org.orgId, Math.ceil(size.trainings / 2));
  for (let i = 0; i < size.trainings; i++) {
    const assignmentId = await assign(server, org.adminToken, userIds[i % userIds.length], 1);
    await ok(server.gql(START, { id: assignmentId }, org.adminToken));
  }
  for (let i = 0; i < size.invoices; i++) {
    clock.advance(DAY);
    await ok(
      server.gql(
        `mutation($id: ID!) { closeBillingPeriod(organizationId: $id) { id } }`,
        { id: org.orgId },
        server.operatorToken,
      ),
    );
  }
  clock.advance(DAY);
  return org;
}

const SMALL: Size = { users: 10, locations: 2, trainings: 6, invoices: 2 };
const LARGE: Size = { users: 200, locations: 12, trainings: 120, invoices: 22 };

describe.each(DRIVERS)('issue 12: SQL statements per request (%s)', (driver: Driver) => {
  const statements = new StatementLog();
  const clock = new ManualClock(new Date('2026-03-01T12:00:00Z'));
  let server: TestServer;
  let small: OrgFixture;
  let large: OrgFixture;

  beforeAll(async () => {
    server = await startServer(driver, { appOptions: { clock, databaseLogger: statements } });
    small = await seedOrganization(server, clock, SMALL);
    large = await seedOrganization(server, clock, LARGE);
  }, 600_000);
  afterAll(() => server?.close());

  /**
   * The statements one request sends when it is computed (the clock first moves past the read cache's lifetime, so
   * an answer kept from an earlier request is not served); its errors fail the test.
   */
  async function count(query: string, token: string): Promise<{ data: any; statements: string[] }> {
    clock.advance(server.app.config.readCacheMs + 1);
    return countServed(query, token);
  }

  /** The statements one request sends, served as the server chooses (a kept answer included). */
  async function countServed(query: string, token: string): Promise<{ data: any; statements: string[] }> {
    const { result, statements: sent } = await statements.during(() => server.gql(query, {}, token));
    if (result.errors) throw new Error(JSON.stringify(result.errors));
    return { data: result.data, statements: sent };
  }

  it('viewer: at most 2 SQL statements, constant in size', async () => {
    const counts: number[] = [];
    for (const org of [small, large]) {
      await count(VIEWER, org.adminToken); // the first request of a document also parses and validates it
      const { data, statements: sent } = await count(VIEWER, org.adminToken);
      // The admin's override (ASSIGN_CONTENT granted, as by default) and the MANAGER override are read with it.
      expect(data.viewer).toEqual({
        user: { id: org.adminId },
        permissions: ['MANAGE_BILLING', 'MANAGE_USERS', 'ASSIGN_CONTENT'],
      });
      expect(sent.length).toBeLessThanOrEqual(2);
      counts.push(sent.length);
    }
    expect(counts[1]).toBe(counts[0]);
  });

  it('viewer: a manager holds what its role override grants, in the same single read', async () => {
    const users = await ok(
      server.gql(`{ organization { users(first: 100) { nodes { id role } } } }`, {}, small.adminToken),
    );
    const manager = users.organization.users.nodes.find((u: { role: string }) => u.role === 'MANAGER');
    const { data, statements: sent } = await count(VIEWER, await server.tokenFor(manager.id));
    expect(data.viewer.permissions).toEqual(['MANAGE_BILLING', 'MANAGE_USERS', 'ASSIGN_CONTENT']);
    expect(sent.length).toBeLessThanOrEqual(2);
  });

  it('users page: the role overrides authentication read are not read again', async () => {
    const { data, statements: sent } = await count(USERS_PAGE, large.adminToken);
    const manager = data.organization.users.nodes.find((u: { role: string }) => u.role === 'MANAGER');
    expect(manager.permissions).toEqual(['MANAGE_BILLING', 'MANAGE_USERS', 'ASSIGN_CONTENT']); // the role override applies
    expect(sent.filter((q) => /role_permission_override/.test(q))).toHaveLength(1); // authentication's statement
  });

  it('the Billing page asked again while nothing changed: one statement (authentication), the same answer; after a change, computed afresh', async () => {
    const first = await count(BILLING_DASHBOARD, large.adminToken);
    const again = await countServed(BILLING_DASHBOARD, large.adminToken);
    expect(again.data).toEqual(first.data);
    expect(again.statements).toHaveLength(1);
    // Another organization's admin never gets this answer.
    const other = await countServed(BILLING_DASHBOARD, small.adminToken);
    expect(other.statements.length).toBeGreaterThan(1);

    await ok(
      server.gql(
        `mutation { addUser(input: { email: "read-cache@example.com", name: "R", role: EMPLOYEE }) { id } }`,
        {},
        large.adminToken,
      ),
    );
    const afterChange = await countServed(BILLING_DASHBOARD, large.adminToken);
    expect(afterChange.statements.length).toBeGreaterThan(1);
    expect(afterChange.data.organization.license.inUse).toBe(first.data.organization.license.inUse + 1);
  });

  it('the key operations: a fixed number of SQL statements, the same at 10 and 200 users (the dashboard at most 8, the forecast no more, the series one statement)', async () => {
    const report: Record<string, [number, number]> = {};
    // The bound of each operation: the README's BillingDashboard at most 8 (issue 12); each page a fixed number.
    const bounds: Record<string, number> = {};
    for (const [name, query, bound] of [
      ['{ viewer { user { id } permissions } }', VIEWER, 1],
      ['BillingDashboard', BILLING_DASHBOARD, 8],
      ['forecast (R28)', FORECAST, 6],
      ['BillingDashboard with the forecast', BILLING_DASHBOARD_WITH_FORECAST, 9],
      ['two aliased forecasts (read once)', TWO_FORECASTS, 6],
      ['license with its hourly series (R29)', USAGE_SERIES, 4],
      ['users(first: 100) with permissions and locations', USERS_PAGE, 6],
      ['ledger(first: 100) with lots and assignments', LEDGER_PAGE, 9],
      ['invoices(first: 20) with lines', INVOICES_PAGE, 5],
    ] as const) {
      bounds[name] = bound;
      const smallCount = (await count(query, small.adminToken)).statements.length;
      const largeRun = await count(query, large.adminToken);
      report[name] = [smallCount, largeRun.statements.length];
      if (process.env.DEBUG_STATEMENTS)
        console.log(
          name,
          largeRun.statements.map((q) => q.slice(0, 160)),
        );
    }
    const lines = Object.entries(report).map(
      ([name, [s, l]]) => `  ${name}: ${s} statements at ${SMALL.users} users, ${l} at ${LARGE.users}`,
    );
    console.log(`SQL statements per request (${driver}):\n${lines.join('\n')}`);
    for (const [name, [smallCount, largeCount]] of Object.entries(report)) {
      expect({ name, smallCount, largeCount }).toEqual({
        name,
        smallCount: expect.any(Number),
        largeCount: smallCount, // constant in the organization's size
      });
      expect({ name, statements: largeCount }).toEqual({ name, statements: Math.min(largeCount, bounds[name]) });
    }
    // The pages are full on the large organization (the counts above are of full pages).
    const full = await ok(
      server.gql(
        `{ organization { users(first: 100) { nodes { id } } creditBalance { ledger(first: 100) { nodes { id } } } invoices(first: 20) { nodes { id } } } }`,
        {},
        large.adminToken,
      ),
    );
    expect([
      full.organization.users.nodes.length,
      full.organization.creditBalance.ledger.nodes.length,
      full.organization.invoices.nodes.length,
    ]).toEqual([100, 100, 20]);
  });

  // Issue 12: every statement of the key operations has an index for its filter (EXPLAIN on MariaDB, on the 200-user
  // organization). A full scan with an index available is the optimizer's choice on a table this small (a few hundred
  // rows); a full scan with no possible key would be a missing index, and grows with the organization's history.
  if (driver === 'mariadb')
    it('EXPLAIN: every statement of the key operations reads through an index', async () => {
      const scans: string[] = [];
      for (const query of [
        BILLING_DASHBOARD,
        BILLING_DASHBOARD_WITH_FORECAST,
        USAGE_SERIES,
        USERS_PAGE,
        LEDGER_PAGE,
        INVOICES_PAGE,
      ]) {
        clock.advance(server.app.config.readCacheMs + 1);
        const {
          result,
          statements: sent,
          parameters,
        } = await statements.during(() => server.gql(query, {}, large.adminToken));
        if (result.errors) throw new Error(JSON.stringify(result.errors));
        for (const [i, sql] of sent.entries()) {
          if (!/^\s*(SELECT|WITH)\b/i.test(sql)) continue;
          const plan: Array<{
            table: string | null;
            type: string | null;
            rows: unknown;
            possible_keys: string | null;
          }> = await server.app.dataSource.query(`EXPLAIN ${sql}`, parameters[i]);
          for (const row of plan)
            if (row.type === 'ALL' && !row.possible_keys && row.table && !/^<|^derived|^union/.test(row.table))
              scans.push(
                `${row.table} (${String(row.rows)} rows, keys ${row.possible_keys}): ${sql.slice(0, 200)} ${sql.slice(-200)}`,
              );
        }
      }
      expect(scans).toEqual([]);
    });
});
