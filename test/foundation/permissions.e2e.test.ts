import { addUser, codes, createOrg, DRIVERS, OrgFixture, startServer, TestServer } from '../support/harness';

/** R1 as the FAQ states it, written out independently of the implementation. */
const DEFAULTS: Record<string, string[]> = {
  ADMIN: ['MANAGE_BILLING', 'MANAGE_USERS', 'ASSIGN_CONTENT'],
  MANAGER: ['MANAGE_USERS', 'ASSIGN_CONTENT'],
  EMPLOYEE: [],
};

/** Every @hasPermission field of the foundation, with the permission it needs. */
const GUARDED_FIELDS: Array<{ field: string; selection: string; permission: string }> = [
  { field: 'users', selection: 'users { totalCount }', permission: 'MANAGE_USERS' },
  { field: 'rolePermissions', selection: 'rolePermissions { role }', permission: 'MANAGE_USERS' },
  { field: 'contract', selection: 'contract { licenseModel }', permission: 'MANAGE_BILLING' },
  { field: 'currentPeriod', selection: 'currentPeriod { start }', permission: 'MANAGE_BILLING' },
];

const ALL_FIELDS_QUERY = `{ organization { id name ${GUARDED_FIELDS.map((f) => f.selection).join(' ')} } }`;

type Override =
  | { kind: 'none' }
  | { kind: 'role'; permission: string; granted: boolean }
  | { kind: 'user'; permission: string; granted: boolean };

const OVERRIDES: Override[] = [
  { kind: 'none' },
  { kind: 'role', permission: 'MANAGE_BILLING', granted: true },
  { kind: 'role', permission: 'MANAGE_USERS', granted: false },
  { kind: 'user', permission: 'MANAGE_BILLING', granted: true },
  { kind: 'user', permission: 'MANAGE_USERS', granted: false },
];

function expectedPermissions(role: string, override: Override): Set<string> {
  const held = new Set(DEFAULTS[role]);
  if (override.kind !== 'none') {
    if (override.granted) held.add(override.permission);
    else held.delete(override.permission);
  }
  return held;
}

describe.each(DRIVERS)('permissions (R1–R4) on %s', (driver) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer(driver);
  });
  afterAll(async () => {
    await server.close();
  });

  const cases = (['ADMIN', 'MANAGER', 'EMPLOYEE'] as const).flatMap((role) =>
    OVERRIDES.map((override) => ({ role, override })),
  );

  it.each(cases)(
    'R4 matrix: $role with override $override.kind $override.permission $override.granted',
    async ({ role, override }) => {
      const org = await createOrg(server);
      const subject = await addUser(server, org.adminToken, { role });
      if (override.kind === 'role') {
        const res = await server.gql(
          `mutation($r: Role!, $p: Permission!, $g: Boolean!) { setRolePermission(role: $r, permission: $p, granted: $g) { granted isDefault } }`,
          { r: role, p: override.permission, g: override.granted },
          org.adminToken,
        );
        expect(res.errors).toBeUndefined();
      } else if (override.kind === 'user') {
        const res = await server.gql(
          `mutation($u: ID!, $p: Permission!, $g: Boolean) { setUserPermission(userId: $u, permission: $p, granted: $g) { id } }`,
          { u: subject.id, p: override.permission, g: override.granted },
          org.adminToken,
        );
        expect(res.errors).toBeUndefined();
      }
      const held = expectedPermissions(role, override);
      const viewer = await server.gql(`{ viewer { permissions } }`, {}, subject.token);
      expect(new Set(viewer.data.viewer.permissions)).toEqual(held);

      const res = await server.gql(ALL_FIELDS_QUERY, {}, subject.token);
      // siblings always resolve
      expect(res.data.organization.id).toBe(org.orgId);
      expect(res.data.organization.name).toBe('Org');
      for (const f of GUARDED_FIELDS) {
        const error = res.errors?.find((e) => e.path?.join('.') === `organization.${f.field}`);
        if (held.has(f.permission)) {
          expect(res.data.organization[f.field]).not.toBeNull();
          expect(error).toBeUndefined();
        } else {
          expect(res.data.organization[f.field]).toBeNull();
          expect(error?.extensions?.code).toBe('FORBIDDEN');
        }
      }
      // mutations guarded by MANAGE_USERS follow the same rule
      const mutation = await server.gql(
        `mutation { addLocation(input: { name: "L-${role}-${override.kind}" }) { id } }`,
        {},
        subject.token,
      );
      if (held.has('MANAGE_USERS')) expect(mutation.errors).toBeUndefined();
      else expect(codes(mutation)).toEqual(['FORBIDDEN']);
    },
  );

  it('R2: a user override wins over a role override; null removes it', async () => {
    const org = await createOrg(server);
    const employee = await addUser(server, org.adminToken, { role: 'EMPLOYEE' });
    const perms = async () =>
      (
        await server.gql(
          `query($id: ID) { organization(id: $id) { users { nodes { id permissions } } } }`,
          {},
          org.adminToken,
        )
      ).data.organization.users.nodes.find((u: { id: string }) => u.id === employee.id).permissions;
    await server.gql(
      `mutation { setRolePermission(role: EMPLOYEE, permission: ASSIGN_CONTENT, granted: true) { granted } }`,
      {},
      org.adminToken,
    );
    expect(await perms()).toEqual(['ASSIGN_CONTENT']);
    await server.gql(
      `mutation($u: ID!) { setUserPermission(userId: $u, permission: ASSIGN_CONTENT, granted: false) { id } }`,
      { u: employee.id },
      org.adminToken,
    );
    expect(await perms()).toEqual([]);
    await server.gql(
      `mutation($u: ID!) { setUserPermission(userId: $u, permission: ASSIGN_CONTENT, granted: null) { id } }`,
      { u: employee.id },
      org.adminToken,
    );
    expect(await perms()).toEqual(['ASSIGN_CONTENT']);
    const roles = await server.gql(
      `{ organization { rolePermissions { role permission granted isDefault } } }`,
      {},
      org.adminToken,
    );
    expect(roles.data.organization.rolePermissions).toContainEqual({
      role: 'EMPLOYEE',
      permission: 'ASSIGN_CONTENT',
      granted: true,
      isDefault: false,
    });
    expect(roles.data.organization.rolePermissions).toContainEqual({
      role: 'MANAGER',
      permission: 'ASSIGN_CONTENT',
      granted: true,
      isDefault: true,
    });
    // back to the default: the override is gone
    const reset = await server.gql(
      `mutation { setRolePermission(role: EMPLOYEE, permission: ASSIGN_CONTENT, granted: false) { granted isDefault } }`,
      {},
      org.adminToken,
    );
    expect(reset.data.setRolePermission).toEqual({ granted: false, isDefault: true });
  });

  it('R3: no escalation — a manager cannot grant MANAGE_BILLING, nor add an ADMIN', async () => {
    const org = await createOrg(server);
    const manager = await addUser(server, org.adminToken, { role: 'MANAGER' });
    const employee = await addUser(server, org.adminToken);
    const grantUser = await server.gql(
      `mutation($u: ID!) { setUserPermission(userId: $u, permission: MANAGE_BILLING, granted: true) { id } }`,
      { u: employee.id },
      manager.token,
    );
    expect(codes(grantUser)).toEqual(['FORBIDDEN']);
    const grantRole = await server.gql(
      `mutation { setRolePermission(role: EMPLOYEE, permission: MANAGE_BILLING, granted: true) { granted } }`,
      {},
      manager.token,
    );
    expect(codes(grantRole)).toEqual(['FORBIDDEN']);
    const addAdmin = await server.gql(
      `mutation { addUser(input: { email: "escalate@example.test", name: "E", role: ADMIN }) { id } }`,
      {},
      manager.token,
    );
    expect(codes(addAdmin)).toEqual(['FORBIDDEN']);
    // what it holds, it may grant
    const ok = await server.gql(
      `mutation($u: ID!) { setUserPermission(userId: $u, permission: ASSIGN_CONTENT, granted: true) { permissions } }`,
      { u: employee.id },
      manager.token,
    );
    expect(ok.data.setUserPermission.permissions).toEqual(['ASSIGN_CONTENT']);
    const check = await server.gql(
      `{ organization { users { totalCount } rolePermissions { role permission granted } } }`,
      {},
      org.adminToken,
    );
    expect(check.data.organization.users.totalCount).toBe(3);
    expect(check.data.organization.rolePermissions).toContainEqual({
      role: 'EMPLOYEE',
      permission: 'MANAGE_BILLING',
      granted: false,
    });
  });

  describe('R3: the last billing manager', () => {
    let org: OrgFixture;
    beforeEach(async () => {
      org = await createOrg(server);
    });

    const billingHolders = async () => {
      const res = await server.gql(
        `{ organization { users(status: ACTIVE) { nodes { permissions } } } }`,
        {},
        org.adminToken,
      );
      return res.data.organization.users.nodes.filter((u: { permissions: string[] }) =>
        u.permissions.includes('MANAGE_BILLING'),
      ).length;
    };

    it('refuses to deactivate the only billing manager', async () => {
      const res = await server.gql(
        `mutation($id: ID!) { deactivateUser(id: $id) { id } }`,
        { id: org.adminId },
        org.adminToken,
      );
      expect(codes(res)).toEqual(['LAST_BILLING_MANAGER']);
      expect(await billingHolders()).toBe(1);
    });

    it('refuses to revoke MANAGE_BILLING from the ADMIN role or the user when none would remain', async () => {
      const role = await server.gql(
        `mutation { setRolePermission(role: ADMIN, permission: MANAGE_BILLING, granted: false) { granted } }`,
        {},
        org.adminToken,
      );
      expect(codes(role)).toEqual(['LAST_BILLING_MANAGER']);
      const user = await server.gql(
        `mutation($u: ID!) { setUserPermission(userId: $u, permission: MANAGE_BILLING, granted: false) { id } }`,
        { u: org.adminId },
        org.adminToken,
      );
      expect(codes(user)).toEqual(['LAST_BILLING_MANAGER']);
      expect(await billingHolders()).toBe(1);
      const roles = await server.gql(
        `{ organization { rolePermissions { role permission isDefault } } }`,
        {},
        org.adminToken,
      );
      expect(roles.data.organization.rolePermissions.every((r: { isDefault: boolean }) => r.isDefault)).toBe(true);
    });

    it('allows it once another active user holds MANAGE_BILLING', async () => {
      const second = await addUser(server, org.adminToken, { role: 'ADMIN' });
      const res = await server.gql(
        `mutation($id: ID!) { deactivateUser(id: $id) { status } }`,
        { id: org.adminId },
        second.token,
      );
      expect(res.data.deactivateUser.status).toBe('DEACTIVATED');
      expect(
        await (async () => {
          const r = await server.gql(
            `{ organization { users(status: ACTIVE) { nodes { permissions } } } }`,
            {},
            second.token,
          );
          return r.data.organization.users.nodes.filter((u: { permissions: string[] }) =>
            u.permissions.includes('MANAGE_BILLING'),
          ).length;
        })(),
      ).toBe(1);
    });

    it('two admins deactivating each other at the same time: exactly one succeeds', async () => {
      const second = await addUser(server, org.adminToken, { role: 'ADMIN' });
      const [a, b] = await Promise.all([
        server.gql(`mutation($id: ID!) { deactivateUser(id: $id) { id } }`, { id: second.id }, org.adminToken),
        server.gql(`mutation($id: ID!) { deactivateUser(id: $id) { id } }`, { id: org.adminId }, second.token),
      ]);
      const outcomes = [a, b].map((r) => (r.errors ? r.errors[0].extensions?.code : 'OK'));
      // The loser is refused either because it is now deactivated (FORBIDDEN) or because it would leave none.
      expect(outcomes.filter((o) => o === 'OK')).toHaveLength(1);
      expect(['FORBIDDEN', 'LAST_BILLING_MANAGER']).toContain(outcomes.find((o) => o !== 'OK'));
      const op = await server.gql(
        `query($id: ID) { organization(id: $id) { users(status: ACTIVE) { totalCount } } }`,
        { id: org.orgId },
        server.operatorToken,
      );
      expect(op.data.organization.users.totalCount).toBe(1);
    });
  });
});
