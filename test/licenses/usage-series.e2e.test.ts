import { addUser, codes, createOrg, DRIVERS, ok, startServer, TestServer } from '../support/harness';
import { ManualClock } from '../support/clock';
import { ADD_LOCATION } from './support';

const SERIES = /* GraphQL */ `
  query Series($id: ID, $bucket: UsageBucket!, $from: DateTime, $to: DateTime) {
    organization(id: $id) {
      license {
        kind
        inUse
        peakThisPeriod
        series(bucket: $bucket, from: $from, to: $to) {
          start
          peak
          end
        }
      }
    }
  }
`;

const DEACTIVATE_USER = `mutation($id: ID!) { deactivateUser(id: $id) { id status } }`;
const REACTIVATE_USER = `mutation($id: ID!) { reactivateUser(id: $id) { id status } }`;
const DEACTIVATE_LOCATION = `mutation($id: ID!) { deactivateLocation(id: $id) { id status } }`;

describe.each(DRIVERS)('R29: usage series over HTTP on %s', (driver) => {
  let server: TestServer;
  const clock = new ManualClock(new Date('2026-03-01T09:30:00.000Z'));

  beforeAll(async () => {
    server = await startServer(driver, {
      appOptions: { clock },
      config: { logLevel: process.env.TEST_LOG_LEVEL ?? 'silent' },
    });
  });
  afterAll(() => server.close());

  const series = (token: string, variables: Record<string, unknown>) => server.gql(SERIES, variables, token);

  it('R29: hourly and daily points of a USER license: peaks with R9 ordering, in use at each end and now', async () => {
    clock.set('2026-03-01T09:30:00.000Z'); // the period starts inside the 09:00 hour; the admin is active
    const org = await createOrg(server, { licenseModel: 'USER', contractedSeats: 5, seatPriceCents: 1500 });
    clock.set('2026-03-01T10:15:00.000Z');
    const a = await addUser(server, org.adminToken);
    const b = await addUser(server, org.adminToken); // 3 in use
    clock.set('2026-03-01T10:45:00.000Z'); // a transfer at one instant: b out, c in — no peak of 4
    await ok(server.gql(DEACTIVATE_USER, { id: b.id }, org.adminToken));
    const c = await addUser(server, org.adminToken);
    clock.set('2026-03-01T11:00:00.000Z'); // on the 11:00 boundary: that hour starts at 2
    await ok(server.gql(DEACTIVATE_USER, { id: c.id }, org.adminToken));
    clock.set('2026-03-01T12:20:00.000Z');
    await ok(server.gql(REACTIVATE_USER, { id: b.id }, org.adminToken)); // 3
    clock.set('2026-03-01T12:25:00.000Z');
    await ok(server.gql(DEACTIVATE_USER, { id: a.id }, org.adminToken)); // 2
    clock.set('2026-03-01T12:40:00.000Z');

    const hourly = (await ok(series(org.adminToken, { bucket: 'HOUR' }))).organization.license;
    expect(hourly.series).toEqual([
      { start: '2026-03-01T09:00:00.000Z', peak: 1, end: 1 },
      { start: '2026-03-01T10:00:00.000Z', peak: 3, end: 3 },
      { start: '2026-03-01T11:00:00.000Z', peak: 2, end: 2 },
      { start: '2026-03-01T12:00:00.000Z', peak: 3, end: 2 }, // the current hour ends now
    ]);
    expect(hourly.series.at(-1).end).toBe(hourly.inUse);
    expect(Math.max(...hourly.series.map((p: { peak: number }) => p.peak))).toBe(hourly.peakThisPeriod);

    const daily = (await ok(series(org.adminToken, { bucket: 'DAY' }))).organization.license;
    expect(daily.series).toEqual([{ start: '2026-03-01T00:00:00.000Z', peak: 3, end: 2 }]);

    // An explicit range: the 10:00 bucket measured from 10:30 on, the 11:00 one up to 11:30
    const ranged = await ok(
      series(org.adminToken, { bucket: 'HOUR', from: '2026-03-01T10:30:00.000Z', to: '2026-03-01T11:30:00.000Z' }),
    );
    expect(ranged.organization.license.series).toEqual([
      { start: '2026-03-01T10:00:00.000Z', peak: 3, end: 3 },
      { start: '2026-03-01T11:00:00.000Z', peak: 2, end: 2 },
    ]);

    // Operators name the organization
    const asOperator = await ok(series(server.operatorToken, { id: org.orgId, bucket: 'DAY' }));
    expect(asOperator.organization.license.series).toEqual(daily.series);
  });

  it('R29: a LOCATION license charts locations', async () => {
    clock.set('2026-03-01T09:30:00.000Z');
    const org = await createOrg(server, { licenseModel: 'LOCATION', contractedLocations: 1, locationPriceCents: 900 });
    clock.set('2026-03-01T09:40:00.000Z');
    const first = (await ok(server.gql(ADD_LOCATION, { name: 'North' }, org.adminToken))).addLocation.id;
    clock.set('2026-03-01T10:05:00.000Z');
    await ok(server.gql(ADD_LOCATION, { name: 'South' }, org.adminToken));
    clock.set('2026-03-01T10:10:00.000Z');
    await ok(server.gql(DEACTIVATE_LOCATION, { id: first }, org.adminToken));
    clock.set('2026-03-01T10:20:00.000Z');
    const { license } = (await ok(series(org.adminToken, { bucket: 'HOUR' }))).organization;
    expect(license.kind).toBe('LOCATION');
    expect(license.series).toEqual([
      { start: '2026-03-01T09:00:00.000Z', peak: 1, end: 1 },
      { start: '2026-03-01T10:00:00.000Z', peak: 2, end: 1 },
    ]);
  });

  it('R29: from after to, a range outside the current period, or more than 800 buckets is BAD_USER_INPUT with the field', async () => {
    clock.set('2026-03-01T09:30:00.000Z');
    const monthly = await createOrg(server);
    const annual = await createOrg(server, { licenseModel: 'USER', contractedSeats: 5, billingInterval: 'ANNUAL' });
    clock.set('2026-05-01T00:00:00.000Z'); // the monthly period has elapsed (not closed yet); the annual one runs
    const refusal = async (token: string, variables: Record<string, unknown>) => {
      const res = await series(token, variables);
      expect(res.data?.organization?.license ?? null).toBeNull();
      return res.errors!.map((e) => ({ code: e.extensions?.code, field: e.extensions?.field, path: e.path }));
    };
    const path = ['organization', 'license', 'series'];
    expect(
      await refusal(annual.adminToken, {
        bucket: 'HOUR',
        from: '2026-03-02T00:00:00.000Z',
        to: '2026-03-01T12:00:00.000Z',
      }),
    ).toEqual([{ code: 'BAD_USER_INPUT', field: 'from', path }]);
    expect(await refusal(annual.adminToken, { bucket: 'DAY', from: '2026-02-28T00:00:00.000Z' })).toEqual([
      { code: 'BAD_USER_INPUT', field: 'from', path },
    ]);
    expect(await refusal(monthly.adminToken, { bucket: 'DAY', to: '2026-04-15T00:00:00.000Z' })).toEqual([
      { code: 'BAD_USER_INPUT', field: 'to', path },
    ]);
    // Two months of hours: 1,447 buckets
    expect(await refusal(annual.adminToken, { bucket: 'HOUR' })).toEqual([
      { code: 'BAD_USER_INPUT', field: 'bucket', path },
    ]);
    // The same range in days fits; the elapsed monthly period charts to its end
    const days = (await ok(series(annual.adminToken, { bucket: 'DAY' }))).organization.license.series;
    expect(days).toHaveLength(62);
    expect(days[0]).toEqual({ start: '2026-03-01T00:00:00.000Z', peak: 1, end: 1 });
    const month = (await ok(series(monthly.adminToken, { bucket: 'DAY' }))).organization.license.series;
    expect(month.at(-1).start).toBe('2026-04-01T00:00:00.000Z');
    expect(month).toHaveLength(32);
  });

  it('R4, R5: the series is part of the license: FORBIDDEN without MANAGE_BILLING, NOT_FOUND in another organization', async () => {
    clock.set('2026-03-01T09:30:00.000Z');
    const mine = await createOrg(server);
    const theirs = await createOrg(server);
    const employee = await addUser(server, mine.adminToken, { role: 'EMPLOYEE' });
    clock.set('2026-03-01T10:00:00.000Z');
    const forbidden = await series(employee.token, { bucket: 'HOUR' });
    expect(codes(forbidden)).toEqual(['FORBIDDEN']);
    expect(forbidden.data.organization).toEqual({ license: null });
    const elsewhere = await series(mine.adminToken, { id: theirs.orgId, bucket: 'HOUR' });
    expect(codes(elsewhere)).toEqual(['NOT_FOUND']);
  });
});
