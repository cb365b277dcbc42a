import { Arg, Args, ArgsType, Ctx, Field, FieldResolver, Mutation, Query, Resolver, Root } from 'type-graphql';
import { Contract, LocationStatus, Organization, Permission, UserStatus } from '../entities';
import { money, MoneyType } from './types/money.type';
import type { RequestContext } from '../src/server/context';
import { findOrganizationForViewer } from '../src/auth/tenancy';
import { HasPermission, OperatorOnly } from './types/directives';
import { ConnectionArgs } from './types/connection.type';
import { ContractInput, CreateOrganizationInput } from './types/organization.inputs';
import {
  BillingPeriodType,
  ContractType,
  LocationType,
  OrganizationType,
  RolePermissionType,
  UserConnection,
} from './types/organization.type';
import { IdArg } from './types/validation';

@ArgsType()
class UsersArgs extends ConnectionArgs {
  @Field(() => UserStatus, { nullable: true, description: 'Only users with this status.' }) status?: UserStatus | null;
}

@Resolver(() => OrganizationType)
export class OrganizationResolver {
  @Query(() => OrganizationType, {
    nullable: true,
    description:
      "No id: the viewer's organization. Another organization's id: operators only; anyone else gets NOT_FOUND (R5).",
  })
  organization(
    @Ctx() ctx: RequestContext,
    @IdArg('id', { nullable: true, description: 'An organization id; operators may name any.' }) id?: string | null,
  ) {
    return findOrganizationForViewer(ctx, id);
  }

  @FieldResolver(() => [LocationType], { description: 'Locations, oldest first.' })
  locations(
    @Root() org: Organization,
    @Ctx() ctx: RequestContext,
    @Arg('status', () => LocationStatus, { nullable: true, description: 'Only locations with this status.' })
    status?: LocationStatus | null,
  ) {
    return ctx.services.locations.list(ctx.em, org.id, status);
  }

  @FieldResolver(() => UserConnection, { nullable: true, description: 'Users, oldest first (Relay connection).' })
  @HasPermission(Permission.MANAGE_USERS)
  users(@Root() org: Organization, @Ctx() ctx: RequestContext, @Args() { status, ...page }: UsersArgs) {
    return ctx.services.users.list(ctx.em, org.id, status, page);
  }

  @FieldResolver(() => [RolePermissionType], {
    nullable: true,
    description: 'Every role × permission, with overrides applied (R2).',
  })
  @HasPermission(Permission.MANAGE_USERS)
  rolePermissions(@Root() org: Organization, @Ctx() ctx: RequestContext) {
    return ctx.services.permissionOverrides.rolePermissions(ctx.em, org.id);
  }

  @FieldResolver(() => ContractType, { nullable: true, description: 'The commercial terms.' })
  @HasPermission(Permission.MANAGE_BILLING)
  contract(@Root() org: Organization, @Ctx() ctx: RequestContext) {
    return ctx.loaders.contract.load(org.id);
  }

  @FieldResolver(() => BillingPeriodType, { nullable: true, description: 'The open billing period.' })
  @HasPermission(Permission.MANAGE_BILLING)
  currentPeriod(@Root() org: Organization, @Ctx() ctx: RequestContext) {
    return ctx.loaders.openPeriod.load(org.id);
  }

  @Mutation(() => OrganizationType, {
    description: 'Operators: a new organization with its ADMIN user, contract and first billing period.',
  })
  @OperatorOnly()
  createOrganization(
    @Ctx() ctx: RequestContext,
    @Arg('input', () => CreateOrganizationInput, { description: 'Name, admin and contract.' })
    input: CreateOrganizationInput,
  ) {
    return ctx.services.organizations.create(ctx, input);
  }

  @Mutation(() => ContractType, {
    description: "Operators: change an organization's contract terms; omitted fields keep their value.",
  })
  @OperatorOnly()
  updateContract(
    @Ctx() ctx: RequestContext,
    @IdArg('organizationId', { description: 'The organization.' }) organizationId: string,
    @Arg('input', () => ContractInput, { description: 'The new terms.' }) input: ContractInput,
  ) {
    return ctx.services.licenses.changeContract(ctx, organizationId, input);
  }
}

/** Money fields of a contract, from its cents columns. */
@Resolver(() => ContractType)
export class ContractResolver {
  @FieldResolver(() => MoneyType)
  seatPrice(@Root() c: Contract) {
    return money(c.seatPriceCents);
  }

  @FieldResolver(() => MoneyType)
  locationPrice(@Root() c: Contract) {
    return money(c.locationPriceCents);
  }

  @FieldResolver(() => MoneyType)
  creditUnitPrice(@Root() c: Contract) {
    return money(c.creditUnitPriceCents);
  }
}
