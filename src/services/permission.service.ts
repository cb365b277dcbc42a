import { EntityManager, In } from 'typeorm';
import { ALL_PERMISSIONS, ALL_ROLES, Permission, Role, RolePermissionOverride, User, UserPermissionOverride, UserStatus } from '../../entities';

/** R1: what each role holds when the organization has not overridden it. */
export const ROLE_DEFAULTS: Readonly<Record<Role, ReadonlySet<Permission>>> = {
  [Role.ADMIN]: new Set([Permission.MANAGE_BILLING, Permission.MANAGE_USERS, Permission.ASSIGN_CONTENT]),
  [Role.MANAGER]: new Set([Permission.MANAGE_USERS, Permission.ASSIGN_CONTENT]),
  [Role.EMPLOYEE]: new Set(),
};

export interface PermissionOverrides {
  /** role → permission → granted */
  role: ReadonlyMap<string, boolean>;
  /** permission → granted, for one user */
  user: ReadonlyMap<Permission, boolean>;
}

const roleKey = (role: Role, permission: Permission) => `${role}:${permission}`;

/** R2: user override, else role override, else role default; a deactivated user holds nothing. */
export function effectivePermissions(
  user: Pick<User, 'role' | 'status'>,
  roleOverrides: ReadonlyMap<string, boolean>,
  userOverrides: ReadonlyMap<Permission, boolean>,
): Permission[] {
  if (user.status !== UserStatus.ACTIVE) return [];
  return ALL_PERMISSIONS.filter((p) => userOverrides.get(p) ?? roleOverrides.get(roleKey(user.role, p)) ?? ROLE_DEFAULTS[user.role].has(p));
}

export function roleGrants(role: Role, permission: Permission, roleOverrides: ReadonlyMap<string, boolean>): boolean {
  return roleOverrides.get(roleKey(role, permission)) ?? ROLE_DEFAULTS[role].has(permission);
}

/** Reads permission overrides; SQL for R1–R3 stays here. */
export class PermissionService {
  async roleOverrides(em: EntityManager, organizationId: string): Promise<Map<string, boolean>> {
    const rows = await em.find(RolePermissionOverride, { where: { organizationId } });
    return new Map(rows.map((r) => [roleKey(r.role, r.permission), Boolean(r.granted)]));
  }

  async userOverrides(em: EntityManager, userIds: readonly string[]): Promise<Map<string, Map<Permission, boolean>>> {
    const byUser = new Map<string, Map<Permission, boolean>>(userIds.map((id) => [id, new Map()]));
    if (userIds.length === 0) return byUser;
    const rows = await em.find(UserPermissionOverride, { where: { userId: In([...userIds]) } });
    for (const r of rows) byUser.get(r.userId)?.set(r.permission, Boolean(r.granted));
    return byUser;
  }

  async forUser(em: EntityManager, user: User): Promise<Permission[]> {
    const [roles, users] = await Promise.all([this.roleOverrides(em, user.organizationId), this.userOverrides(em, [user.id])]);
    return effectivePermissions(user, roles, users.get(user.id)!);
  }

  /** Effective permissions of many users of one organization, in two queries. */
  async forUsers(em: EntityManager, organizationId: string, users: readonly User[]): Promise<Map<string, Permission[]>> {
    const [roles, overrides] = await Promise.all([this.roleOverrides(em, organizationId), this.userOverrides(em, users.map((u) => u.id))]);
    return new Map(users.map((u) => [u.id, effectivePermissions(u, roles, overrides.get(u.id)!)]));
  }

  /** Active users holding a permission now (inside a transaction, this sees its own uncommitted changes). */
  async activeHolders(em: EntityManager, organizationId: string, permission: Permission): Promise<User[]> {
    const users = await em.find(User, { where: { organizationId, status: UserStatus.ACTIVE } });
    const permissions = await this.forUsers(em, organizationId, users);
    return users.filter((u) => permissions.get(u.id)!.includes(permission));
  }

  allRolePermissions(roleOverrides: ReadonlyMap<string, boolean>) {
    return ALL_ROLES.flatMap((role) =>
      ALL_PERMISSIONS.map((permission) => ({
        role,
        permission,
        granted: roleGrants(role, permission, roleOverrides),
        isDefault: !roleOverrides.has(roleKey(role, permission)),
      })),
    );
  }
}
