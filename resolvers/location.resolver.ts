import { Arg, Ctx, Mutation, Resolver } from 'type-graphql';
import { Permission, Role } from '../entities';
import type { RequestContext } from '../src/server/context';
import { HasPermission } from './types/directives';
import { AddLocationInput } from './types/organization.inputs';
import { LocationType, RolePermissionType } from './types/organization.type';
import { IdArg } from './types/validation';

@Resolver(() => LocationType)
export class LocationResolver {
  @Mutation(() => LocationType, { description: 'Adds an active location (R10: a license under the LOCATION model).' })
  @HasPermission(Permission.MANAGE_USERS)
  addLocation(
    @Ctx() ctx: RequestContext,
    @Arg('input', () => AddLocationInput, { description: 'The new location.' }) input: AddLocationInput,
    @IdArg('organizationId', { nullable: true, description: 'Operators: the organization; others: their own (the default).' }) organizationId?: string | null,
  ) {
    return ctx.services.locations.add(ctx, input, organizationId);
  }

  @Mutation(() => LocationType, { description: 'Deactivates a location (R10: it is no longer licensed).' })
  @HasPermission(Permission.MANAGE_USERS)
  deactivateLocation(@Ctx() ctx: RequestContext, @IdArg('id', { description: 'The location.' }) id: string) {
    return ctx.services.locations.deactivate(ctx, id);
  }
}

@Resolver(() => RolePermissionType)
export class RolePermissionResolver {
  @Mutation(() => RolePermissionType, { description: 'Overrides a role\'s permission in the organization (R2); setting it to the default removes the override. R3: only permissions the viewer holds.' })
  @HasPermission(Permission.MANAGE_USERS)
  setRolePermission(
    @Ctx() ctx: RequestContext,
    @Arg('role', () => Role, { description: 'The role.' }) role: Role,
    @Arg('permission', () => Permission, { description: 'The permission.' }) permission: Permission,
    @Arg('granted', { description: 'Whether the role holds it.' }) granted: boolean,
    @IdArg('organizationId', { nullable: true, description: 'Operators: the organization; others: their own (the default).' }) organizationId?: string | null,
  ) {
    return ctx.services.access.setRolePermission(ctx, role, permission, granted, organizationId);
  }
}
