import { createOrg, DRIVERS, ok, startServer, TestServer, wsOnce } from '../support/harness';
import { ADD_LOCATION, AlertSubscriber, streamsOpen } from '../licenses/support';

const EVERY_LOCATION_ALERTS = { licenseModel: 'LOCATION', contractedLocations: 0, locationPriceCents: 4900 };

describe.each(DRIVERS)('graphql-ws: a bad operation fails alone on %s', (driver) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer(driver);
  });
  afterAll(async () => {
    await server?.close();
  });

  it('R34: a syntax error answers an error for that operation only; the socket and its subscriptions go on', async () => {
    const org = await createOrg(server, EVERY_LOCATION_ALERTS);
    const client = server.ws(org.adminToken);
    let closed: number | undefined;
    client.on('closed', (event) => (closed = (event as { code: number }).code));
    const dashboard = new AlertSubscriber(client);
    await streamsOpen(server, org.orgId, 1);

    const syntax = await wsOnce(client, `{ viewer { isOperator `);
    expect(syntax.errors).toHaveLength(1);
    expect(syntax.errors![0]).toMatchObject({ extensions: { code: 'GRAPHQL_PARSE_FAILED' } });
    expect(syntax.errors![0].message).toMatch(/Syntax Error/);
    const invalid = await wsOnce(client, `{ viewer { noSuchField } }`);
    expect(invalid.errors![0]).toMatchObject({ extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } });
    const empty = await wsOnce(client, ``);
    expect(empty.errors![0].extensions?.code).toBe('GRAPHQL_PARSE_FAILED');

    // the same socket still answers, and the subscription opened before the errors still receives
    expect((await wsOnce(client, `{ viewer { isOperator } }`)).data).toEqual({ viewer: { isOperator: false } });
    await ok(server.gql(ADD_LOCATION, { name: 'After the errors' }, org.adminToken));
    await dashboard.waitFor(1);
    expect(dashboard.errors).toEqual([]);
    expect(closed).toBeUndefined();
  });
});
