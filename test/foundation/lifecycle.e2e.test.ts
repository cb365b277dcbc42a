import {
  addUser,
  codes,
  createOrg,
  CREATE_ORG,
  DRIVERS,
  startServer,
  TestServer,
  uniqueEmail,
} from '../support/harness';

describe.each(DRIVERS)('organizations, users and locations on %s', (driver) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer(driver);
  });
  afterAll(async () => {
    await server.close();
  });

  const count = async (orgId: string) => {
    const res = await server.gql(
      `query($id: ID) { organization(id: $id) { users { totalCount } locations { id } } }`,
      { id: orgId },
      server.operatorToken,
    );
    return { users: res.data.organization.users.totalCount, locations: res.data.organization.locations.length };
  };

  it('a new organization gets its admin, its contract with defaults and a first billing period of one calendar month', async () => {
    const email = uniqueEmail('Founder');
    const res = await server.gql(
      CREATE_ORG,
      { input: { name: '  Initech  ', admin: { email, name: 'Bill' }, contract: { licenseModel: 'USER' } } },
      server.operatorToken,
    );
    const id = res.data.createOrganization.id;
    expect(res.data.createOrganization).toMatchObject({ name: 'Initech', status: 'ACTIVE' });
    const org = await server.gql(
      `query($id: ID) { organization(id: $id) { createdAt currentPeriod { start end } contract { licenseModel billingInterval contractedSeats seatPrice { cents currency formatted } creditUnitPrice { cents formatted } allowOverage paymentTermsDays } users { nodes { email role status activatedAt } } } }`,
      { id },
      server.operatorToken,
    );
    const o = org.data.organization;
    expect(o.contract).toEqual({
      licenseModel: 'USER',
      billingInterval: 'MONTHLY',
      contractedSeats: 0,
      seatPrice: { cents: 0, currency: 'USD', formatted: '$0.00' },
      creditUnitPrice: { cents: 1000, formatted: '$10.00' },
      allowOverage: true,
      paymentTermsDays: 30,
    });
    expect(o.users.nodes).toEqual([
      { email: email.toLowerCase(), role: 'ADMIN', status: 'ACTIVE', activatedAt: o.createdAt },
    ]);
    const start = new Date(o.currentPeriod.start);
    const end = new Date(o.currentPeriod.end);
    expect(o.currentPeriod.start).toBe(o.createdAt);
    const expectedEnd = new Date(start);
    expectedEnd.setUTCMonth(start.getUTCMonth() + 1);
    if (expectedEnd.getUTCDate() === start.getUTCDate()) expect(end.toISOString()).toBe(expectedEnd.toISOString());
    else expect(end.getTime()).toBeLessThan(expectedEnd.getTime()); // month-end clamping (e.g. Jan 31 → Feb 28)
  });

  it('an ANNUAL contract opens a twelve-month period', async () => {
    const org = await createOrg(server, {
      licenseModel: 'LOCATION',
      billingInterval: 'ANNUAL',
      contractedLocations: 2,
    });
    const res = await server.gql(`{ organization { currentPeriod { start end } } }`, {}, org.adminToken);
    const { start, end } = res.data.organization.currentPeriod;
    const months =
      (new Date(end).getUTCFullYear() - new Date(start).getUTCFullYear()) * 12 +
      new Date(end).getUTCMonth() -
      new Date(start).getUTCMonth();
    expect(months).toBe(12);
  });

  it('users: add, deactivate, reactivate, location, listing with cursors', async () => {
    const org = await createOrg(server);
    const loc = (
      await server.gql(
        `mutation { addLocation(input: { name: "Dock" }) { id name status createdAt } }`,
        {},
        org.adminToken,
      )
    ).data.addLocation;
    expect(loc).toMatchObject({ name: 'Dock', status: 'ACTIVE' });
    const u = await server.gql(
      `mutation($loc: ID) { addUser(input: { email: "MiXeD.Case@Example.TEST", name: "Mix", locationId: $loc }) { email role status location { name } permissions } }`,
      { loc: loc.id },
      org.adminToken,
    );
    expect(u.errors).toBeUndefined();
    expect(u.data.addUser).toEqual({
      email: 'mixed.case@example.test',
      role: 'EMPLOYEE',
      status: 'ACTIVE',
      location: { name: 'Dock' },
      permissions: [],
    });
    const ids: string[] = [org.adminId];
    for (let i = 0; i < 4; i++) ids.push((await addUser(server, org.adminToken)).id);
    const deactivated = await server.gql(
      `mutation($id: ID!) { deactivateUser(id: $id) { status deactivatedAt } }`,
      { id: ids[1] },
      org.adminToken,
    );
    expect(deactivated.data.deactivateUser.status).toBe('DEACTIVATED');
    expect(deactivated.data.deactivateUser.deactivatedAt).not.toBeNull();
    const again = await server.gql(
      `mutation($id: ID!) { deactivateUser(id: $id) { status } }`,
      { id: ids[1] },
      org.adminToken,
    );
    expect(codes(again)).toEqual(['CONFLICT']);
    const reactivated = await server.gql(
      `mutation($id: ID!) { reactivateUser(id: $id) { status deactivatedAt } }`,
      { id: ids[1] },
      org.adminToken,
    );
    expect(reactivated.data.reactivateUser).toEqual({ status: 'ACTIVE', deactivatedAt: null });
    await server.gql(`mutation($id: ID!) { deactivateUser(id: $id) { status } }`, { id: ids[2] }, org.adminToken);

    const seen: string[] = [];
    let after: string | null = null;
    for (;;) {
      const page: any = await server.gql(
        `query($after: String) { organization { users(first: 2, after: $after) { totalCount edges { cursor node { id } } nodes { id } pageInfo { hasNextPage endCursor } } } }`,
        { after },
        org.adminToken,
      );
      const conn = page.data.organization.users;
      expect(conn.totalCount).toBe(6);
      expect(conn.nodes.map((n: { id: string }) => n.id)).toEqual(
        conn.edges.map((e: { node: { id: string } }) => e.node.id),
      );
      seen.push(...conn.nodes.map((n: { id: string }) => n.id));
      if (!conn.pageInfo.hasNextPage) break;
      after = conn.pageInfo.endCursor;
    }
    expect(seen).toHaveLength(6);
    expect(new Set(seen).size).toBe(6);
    const active = await server.gql(
      `{ organization { users(status: DEACTIVATED) { totalCount nodes { id } } } }`,
      {},
      org.adminToken,
    );
    expect(active.data.organization.users.nodes.map((n: { id: string }) => n.id)).toEqual([ids[2]]);
  });

  it('locations: add, deactivate, filter; a duplicate active name is a CONFLICT', async () => {
    const org = await createOrg(server);
    const a = (await server.gql(`mutation { addLocation(input: { name: "North" }) { id } }`, {}, org.adminToken)).data
      .addLocation.id;
    await server.gql(`mutation { addLocation(input: { name: "South" }) { id } }`, {}, org.adminToken);
    const dup = await server.gql(`mutation { addLocation(input: { name: "North" }) { id } }`, {}, org.adminToken);
    expect(codes(dup)).toEqual(['CONFLICT']);
    const off = await server.gql(
      `mutation($id: ID!) { deactivateLocation(id: $id) { status } }`,
      { id: a },
      org.adminToken,
    );
    expect(off.data.deactivateLocation.status).toBe('INACTIVE');
    const list = await server.gql(
      `{ organization { all: locations { name } active: locations(status: ACTIVE) { name } inactive: locations(status: INACTIVE) { name } } }`,
      {},
      org.adminToken,
    );
    expect(list.data.organization).toEqual({
      all: [{ name: 'North' }, { name: 'South' }],
      active: [{ name: 'South' }],
      inactive: [{ name: 'North' }],
    });
    const onInactive = await server.gql(
      `mutation($loc: ID) { addUser(input: { email: "x-${Date.now()}@example.test", name: "X", locationId: $loc }) { id } }`,
      { loc: a },
      org.adminToken,
    );
    expect(codes(onInactive)).toEqual(['BAD_USER_INPUT']);
    expect(onInactive.errors![0].extensions!.field).toBe('locationId');
  });

  describe('bad input gets a clear error and writes nothing', () => {
    it.each([
      ['invalid email', { email: 'not-an-email', name: 'X' }, 'email'],
      ['empty name', { email: 'ok@example.test', name: '' }, 'name'],
      ['name too long', { email: 'ok@example.test', name: 'x'.repeat(201) }, 'name'],
      ['blank name', { email: 'ok@example.test', name: '   ' }, 'name'],
    ])('addUser with %s → BAD_USER_INPUT on %s', async (_label, input, field) => {
      const org = await createOrg(server);
      const before = await count(org.orgId);
      const res = await server.gql(
        `mutation($input: AddUserInput!) { addUser(input: $input) { id } }`,
        { input },
        org.adminToken,
      );
      expect(codes(res)).toEqual(['BAD_USER_INPUT']);
      expect(res.errors![0].extensions!.field).toBe(field);
      expect(await count(org.orgId)).toEqual(before);
    });

    it('a duplicate email is a CONFLICT and adds nobody', async () => {
      const org = await createOrg(server);
      const email = uniqueEmail();
      await addUser(server, org.adminToken, { email });
      const res = await server.gql(
        `mutation($e: String!) { addUser(input: { email: $e, name: "Twin" }) { id } }`,
        { e: email.toUpperCase() },
        org.adminToken,
      );
      expect(codes(res)).toEqual(['CONFLICT']);
      expect((await count(org.orgId)).users).toBe(2);
    });

    it.each([
      ['negative seats', { licenseModel: 'USER', contractedSeats: -1 }, 'contract.contractedSeats'],
      ['negative price', { licenseModel: 'USER', seatPriceCents: -5 }, 'contract.seatPriceCents'],
      ['payment terms over a year', { licenseModel: 'USER', paymentTermsDays: 400 }, 'contract.paymentTermsDays'],
    ])('createOrganization with %s → BAD_USER_INPUT on %s, no organization', async (_label, contract, field) => {
      const email = uniqueEmail();
      const res = await server.gql(
        CREATE_ORG,
        { input: { name: 'Bad', admin: { email, name: 'B' }, contract } },
        server.operatorToken,
      );
      expect(codes(res)).toEqual(['BAD_USER_INPUT']);
      expect(res.errors![0].extensions!.field).toBe(field);
      // nothing written: the admin's email is still free
      const retry = await server.gql(
        CREATE_ORG,
        { input: { name: 'Good', admin: { email, name: 'B' }, contract: { licenseModel: 'USER' } } },
        server.operatorToken,
      );
      expect(retry.errors).toBeUndefined();
    });

    it('an unknown enum value or a wrong type is refused before execution', async () => {
      const org = await createOrg(server);
      const res = await server.gql(
        `mutation { addUser(input: { email: "a@example.test", name: "A", role: OWNER }) { id } }`,
        {},
        org.adminToken,
      );
      expect(res.errors?.[0].extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
      const vars = await server.gql(
        `mutation($s: Int) { updateContract(organizationId: "x", input: { licenseModel: USER, contractedSeats: $s }) { contractedSeats } }`,
        { s: 'many' },
        server.operatorToken,
      );
      expect(vars.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
      expect((await count(org.orgId)).users).toBe(1);
    });

    it('first over 100 or a forged cursor is BAD_USER_INPUT', async () => {
      const org = await createOrg(server);
      const big = await server.gql(`{ organization { users(first: 101) { totalCount } } }`, {}, org.adminToken);
      expect(big.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'first' });
      const forged = await server.gql(
        `{ organization { users(after: "garbage") { totalCount } } }`,
        {},
        org.adminToken,
      );
      expect(forged.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'after' });
    });
  });

  it('updateContract on an unknown organization is NOT_FOUND', async () => {
    const res = await server.gql(
      `mutation { updateContract(organizationId: "00000000-0000-0000-0000-000000000000", input: { licenseModel: USER }) { licenseModel } }`,
      {},
      server.operatorToken,
    );
    expect(codes(res)).toEqual(['NOT_FOUND']);
  });
});
