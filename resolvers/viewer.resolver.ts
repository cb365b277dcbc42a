import { Ctx, FieldResolver, Query, Resolver, Root } from 'type-graphql';
import { Permission } from '../entities';
import type { Viewer } from '../src/auth/viewer';
import type { RequestContext } from '../src/server/context';
import { OrganizationType, UserType, ViewerType } from './types/organization.type';

@Resolver(() => ViewerType)
export class ViewerResolver {
  @Query(() => ViewerType, {
    description: 'Who is asking. The one field that answers without a token (with nulls, R6).',
  })
  viewer(@Ctx() ctx: RequestContext): Viewer {
    return ctx.viewer;
  }

  @FieldResolver(() => UserType, { nullable: true })
  user(@Root() viewer: Viewer) {
    return viewer.user;
  }

  @FieldResolver(() => OrganizationType, { nullable: true })
  organization(@Root() viewer: Viewer, @Ctx() ctx: RequestContext) {
    return viewer.organizationId ? ctx.loaders.organization.load(viewer.organizationId) : null;
  }

  @FieldResolver(() => [Permission])
  permissions(@Root() viewer: Viewer) {
    return [...viewer.permissions];
  }
}
