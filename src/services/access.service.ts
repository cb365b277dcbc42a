import { EntityManager } from 'typeorm';
import { Permission, Role, RolePermissionOverride, User, UserPermissionOverride } from '../../entities';
import { requireHolds, requirePermission, targetOrganizationId } from '../auth/guards';
import { UnitOfWork } from '../db/unit-of-work';
import { OrganizationService } from './organization.service';
import { PermissionService, ROLE_DEFAULTS } from './permission.service';
import type { ServiceContext } from './service-context';
import { UserService } from './user.service';

export interface RolePermissionView {
  role: Role;
  permission: Permission;
  granted: boolean;
  isDefault: boolean;
}

/** R2/R3: role and user permission overrides, without escalation and never leaving no billing manager. */
export class AccessService {
  constructor(
    private readonly uow: UnitOfWork,
    private readonly organizations: OrganizationService,
    private readonly permissions: PermissionService,
    private readonly users: UserService,
  ) {}

  async rolePermissions(em: EntityManager, organizationId: string): Promise<RolePermissionView[]> {
    return this.permissions.allRolePermissions(await this.permissions.roleOverrides(em, organizationId));
  }

  /**
   * Setting a role's permission to its default removes the override (isDefault is true again); anything else
   * stores one.
   */
  async setRolePermission(ctx: ServiceContext, role: Role, permission: Permission, granted: boolean, organizationIdArg?: string | null): Promise<RolePermissionView> {
    const organizationId = targetOrganizationId(ctx.viewer, organizationIdArg);
    requirePermission(ctx.viewer, Permission.MANAGE_USERS, organizationId);
    requireHolds(ctx.viewer, [permission]);
    return this.uow.run(ctx, async (tx) => {
      await this.organizations.lockForChange(tx, organizationId);
      await tx.em.delete(RolePermissionOverride, { organizationId, role, permission });
      const isDefault = ROLE_DEFAULTS[role].has(permission) === granted;
      if (!isDefault) await tx.em.insert(RolePermissionOverride, tx.em.create(RolePermissionOverride, { organizationId, role, permission, granted }));
      await this.users.assertBillingManagerRemains(tx, organizationId);
      return { role, permission, granted, isDefault };
    });
  }

  /** `granted: null` removes the user's override. */
  async setUserPermission(ctx: ServiceContext, userId: string, permission: Permission, granted: boolean | null): Promise<User> {
    return this.uow.run(ctx, async (tx) => {
      const user = await this.users.findVisible(tx, userId);
      requirePermission(ctx.viewer, Permission.MANAGE_USERS, user.organizationId);
      requireHolds(ctx.viewer, [permission]);
      await this.organizations.lockForChange(tx, user.organizationId);
      await tx.em.delete(UserPermissionOverride, { userId, permission });
      if (granted !== null) await tx.em.insert(UserPermissionOverride, tx.em.create(UserPermissionOverride, { userId, permission, granted }));
      await this.users.assertBillingManagerRemains(tx, user.organizationId);
      return user;
    });
  }
}
