import { EntityManager } from 'typeorm';
import {
  AuditAction,
  ALL_PERMISSIONS,
  ALL_ROLES,
  Permission,
  Role,
  RolePermissionOverride,
  User,
  UserPermissionOverride,
} from '../../entities';
import { requireHolds } from '../auth/guards';
import { UnitOfWork } from '../db/unit-of-work';
import { ROLE_DEFAULTS, roleGrants, roleKey } from '../auth/permissions';
import { PermissionService } from './permission.service';
import type { ServiceContext } from './service-context';
import { UserService } from './user.service';
import type { AuditLog } from './audit-log';

export interface RolePermissionView {
  role: Role;
  permission: Permission;
  granted: boolean;
  isDefault: boolean;
}

/**
 * R2/R3: the organization's role permissions and every write of a role or user permission override, without
 * escalation and never leaving no billing manager. What a user may do is read by PermissionService.
 */
export class PermissionOverrideService {
  constructor(
    private readonly uow: UnitOfWork,
    private readonly permissions: PermissionService,
    private readonly users: UserService,
    private readonly audit: AuditLog,
  ) {}

  /** Every role × permission of the organization: whether the role holds it, and whether that is the default. */
  async rolePermissions(em: EntityManager, organizationId: string): Promise<RolePermissionView[]> {
    const roleOverrides = await this.permissions.roleOverrides(em, organizationId);
    return ALL_ROLES.flatMap((role) =>
      ALL_PERMISSIONS.map((permission) => ({
        role,
        permission,
        granted: roleGrants(role, permission, roleOverrides),
        isDefault: !roleOverrides.has(roleKey(role, permission)),
      })),
    );
  }

  /**
   * Setting a role's permission to its default removes the override (isDefault is true again); anything else
   * stores one.
   */
  async setRolePermission(
    ctx: ServiceContext,
    role: Role,
    permission: Permission,
    granted: boolean,
    organizationIdArg?: string | null,
  ): Promise<RolePermissionView> {
    requireHolds(ctx.viewer, [permission]);
    return this.uow.forOrganization(ctx, { organizationId: organizationIdArg }, {}, async (tx) => {
      const { organizationId } = tx;
      const before = roleGrants(role, permission, await this.permissions.roleOverrides(tx.em, organizationId));
      await tx.em.delete(RolePermissionOverride, { organizationId, role, permission });
      const isDefault = ROLE_DEFAULTS[role].has(permission) === granted;
      if (!isDefault)
        await tx.em.insert(
          RolePermissionOverride,
          tx.em.create(RolePermissionOverride, { organizationId, role, permission, granted }),
        );
      await this.users.assertBillingManagerRemains(tx, organizationId);
      await this.audit.record(tx, {
        action: AuditAction.ROLE_PERMISSION_SET,
        targetType: 'Role',
        targetId: role,
        changes: { [permission]: { before, after: granted } },
      });
      return { role, permission, granted, isDefault };
    });
  }

  /** `granted: null` removes the user's override. */
  async setUserPermission(
    ctx: ServiceContext,
    userId: string,
    permission: Permission,
    granted: boolean | null,
  ): Promise<User> {
    return this.uow.forOrganization(ctx, { owner: User, id: userId }, {}, async (tx) => {
      requireHolds(ctx.viewer, [permission]);
      const user = await tx.find(User, userId);
      const previous = await tx.em.findOne(UserPermissionOverride, { where: { userId, permission } });
      await tx.em.delete(UserPermissionOverride, { userId, permission });
      if (granted !== null)
        await tx.em.insert(
          UserPermissionOverride,
          tx.em.create(UserPermissionOverride, { userId, permission, granted }),
        );
      await this.users.assertBillingManagerRemains(tx, tx.organizationId);
      // The user's override of the permission: true or false, null for none (the role decides).
      await this.audit.record(tx, {
        action: AuditAction.USER_PERMISSION_SET,
        targetType: 'User',
        targetId: userId,
        changes: { [permission]: { before: previous?.granted ?? null, after: granted } },
      });
      return user;
    });
  }
}
