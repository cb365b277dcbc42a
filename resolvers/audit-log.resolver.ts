import { Args, Ctx, FieldResolver, Resolver, Root } from 'type-graphql';
import { AuditEvent, Organization, Permission, User } from '../entities';
import type { RequestContext } from '../src/server/context';
import { AuditEventConnection, AuditEventType, AuditLogArgs } from './types/audit-log.type';
import { HasPermission } from './types/directives';
import { OrganizationType, UserType } from './types/organization.type';

/** Organization.auditLog (R31). */
@Resolver(() => OrganizationType)
export class OrganizationAuditLogResolver {
  @FieldResolver(() => AuditEventConnection, {
    nullable: true,
    description:
      "R31: the organization's audit log, newest first (Relay connection), optionally filtered by action, actor, " +
      'target and since.',
  })
  @HasPermission(Permission.MANAGE_BILLING)
  auditLog(
    @Root() org: Organization,
    @Ctx() ctx: RequestContext,
    @Args() { action, actorId, targetId, since, ...page }: AuditLogArgs,
  ) {
    return ctx.services.auditLog.list(ctx.em, org.id, { action, actorId, targetId, since }, page);
  }
}

/** AuditEvent.actor (R31). */
@Resolver(() => AuditEventType)
export class AuditEventResolver {
  @FieldResolver(() => UserType, {
    nullable: true,
    description: 'The user who acted (USER); null for operators and the scheduler.',
  })
  actor(@Root() event: AuditEvent, @Ctx() ctx: RequestContext): Promise<User | null> | null {
    return event.actorUserId ? ctx.loaders.user.load(event.actorUserId) : null;
  }
}
