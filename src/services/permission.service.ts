import { EntityManager, In } from 'typeorm';
import { Permission, RolePermissionOverride, User, UserPermissionOverride, UserStatus } from '../../entities';
import { effectivePermissions, PermissionReader, roleKey } from '../auth/permissions';

/** Read-only: what users may do (R1, R2), from the role and user overrides. The overrides are written by PermissionOverrideService. */
export class PermissionService implements PermissionReader {
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
}
