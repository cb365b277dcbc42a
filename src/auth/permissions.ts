import type { EntityManager } from 'typeorm';
import { ALL_PERMISSIONS, Permission, Role, User, UserStatus } from '../../entities';

/** R1, R2 as pure functions; the overrides they read come from `services/permission.service.ts`. */

/** R1: what each role holds when the organization has not overridden it. */
export const ROLE_DEFAULTS: Readonly<Record<Role, ReadonlySet<Permission>>> = {
  [Role.ADMIN]: new Set([Permission.MANAGE_BILLING, Permission.MANAGE_USERS, Permission.ASSIGN_CONTENT]),
  [Role.MANAGER]: new Set([Permission.MANAGE_USERS, Permission.ASSIGN_CONTENT]),
  [Role.EMPLOYEE]: new Set(),
};

/** The key of a role override in the maps `PermissionService.roleOverrides` returns. */
export const roleKey = (role: Role, permission: Permission) => `${role}:${permission}`;

/** R2: user override, else role override, else role default; a deactivated user holds nothing. */
export function effectivePermissions(
  user: Pick<User, 'role' | 'status'>,
  roleOverrides: ReadonlyMap<string, boolean>,
  userOverrides: ReadonlyMap<Permission, boolean>,
): Permission[] {
  if (user.status !== UserStatus.ACTIVE) return [];
  return ALL_PERMISSIONS.filter(
    (p) => userOverrides.get(p) ?? roleOverrides.get(roleKey(user.role, p)) ?? ROLE_DEFAULTS[user.role].has(p),
  );
}

export function roleGrants(role: Role, permission: Permission, roleOverrides: ReadonlyMap<string, boolean>): boolean {
  return roleOverrides.get(roleKey(role, permission)) ?? ROLE_DEFAULTS[role].has(permission);
}

/** A user as authentication reads it: the row, its effective permissions (R2) and its organization's role overrides. */
export interface AuthenticatedUser {
  user: User;
  permissions: Permission[];
  /** Keyed by `roleKey`, every role of the organization. */
  roleOverrides: ReadonlyMap<string, boolean>;
  /** The organization's `stateVersion` as the same statement read it. */
  organizationVersion: number;
}

/** What authentication needs to know of a user's permissions (implemented by `PermissionService`, which reads the overrides). */
export interface PermissionReader {
  /** The user with its permissions, null when there is none; one statement. */
  forAuthentication(em: EntityManager, userId: string): Promise<AuthenticatedUser | null>;
}
