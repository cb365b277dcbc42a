import {
  codes,
  createOrg,
  DRIVERS,
  GqlResult,
  OrgFixture,
  startServer,
  TestServer,
  uniqueEmail,
  wsOnce,
} from '../support/harness';

/** R34: a client error is never INTERNAL_SERVER_ERROR, over HTTP or graphql-ws; a refused mutation writes nothing. */
describe.each(DRIVERS)('R34: client errors are client errors on %s', (driver) => {
  let server: TestServer;
  let org: OrgFixture;
  beforeAll(async () => {
    server = await startServer(driver, { config: { testClock: true } });
    org = await createOrg(server, { licenseModel: 'USER', contractedSeats: 10, seatPriceCents: 1500 }, 'Hardened Co');
  });
  afterAll(async () => {
    await server.close();
  });

  const only = (res: GqlResult) => {
    expect(res.errors).toHaveLength(1);
    return res.errors![0];
  };

  it('R34: requestTermination with a reason longer than its column (1,000) is BAD_USER_INPUT on field reason, and nothing changes', async () => {
    const res = await server.gql(
      `mutation($r: String) { requestTermination(reason: $r) { id status } }`,
      { r: 'x'.repeat(1001) },
      org.adminToken,
    );
    expect(only(res).extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'reason' });
    const after = await server.gql(`query { organization { status } }`, {}, org.adminToken);
    expect(after.data.organization.status).toBe('ACTIVE');
    // exactly the column's length is accepted (multi-line text is fine in a reason)
    const ok = await server.gql(
      `mutation($r: String) { requestTermination(reason: $r) { status } }`,
      { r: 'y\n'.repeat(500) },
      (await createOrg(server)).adminToken,
    );
    expect(ok.errors).toBeUndefined();
  });

  it('R34: control characters (NUL, bidi override, zero-width) in a reason are BAD_USER_INPUT', async () => {
    for (const r of ['a\u0000b', 'pay \u202Eevil', 'zero\u200Bwidth', '\uFEFFbom', 'c1\u0085']) {
      const res = await server.gql(
        `mutation($r: String) { requestTermination(reason: $r) { id } }`,
        { r },
        org.adminToken,
      );
      expect(only(res).extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'reason' });
    }
  });

  it('R34: addUser with locationId "" is BAD_USER_INPUT, an unknown locationId NOT_FOUND; no user is written', async () => {
    const email = uniqueEmail();
    const empty = await server.gql(
      `mutation($i: AddUserInput!) { addUser(input: $i) { id } }`,
      { i: { email, name: 'N', locationId: '' } },
      org.adminToken,
    );
    expect(only(empty).extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'locationId' });
    const unknown = await server.gql(
      `mutation($i: AddUserInput!) { addUser(input: $i) { id } }`,
      { i: { email, name: 'N', locationId: 'no-such-location' } },
      org.adminToken,
    );
    expect(codes(unknown)).toEqual(['NOT_FOUND']);
    const users = await server.gql(`query { organization { users { totalCount } } }`, {}, org.adminToken);
    expect(users.data.organization.users.totalCount).toBe(1);
  });

  it('R34: names and emails refuse line breaks, tabs and control characters (BAD_USER_INPUT with the field)', async () => {
    for (const [i, field] of [
      [{ email: uniqueEmail(), name: 'Line\nbreak' }, 'name'],
      [{ email: uniqueEmail(), name: 'Tab\tname' }, 'name'],
      [{ email: uniqueEmail(), name: 'Right\u2066to' }, 'name'],
      [{ email: `x\u0000${uniqueEmail()}`, name: 'Fine' }, 'email'],
      [{ email: uniqueEmail(), name: 'x'.repeat(201) }, 'name'],
    ] as const) {
      const res = await server.gql(`mutation($i: AddUserInput!) { addUser(input: $i) { id } }`, { i }, org.adminToken);
      expect(only(res).extensions).toMatchObject({ code: 'BAD_USER_INPUT', field });
    }
  });

  it('R34: idempotency keys and content ids refuse control characters', async () => {
    const key = await server.gql(
      `mutation { purchaseCredits(quantity: 1, idempotencyKey: "k\\u0000") { id } }`,
      {},
      org.adminToken,
    );
    expect(only(key).extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'idempotencyKey' });
    const content = await server.gql(
      `mutation($i: AssignPremiumContentInput!) { assignPremiumContent(input: $i) { id } }`,
      { i: { userId: org.adminId, contentId: 'c\u202Ed' } },
      org.adminToken,
    );
    expect(only(content).extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'contentId' });
  });

  it('R34: runScheduledJobs(asOf: 9999-12-31T23:59:59Z) is BAD_USER_INPUT (DateTime inputs are years 2000 to 2999), inline and as a variable', async () => {
    const inline = await server.gql(
      `mutation { runScheduledJobs(asOf: "9999-12-31T23:59:59Z") { periodsClosed } }`,
      {},
      server.operatorToken,
    );
    expect(codes(inline)).toEqual(['BAD_USER_INPUT']);
    for (const asOf of ['9999-12-31T23:59:59Z', '3000-01-01T00:00:00Z', '1999-12-31T23:59:59.999Z']) {
      const res = await server.gql(
        `mutation($t: DateTime!) { runScheduledJobs(asOf: $t) { periodsClosed } }`,
        { t: asOf },
        server.operatorToken,
      );
      expect(codes(res)).toEqual(['BAD_USER_INPUT']);
      expect(res.errors![0].message).toMatch(/2000.*2999/);
    }
    const edge = await server.gql(
      `mutation($t: DateTime!) { runScheduledJobs(asOf: $t) { periodsClosed } }`,
      { t: '2000-01-01T00:00:00Z' },
      server.operatorToken,
    );
    expect(edge.errors).toBeUndefined();
  });

  it('R34: over graphql-ws a variable of the wrong type is BAD_USER_INPUT, as over HTTP', async () => {
    const query = `query($n: Int!) { creditQuote(quantity: $n) { quantity } }`;
    const http = await server.gql(query, { n: 'NaN' }, org.adminToken);
    expect(codes(http)).toEqual(['BAD_USER_INPUT']);
    const client = server.ws(org.adminToken);
    const ws = await wsOnce(client, query, { n: 'NaN' });
    expect(codes(ws)).toEqual(['BAD_USER_INPUT']);
    const date = await wsOnce(client, `mutation($t: DateTime!) { runScheduledJobs(asOf: $t) { periodsClosed } }`, {
      t: '9999-12-31T23:59:59Z',
    });
    expect(codes(date)).toEqual(['BAD_USER_INPUT']);
    // and /metrics counts them as what the client saw (no request of this suite was an internal error)
    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    expect(metrics).toMatch(/graphql_errors_total\{code="BAD_USER_INPUT"\} [1-9]/);
    expect(metrics).not.toMatch(/graphql_errors_total\{code="INTERNAL_SERVER_ERROR"\}/);
  });
});
