import { SignJWT } from 'jose';
import { addUser, codes, createOrg, DRIVERS, startServer, TEST_SECRET, TestServer, wsOnce } from '../support/harness';

describe.each(DRIVERS)('authentication (R6) on %s', (driver) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer(driver);
  });
  afterAll(async () => {
    await server.close();
  });

  it('R6: without a token only viewer answers, with nulls', async () => {
    const res = await server.gql(`{ viewer { user { id } organization { id } permissions isOperator } }`);
    expect(res.errors).toBeUndefined();
    expect(res.data.viewer).toEqual({ user: null, organization: null, permissions: [], isOperator: false });
    const org = await server.gql(`{ organization { id } }`);
    expect(codes(org)).toEqual(['UNAUTHENTICATED']);
    const mutation = await server.gql(`mutation { addLocation(input: { name: "X" }) { id } }`);
    expect(codes(mutation)).toEqual(['UNAUTHENTICATED']);
  });

  it('R6: a user token identifies the user and its organization', async () => {
    const org = await createOrg(server);
    const res = await server.gql(
      `{ viewer { user { id role } organization { id } permissions isOperator } }`,
      {},
      org.adminToken,
    );
    expect(res.data.viewer).toEqual({
      user: { id: org.adminId, role: 'ADMIN' },
      organization: { id: org.orgId },
      permissions: ['MANAGE_BILLING', 'MANAGE_USERS', 'ASSIGN_CONTENT'],
      isOperator: false,
    });
  });

  it('R6: bad signature, expired token, unknown subject and malformed header are UNAUTHENTICATED (401)', async () => {
    const org = await createOrg(server);
    const key = (s: string) => new TextEncoder().encode(s);
    const wrongKey = await new SignJWT({})
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject(org.adminId)
      .setExpirationTime('1h')
      .sign(key('another-secret'));
    const expired = await new SignJWT({})
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject(org.adminId)
      .setExpirationTime(Math.floor(Date.now() / 1000) - 60)
      .sign(key(TEST_SECRET));
    const unknown = await new SignJWT({})
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('00000000-0000-0000-0000-000000000000')
      .setExpirationTime('1h')
      .sign(key(TEST_SECRET));
    for (const token of [wrongKey, expired, unknown, 'not-a-jwt']) {
      const res = await server.gql(`{ viewer { isOperator } }`, {}, token);
      expect(res.status).toBe(401);
      expect(codes(res)).toEqual(['UNAUTHENTICATED']);
    }
    const malformed = await server.gql(`{ viewer { isOperator } }`, {}, null, { authorization: 'Basic abc' });
    expect(codes(malformed)).toEqual(['UNAUTHENTICATED']);
  });

  it('R6: the same token works over graphql-ws; a bad one closes the socket with 4403', async () => {
    const org = await createOrg(server);
    const ok = await wsOnce(server.ws(org.adminToken), `{ viewer { user { id } } }`);
    expect(ok.data.viewer.user.id).toBe(org.adminId);
    const bad = server.ws('not-a-jwt');
    await expect(wsOnce(bad, `{ viewer { isOperator } }`)).rejects.toMatchObject({ code: 4403 });
  });

  it('R5: operators hold every permission and alone call operator mutations', async () => {
    const org = await createOrg(server);
    const viewer = await server.gql(
      `{ viewer { isOperator permissions organization { id } } }`,
      {},
      server.operatorToken,
    );
    expect(viewer.data.viewer).toEqual({
      isOperator: true,
      permissions: ['MANAGE_BILLING', 'MANAGE_USERS', 'ASSIGN_CONTENT'],
      organization: null,
    });
    const contract = await server.gql(
      `mutation($id: ID!) { updateContract(organizationId: $id, input: { licenseModel: LOCATION, contractedLocations: 3 }) { licenseModel contractedLocations contractedSeats } }`,
      { id: org.orgId },
      server.operatorToken,
    );
    expect(contract.data.updateContract).toEqual({
      licenseModel: 'LOCATION',
      contractedLocations: 3,
      contractedSeats: 10,
    });
    const refused = await server.gql(
      `mutation($id: ID!) { updateContract(organizationId: $id, input: { licenseModel: USER }) { licenseModel } }`,
      { id: org.orgId },
      org.adminToken,
    );
    expect(codes(refused)).toEqual(['FORBIDDEN']);
    const refusedCreate = await server.gql(
      `mutation { createOrganization(input: { name: "X", admin: { email: "x@example.test", name: "X" }, contract: { licenseModel: USER } }) { id } }`,
      {},
      org.adminToken,
    );
    expect(codes(refusedCreate)).toEqual(['FORBIDDEN']);
    const after = await server.gql(`{ organization { contract { licenseModel } } }`, {}, org.adminToken);
    expect(after.data.organization.contract.licenseModel).toBe('LOCATION');
  });

  it('R2: a deactivated user is still authenticated but holds nothing', async () => {
    const org = await createOrg(server);
    const manager = await addUser(server, org.adminToken, { role: 'MANAGER' });
    await server.gql(`mutation($id: ID!) { deactivateUser(id: $id) { id } }`, { id: manager.id }, org.adminToken);
    const res = await server.gql(
      `{ viewer { permissions user { status } } organization { users { totalCount } } }`,
      {},
      manager.token,
    );
    expect(res.data.viewer).toEqual({ permissions: [], user: { status: 'DEACTIVATED' } });
    expect(res.data.organization.users).toBeNull();
    expect(codes(res)).toEqual(['FORBIDDEN']);
  });
});
