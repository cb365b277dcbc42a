import { Arg, Ctx, Mutation, Resolver } from 'type-graphql';
import { Permission, Role } from '../entities';
import type { RequestContext } from '../src/server/context';
import { HasPermission } from './types/directives';
import { RolePermissionType } from './types/organization.type';
import { IdArg } from './types/validation';

@Resolver(() => RolePermissionType)
export class RolePermissionResolver {
  @Mutation(() => RolePermissionType, {
    description:
      "Overrides a role's permission in the organization (R2); setting it to the default removes the override. R3: only permissions the viewer holds.",
  })
  @HasPermission(Permission.MANAGE_USERS)
  setRolePermission(
    @Ctx() ctx: RequestContext,
    @Arg('role', () => Role, { description: 'The role.' }) role: Role,
    @Arg('permission', () => Permission, { description: 'The permission.' }) permission: Permission,
    @Arg('granted', { description: 'Whether the role holds it.' }) granted: boolean,
    @IdArg('organizationId', {
      nullable: true,
      description: 'Operators: the organization; others: their own (the default).',
    })
    organizationId?: string | null,
  ) {
    return ctx.services.permissionOverrides.setRolePermission(ctx, role, permission, granted, organizationId);
  }
}
