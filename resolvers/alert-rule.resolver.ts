import { Arg, Ctx, FieldResolver, ID, Mutation, Resolver, Root } from 'type-graphql';
import { AlertRule, BillingAlert, Organization, Permission } from '../entities';
import type { AlertView } from '../src/services/alert-stream.service';
import type { RequestContext } from '../src/server/context';
import { isEvent } from './billing-alert.resolver';
import { AlertRuleInput, AlertRuleType } from './types/alert-rule.type';
import { BillingAlertType } from './types/billing-alert.type';
import { HasPermission } from './types/directives';
import { OrganizationType } from './types/organization.type';
import { IdArg } from './types/validation';

const ORGANIZATION_ARG = {
  nullable: true,
  description: 'Operators: the organization; others: their own (the default).',
} as const;

const CREATE_ALERT_RULE_DESCRIPTION =
  'R26: a new alert rule (at most 25 per organization). One that holds already raises THRESHOLD_CROSSED at once.';

const UPDATE_ALERT_RULE_DESCRIPTION =
  "R26: new terms for a rule; it is evaluated at once against them. Another organization's rule is NOT_FOUND.";

/** R26: alert rules, and the rule of an alert. */
@Resolver(() => AlertRuleType)
export class AlertRuleResolver {
  @Mutation(() => AlertRuleType, { description: CREATE_ALERT_RULE_DESCRIPTION })
  @HasPermission(Permission.MANAGE_BILLING)
  createAlertRule(
    @Ctx() ctx: RequestContext,
    @Arg('input', () => AlertRuleInput, { description: 'Metric, direction, threshold, channels, enabled.' })
    input: AlertRuleInput,
    @IdArg('organizationId', ORGANIZATION_ARG) organizationId?: string | null,
  ) {
    return ctx.services.alertRules.create(ctx, input, organizationId);
  }

  @Mutation(() => AlertRuleType, { description: UPDATE_ALERT_RULE_DESCRIPTION })
  @HasPermission(Permission.MANAGE_BILLING)
  updateAlertRule(
    @Ctx() ctx: RequestContext,
    @IdArg('id', { description: 'The rule.' }) id: string,
    @Arg('input', () => AlertRuleInput, { description: 'The new terms (omitted channels / enabled: the defaults).' })
    input: AlertRuleInput,
  ) {
    return ctx.services.alertRules.update(ctx, id, input);
  }

  @Mutation(() => ID, { description: "Returns the deleted rule's id; its alerts stay, with rule null." })
  @HasPermission(Permission.MANAGE_BILLING)
  deleteAlertRule(@Ctx() ctx: RequestContext, @IdArg('id', { description: 'The rule.' }) id: string) {
    return ctx.services.alertRules.delete(ctx, id);
  }
}

/** Organization.alertRules (R26). */
@Resolver(() => OrganizationType)
export class OrganizationAlertRulesResolver {
  @FieldResolver(() => [AlertRuleType], { nullable: true, description: "The organization's alert rules (R26)." })
  @HasPermission(Permission.MANAGE_BILLING)
  alertRules(@Root() org: Organization, @Ctx() ctx: RequestContext) {
    return ctx.services.alertRules.list(ctx.em, org.id);
  }
}

/** BillingAlert.rule (R26). */
@Resolver(() => BillingAlertType)
export class BillingAlertRuleResolver {
  @FieldResolver(() => AlertRuleType, {
    nullable: true,
    description:
      'The rule that raised it (THRESHOLD_CROSSED, THRESHOLD_RESOLVED); null for built-in alerts and once the ' +
      'rule is deleted.',
  })
  rule(@Root() alert: BillingAlert | AlertView, @Ctx() ctx: RequestContext): Promise<AlertRule | null> | null {
    if (!alert.ruleId) return null;
    // A subscription event reads it afresh (no request loader lives across a long subscription).
    if (isEvent(alert)) return ctx.em.findOne(AlertRule, { where: { id: alert.ruleId } });
    return ctx.loaders.alertRule.load(alert.ruleId);
  }
}
