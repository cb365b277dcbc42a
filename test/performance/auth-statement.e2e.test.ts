import { User } from '../../entities';
import { ADD_LOCATION } from '../licenses/support';
import { addUser, createOrg, DRIVERS, Driver, startServer, TestServer } from '../support/harness';

describe.each(DRIVERS)('authentication in one statement (%s)', (driver: Driver) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer(driver);
  });
  afterAll(() => server.close());

  it('R2: the user it builds is the row TypeORM reads, and its permissions are the overrides applied', async () => {
    const org = await createOrg(server);
    const location = (await server.gql(ADD_LOCATION, { name: 'North' }, org.adminToken)).data.addLocation;
    const manager = await addUser(server, org.adminToken, { role: 'MANAGER', locationId: location.id });
    const employee = await addUser(server, org.adminToken, { role: 'EMPLOYEE' });
    const gone = await addUser(server, org.adminToken, { role: 'EMPLOYEE' });
    await server.gql(
      `mutation { setRolePermission(role: MANAGER, permission: ASSIGN_CONTENT, granted: false) { granted } }`,
      {},
      org.adminToken,
    );
    await server.gql(
      `mutation { setRolePermission(role: EMPLOYEE, permission: ASSIGN_CONTENT, granted: true) { granted } }`,
      {},
      org.adminToken,
    );
    await server.gql(
      `mutation($id: ID!) { setUserPermission(userId: $id, permission: MANAGE_BILLING, granted: true) { id } }`,
      { id: manager.id },
      org.adminToken,
    );
    await server.gql(
      `mutation($id: ID!) { setUserPermission(userId: $id, permission: ASSIGN_CONTENT, granted: false) { id } }`,
      { id: employee.id },
      org.adminToken,
    );
    expect(
      (await server.gql(`mutation($id: ID!) { deactivateUser(id: $id) { status } }`, { id: gone.id }, org.adminToken))
        .errors,
    ).toBeUndefined();

    const { dataSource, services } = server.app;
    const expected: Record<string, string[]> = {
      [org.adminId]: ['MANAGE_BILLING', 'MANAGE_USERS', 'ASSIGN_CONTENT'],
      [manager.id]: ['MANAGE_BILLING', 'MANAGE_USERS'], // user override grants billing; role override revokes content
      [employee.id]: [], // role override grants content; the user override revokes it again
      [gone.id]: [], // deactivated
    };
    for (const [id, permissions] of Object.entries(expected)) {
      const found = (await services.permissions.forAuthentication(dataSource.manager, id))!;
      const row = await dataSource.manager.findOneByOrFail(User, { id });
      expect(found.user).toBeInstanceOf(User);
      expect(found.user).toEqual(row); // dates as Dates, nulls as nulls, on both drivers
      expect(found.permissions).toEqual(permissions);
      expect(found.permissions).toEqual(await services.permissions.forUser(dataSource.manager, row));
      expect(Object.fromEntries(found.roleOverrides)).toEqual({
        'MANAGER:ASSIGN_CONTENT': false,
        'EMPLOYEE:ASSIGN_CONTENT': true,
      });
    }
    const deactivated = (await services.permissions.forAuthentication(dataSource.manager, gone.id))!.user;
    expect(deactivated.deactivatedAt).toBeInstanceOf(Date);
    expect(deactivated.locationId).toBeNull();
    expect(await services.permissions.forAuthentication(dataSource.manager, 'no-such-user')).toBeNull();
  });

  it('R2: a permission changed by a mutation shows in its own payload (the request does not reuse what it read before)', async () => {
    const org = await createOrg(server);
    const revoked = await server.gql(
      `mutation($id: ID!) { setUserPermission(userId: $id, permission: ASSIGN_CONTENT, granted: false) { permissions } }`,
      { id: org.adminId },
      org.adminToken,
    );
    expect(revoked.data.setUserPermission.permissions).toEqual(['MANAGE_BILLING', 'MANAGE_USERS']);
    const after = await server.gql(`{ viewer { permissions user { permissions } } }`, {}, org.adminToken);
    expect(after.data.viewer).toEqual({
      permissions: ['MANAGE_BILLING', 'MANAGE_USERS'],
      user: { permissions: ['MANAGE_BILLING', 'MANAGE_USERS'] },
    });
  });
});
