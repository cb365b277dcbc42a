import { Arg, Ctx, FieldResolver, Mutation, Resolver, Root } from 'type-graphql';
import { Permission, User } from '../entities';
import type { RequestContext } from '../src/server/context';
import { HasPermission } from './types/directives';
import { AddUserInput } from './types/organization.inputs';
import { LocationType, UserType } from './types/organization.type';
import { IdArg } from './types/validation';

@Resolver(() => UserType)
export class UserResolver {
  @FieldResolver(() => LocationType, { nullable: true, description: 'Where the user works, if set.' })
  location(@Root() user: User, @Ctx() ctx: RequestContext) {
    return user.locationId ? ctx.loaders.location.load(user.locationId) : null;
  }

  @FieldResolver(() => [Permission], {
    description:
      'Effective permissions: user override, else role override, else role default (R2); none while deactivated.',
  })
  permissions(@Root() user: User, @Ctx() ctx: RequestContext) {
    return ctx.loaders.permissions.load(user);
  }

  @Mutation(() => UserType, { description: 'Adds an active user (R8: takes a seat under the USER model).' })
  @HasPermission(Permission.MANAGE_USERS)
  addUser(
    @Ctx() ctx: RequestContext,
    @Arg('input', () => AddUserInput, { description: 'The new user.' }) input: AddUserInput,
    @IdArg('organizationId', {
      nullable: true,
      description: 'Operators: the organization; others: their own (the default).',
    })
    organizationId?: string | null,
  ) {
    return ctx.services.users.add(ctx, input, organizationId);
  }

  @Mutation(() => UserType, {
    description:
      'Deactivates a user and frees its seat (R8). Refused for the last billing manager (R3: LAST_BILLING_MANAGER).',
  })
  @HasPermission(Permission.MANAGE_USERS)
  deactivateUser(@Ctx() ctx: RequestContext, @IdArg('id', { description: 'The user.' }) id: string) {
    return ctx.services.users.deactivate(ctx, id);
  }

  @Mutation(() => UserType, { description: 'Reactivates a user; it takes a free seat with no new purchase (R8).' })
  @HasPermission(Permission.MANAGE_USERS)
  reactivateUser(@Ctx() ctx: RequestContext, @IdArg('id', { description: 'The user.' }) id: string) {
    return ctx.services.users.reactivate(ctx, id);
  }

  @Mutation(() => UserType, {
    description:
      "Sets or (granted null) removes a user's permission override (R2). R3: only permissions the viewer holds.",
  })
  @HasPermission(Permission.MANAGE_USERS)
  setUserPermission(
    @Ctx() ctx: RequestContext,
    @IdArg('userId', { description: 'The user.' }) userId: string,
    @Arg('permission', () => Permission, { description: 'The permission.' }) permission: Permission,
    @Arg('granted', () => Boolean, {
      nullable: true,
      description: 'True grants, false denies, null removes the override.',
    })
    granted: boolean | null,
  ) {
    return ctx.services.permissionOverrides.setUserPermission(ctx, userId, permission, granted ?? null);
  }
}
