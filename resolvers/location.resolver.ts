import { Arg, Ctx, Mutation, Resolver } from 'type-graphql';
import { Permission } from '../entities';
import type { RequestContext } from '../src/server/context';
import { HasPermission } from './types/directives';
import { AddLocationInput } from './types/organization.inputs';
import { LocationType } from './types/organization.type';
import { IdArg } from './types/validation';

@Resolver(() => LocationType)
export class LocationResolver {
  @Mutation(() => LocationType, { description: 'Adds an active location (R10: a license under the LOCATION model).' })
  @HasPermission(Permission.MANAGE_USERS)
  addLocation(
    @Ctx() ctx: RequestContext,
    @Arg('input', () => AddLocationInput, { description: 'The new location.' }) input: AddLocationInput,
    @IdArg('organizationId', {
      nullable: true,
      description: 'Operators: the organization; others: their own (the default).',
    })
    organizationId?: string | null,
  ) {
    return ctx.services.locations.add(ctx, input, organizationId);
  }

  @Mutation(() => LocationType, { description: 'Deactivates a location (R10: it is no longer licensed).' })
  @HasPermission(Permission.MANAGE_USERS)
  deactivateLocation(@Ctx() ctx: RequestContext, @IdArg('id', { description: 'The location.' }) id: string) {
    return ctx.services.locations.deactivate(ctx, id);
  }
}
