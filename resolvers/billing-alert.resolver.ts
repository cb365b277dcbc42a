import { Arg, Ctx, FieldResolver, ID, Mutation, Resolver, Root, Subscription } from 'type-graphql';
import { BillingAlert, Permission } from '../entities';
import type { AlertView } from '../src/services/alert-stream.service';
import type { RequestContext } from '../src/server/context';
import { BillingAlertType } from './types/billing-alert.type';
import { HasPermission } from './types/directives';
import { money, MoneyType } from './types/money.type';
import { LocationType } from './types/organization.type';
import { IdArg } from './types/validation';

const ACKNOWLEDGE_ALERT_DESCRIPTION =
  "Marks an alert as acknowledged (acknowledging again keeps the first time). Another organization's " +
  'alert is NOT_FOUND (R5).';

const BILLING_ALERTS_DESCRIPTION =
  "Live alerts of the organization (no id: the viewer's). Needs MANAGE_BILLING there, checked at " +
  'subscribe time and again for every event (R4; losing it ends the subscription with FORBIDDEN). With ' +
  'sinceAlertId, first replays every alert raised after that one, in order, then continues live with ' +
  'no gap and no duplicate, so a dashboard that reconnects misses nothing (R11). Alerts are published ' +
  'only after their transaction commits, on every server instance.';

@Resolver(() => BillingAlertType)
export class BillingAlertResolver {
  @FieldResolver(() => MoneyType, { nullable: true })
  estimatedAdditionalCharge(@Root() alert: BillingAlert) {
    return alert.estimatedAdditionalChargeCents === null ? null : money(alert.estimatedAdditionalChargeCents);
  }

  @FieldResolver(() => LocationType, { nullable: true })
  location(@Root() alert: BillingAlert | AlertView, @Ctx() ctx: RequestContext) {
    // A subscription event arrives with its location already read for that event (no request loader lives
    // across a long subscription); queries batch through the request's loader.
    if (isEvent(alert)) return alert.location;
    return alert.locationId ? ctx.loaders.location.load(alert.locationId) : null;
  }

  @FieldResolver(() => BillingAlertType, { nullable: true })
  resolves(@Root() alert: BillingAlert | AlertView, @Ctx() ctx: RequestContext) {
    return linkedAlert(alert, alert.resolvesId, ctx);
  }

  @FieldResolver(() => BillingAlertType, { nullable: true })
  resolvedBy(@Root() alert: BillingAlert | AlertView, @Ctx() ctx: RequestContext) {
    return linkedAlert(alert, alert.resolvedById, ctx);
  }

  @Mutation(() => BillingAlertType, {
    description: ACKNOWLEDGE_ALERT_DESCRIPTION,
  })
  @HasPermission(Permission.MANAGE_BILLING)
  acknowledgeAlert(@Ctx() ctx: RequestContext, @IdArg('id', { description: 'The alert.' }) id: string) {
    return ctx.services.alerts.acknowledge(ctx, id);
  }

  @Subscription(() => BillingAlertType, {
    description: BILLING_ALERTS_DESCRIPTION,
    subscribe: ({ args, context }) =>
      (context as RequestContext).services.alertStream.subscribe(
        (context as RequestContext).viewer,
        args.organizationId,
        args.sinceAlertId,
      ),
  })
  @HasPermission(Permission.MANAGE_BILLING)
  billingAlerts(
    @Root() alert: AlertView,
    // Scalar @Arg (not an @Args class): this method runs once per event per subscriber, and an args class would be
    // converted and validated every time.
    @Arg('organizationId', () => ID, {
      nullable: true,
      description: 'The organization (operators: any; users: their own, the default; another id is NOT_FOUND, R5).',
    })
    _organizationId?: string | null,
    @Arg('sinceAlertId', () => ID, {
      nullable: true,
      description: 'The last alert the dashboard received: every later one is replayed first, in order (R11).',
    })
    _sinceAlertId?: string | null,
  ): AlertView {
    return alert;
  }
}

/**
 * R25: an alert another one points at (resolves / resolvedBy), always of the same organization. A subscription event
 * reads it afresh (its resolution may come later; no request loader lives across a long subscription); queries
 * batch through the request's loader.
 */
function linkedAlert(root: BillingAlert | AlertView, id: string | null, ctx: RequestContext) {
  if (!id) return null;
  if (isEvent(root)) return ctx.services.alerts.byId(ctx.em, id);
  return ctx.loaders.billingAlert.load(id);
}

/** A subscription event arrives with its location already read (see AlertView). */
export const isEvent = (alert: BillingAlert | AlertView): alert is AlertView =>
  'location' in alert && alert.location !== undefined;
