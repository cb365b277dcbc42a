import { addUser, codes, createOrg, DRIVERS, startServer, TestServer } from '../support/harness';

/** A snapshot of everything an organization owns, read by an operator, to prove a refused call changed nothing. */
async function snapshot(server: TestServer, orgId: string) {
  const res = await server.gql(
    `query($id: ID) { organization(id: $id) { name status users(first: 100) { nodes { id email status role permissions location { id } } } locations { id name status } rolePermissions { role permission granted } contract { licenseModel contractedSeats } } }`,
    { id: orgId },
    server.operatorToken,
  );
  expect(res.errors).toBeUndefined();
  return res.data.organization;
}

describe.each(DRIVERS)('tenancy (R5) on %s', (driver) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer(driver);
  });
  afterAll(async () => {
    await server.close();
  });

  it("R5: every id-taking operation answers NOT_FOUND for another organization's ids and changes nothing", async () => {
    const mine = await createOrg(server, undefined, 'Mine');
    const theirs = await createOrg(server, undefined, 'Theirs');
    const theirUser = await addUser(server, theirs.adminToken);
    const theirLocation = (
      await server.gql(`mutation { addLocation(input: { name: "Their HQ" }) { id } }`, {}, theirs.adminToken)
    ).data.addLocation.id;
    await server.gql(`mutation($id: ID!) { deactivateUser(id: $id) { id } }`, { id: theirUser.id }, theirs.adminToken);
    const before = await snapshot(server, theirs.orgId);

    const attempts: Array<[string, string, Record<string, unknown>]> = [
      ['organization(id)', `query($id: ID) { organization(id: $id) { id } }`, { id: theirs.orgId }],
      ['deactivateUser', `mutation($id: ID!) { deactivateUser(id: $id) { id } }`, { id: theirs.adminId }],
      ['reactivateUser', `mutation($id: ID!) { reactivateUser(id: $id) { id } }`, { id: theirUser.id }],
      [
        'setUserPermission',
        `mutation($id: ID!) { setUserPermission(userId: $id, permission: ASSIGN_CONTENT, granted: false) { id } }`,
        { id: theirs.adminId },
      ],
      ['deactivateLocation', `mutation($id: ID!) { deactivateLocation(id: $id) { id } }`, { id: theirLocation }],
      [
        'addUser(locationId)',
        `mutation($loc: ID) { addUser(input: { email: "sneaky@example.test", name: "S", locationId: $loc }) { id } }`,
        { loc: theirLocation },
      ],
      [
        'addUser(organizationId)',
        `mutation($org: ID) { addUser(input: { email: "sneaky2@example.test", name: "S" }, organizationId: $org) { id } }`,
        { org: theirs.orgId },
      ],
      [
        'addLocation(organizationId)',
        `mutation($org: ID) { addLocation(input: { name: "Sneaky" }, organizationId: $org) { id } }`,
        { org: theirs.orgId },
      ],
      [
        'setRolePermission(organizationId)',
        `mutation($org: ID) { setRolePermission(role: EMPLOYEE, permission: ASSIGN_CONTENT, granted: true, organizationId: $org) { granted } }`,
        { org: theirs.orgId },
      ],
    ];
    for (const [name, query, variables] of attempts) {
      const res = await server.gql(query, variables, mine.adminToken);
      expect({ name, codes: codes(res) }).toEqual({ name, codes: ['NOT_FOUND'] });
      expect(JSON.stringify(res)).not.toContain('Theirs');
    }
    expect(await snapshot(server, theirs.orgId)).toEqual(before);
    // and my own organization did not gain anything either
    const mineNow = await snapshot(server, mine.orgId);
    expect(mineNow.users.nodes).toHaveLength(1);
    expect(mineNow.locations).toHaveLength(0);
  });

  it('R5: unknown ids are NOT_FOUND too, indistinguishable from foreign ones', async () => {
    const mine = await createOrg(server);
    const res = await server.gql(
      `mutation { deactivateUser(id: "00000000-0000-0000-0000-000000000000") { id } }`,
      {},
      mine.adminToken,
    );
    expect(codes(res)).toEqual(['NOT_FOUND']);
    const org = await server.gql(`{ organization(id: "nope") { id } }`, {}, mine.adminToken);
    expect(codes(org)).toEqual(['NOT_FOUND']);
  });

  it('R5: operators reach any organization by id', async () => {
    const theirs = await createOrg(server, undefined, 'Theirs');
    const res = await server.gql(
      `query($id: ID) { organization(id: $id) { name } }`,
      { id: theirs.orgId },
      server.operatorToken,
    );
    expect(res.data.organization.name).toBe('Theirs');
    const added = await server.gql(
      `mutation($org: ID) { addLocation(input: { name: "Ops" }, organizationId: $org) { name } }`,
      { org: theirs.orgId },
      server.operatorToken,
    );
    expect(added.data.addLocation.name).toBe('Ops');
  });
});
