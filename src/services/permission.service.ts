import { DataSource, EntityManager, In } from 'typeorm';
import {
  Organization,
  Permission,
  Role,
  RolePermissionOverride,
  User,
  UserPermissionOverride,
  UserStatus,
} from '../../entities';
import { AuthenticatedUser, effectivePermissions, PermissionReader, roleKey } from '../auth/permissions';
import { entityFromRow } from '../db/sql';

/** A row of `authenticationStatement`: a user row (kind U) or one of its overrides (P) or its organization's (R). */
type AuthenticationRow = Record<string, unknown> & {
  kind: 'U' | 'P' | 'R';
  overrideRole: Role | null;
  overridePermission: Permission | null;
  overrideGranted: unknown;
  organizationVersion: unknown;
};

/** The statement of `forAuthentication`, per data source (it names the columns of the User entity, quoted for the driver). */
const authenticationStatements = new WeakMap<DataSource, string>();

/**
 * One statement, three index lookups: the user by its key, its overrides (by `userId`), and its organization's role
 * overrides (by `organizationId`, every role: the users page reuses them). The user's columns come back as they are
 * and are NULL in the override rows.
 */
function authenticationStatement(em: EntityManager): string {
  let sql = authenticationStatements.get(em.connection);
  if (sql) return sql;
  const q = (name: string) => em.connection.driver.escape(name);
  const userMetadata = em.connection.getMetadata(User);
  const columns = userMetadata.columns.map((c) => c.databaseName);
  const nulls = columns.map((c) => `NULL AS ${q(c)}`).join(', ');
  const table = (entity: new () => object) => q(em.connection.getMetadata(entity).tableName);
  sql = [
    `SELECT ${columns.map((c) => `u.${q(c)}`).join(', ')}, 'U' AS ${q('kind')}, NULL AS ${q('overrideRole')}, NULL AS ${q('overridePermission')}, NULL AS ${q('overrideGranted')}, org.${q('stateVersion')} AS ${q('organizationVersion')}`,
    `FROM ${table(User)} u LEFT JOIN ${table(Organization)} org ON org.${q('id')} = u.${q('organizationId')} WHERE u.${q('id')} = ?`,
    'UNION ALL',
    `SELECT ${nulls}, 'P', NULL, o.${q('permission')}, o.${q('granted')}, NULL`,
    `FROM ${table(UserPermissionOverride)} o WHERE o.${q('userId')} = ?`,
    'UNION ALL',
    `SELECT ${nulls}, 'R', r.${q('role')}, r.${q('permission')}, r.${q('granted')}, NULL`,
    `FROM ${table(User)} ou JOIN ${table(RolePermissionOverride)} r ON r.${q('organizationId')} = ou.${q('organizationId')} WHERE ou.${q('id')} = ?`,
  ].join('\n');
  authenticationStatements.set(em.connection, sql);
  return sql;
}

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

  /**
   * Authentication's read (R1/R2 inputs) in one statement: the user, its effective permissions and its organization's
   * role overrides; null when there is no such user.
   */
  async forAuthentication(em: EntityManager, userId: string): Promise<AuthenticatedUser | null> {
    const rows: AuthenticationRow[] = await em.query(authenticationStatement(em), [userId, userId, userId]);
    const userRow = rows.find((r) => r.kind === 'U');
    if (!userRow) return null;
    const user = entityFromRow(em, User, userRow);
    const roleOverrides = new Map<string, boolean>();
    const userOverrides = new Map<Permission, boolean>();
    for (const r of rows) {
      if (r.kind === 'R')
        roleOverrides.set(roleKey(r.overrideRole!, r.overridePermission!), Boolean(Number(r.overrideGranted)));
      else if (r.kind === 'P') userOverrides.set(r.overridePermission!, Boolean(Number(r.overrideGranted)));
    }
    return {
      user,
      permissions: effectivePermissions(user, roleOverrides, userOverrides),
      roleOverrides,
      organizationVersion: Number(userRow.organizationVersion ?? 0),
    };
  }

  async forUser(em: EntityManager, user: User): Promise<Permission[]> {
    const [roles, users] = await Promise.all([
      this.roleOverrides(em, user.organizationId),
      this.userOverrides(em, [user.id]),
    ]);
    return effectivePermissions(user, roles, users.get(user.id)!);
  }

  /**
   * Effective permissions of many users of one organization, in two queries; in one when the organization's role
   * overrides are already known (`knownRoleOverrides`, e.g. read with the viewer at authentication).
   */
  async forUsers(
    em: EntityManager,
    organizationId: string,
    users: readonly User[],
    knownRoleOverrides?: ReadonlyMap<string, boolean>,
  ): Promise<Map<string, Permission[]>> {
    const [roles, overrides] = await Promise.all([
      knownRoleOverrides ?? this.roleOverrides(em, organizationId),
      this.userOverrides(
        em,
        users.map((u) => u.id),
      ),
    ]);
    return new Map(users.map((u) => [u.id, effectivePermissions(u, roles, overrides.get(u.id)!)]));
  }

  /**
   * Which of `userIds` are members of the organization holding `permission` now (a deactivated user holds none): the
   * per-event re-check of live streams (R4), in two queries for any number of users.
   */
  async holdersAmong(
    em: EntityManager,
    organizationId: string,
    userIds: readonly string[],
    permission: Permission,
  ): Promise<Set<string>> {
    if (userIds.length === 0) return new Set();
    const users = await em.find(User, { where: { id: In([...userIds]), organizationId } });
    const permissions = await this.forUsers(em, organizationId, users);
    return new Set(users.filter((u) => permissions.get(u.id)!.includes(permission)).map((u) => u.id));
  }

  /** Active users holding a permission now (inside a transaction, this sees its own uncommitted changes). */
  async activeHolders(em: EntityManager, organizationId: string, permission: Permission): Promise<User[]> {
    const users = await em.find(User, { where: { organizationId, status: UserStatus.ACTIVE } });
    const permissions = await this.forUsers(em, organizationId, users);
    return users.filter((u) => permissions.get(u.id)!.includes(permission));
  }
}
