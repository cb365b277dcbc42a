import { SafeIntResolver } from 'graphql-scalars';
import { Field, ID, InputType, ObjectType, registerEnumType } from 'type-graphql';
import { AlertChannel, AlertMetric, ThresholdDirection } from '../../entities';

registerEnumType(AlertMetric, {
  name: 'AlertMetric',
  description: 'R26: what an alert rule watches, as the Billing page shows it.',
  valuesConfig: {
    SEATS_IN_USE: { description: 'Active users now (USER contracts).' },
    LOCATIONS_IN_USE: { description: 'Active locations now (LOCATION contracts).' },
    CREDITS_AVAILABLE: { description: 'The credit balance now (creditBalance.available).' },
    CREDIT_OVERAGE_THIS_PERIOD: { description: 'Credits used at zero balance this period (overageThisPeriod).' },
    UPCOMING_INVOICE_TOTAL_CENTS: { description: "The upcoming invoice's total, in cents (R18)." },
  },
});

registerEnumType(ThresholdDirection, {
  name: 'ThresholdDirection',
  description: 'R26: which side of the threshold an alert rule watches for.',
  valuesConfig: {
    ABOVE: { description: 'Holds while the metric > threshold.' },
    BELOW: { description: 'Holds while the metric < threshold.' },
  },
});

registerEnumType(AlertChannel, {
  name: 'AlertChannel',
  description: "R26: where a rule's alerts go.",
  valuesConfig: {
    DASHBOARD: { description: 'The alert stream (Organization.alerts, billingAlerts).' },
    EMAIL: { description: 'Also a BILLING_ALERT mail to the billing contacts (R22) through the outbox (R24).' },
  },
});

const ALERT_RULE_DESCRIPTION =
  'R26: a threshold on one metric, evaluated inside the transaction of every change of the organization: ' +
  'starting to hold raises THRESHOLD_CROSSED once, ceasing to hold THRESHOLD_RESOLVED once.';

@ObjectType('AlertRule', { description: ALERT_RULE_DESCRIPTION })
export class AlertRuleType {
  @Field(() => ID, { description: 'Opaque; updateAlertRule and deleteAlertRule take it.' }) id: string;
  @Field(() => AlertMetric, { description: 'What the rule watches.' }) metric: AlertMetric;
  @Field(() => ThresholdDirection, {
    description: 'ABOVE holds while the metric > threshold; BELOW while the metric < threshold.',
  })
  direction: ThresholdDirection;
  @Field(() => SafeIntResolver, {
    description: 'In the unit of the metric (cents for the invoice total); equal is not crossed.',
  })
  threshold: number;
  @Field(() => [AlertChannel], { description: "Where the rule's alerts go." }) channels: AlertChannel[];
  @Field({ description: 'A disabled rule is not evaluated and keeps its `crossed`.' }) enabled: boolean;
  @Field({ description: 'True while the metric is past the threshold.' }) crossed: boolean;
  @Field(() => Date, { nullable: true, description: 'When it last raised THRESHOLD_CROSSED; null if never.' })
  lastTriggeredAt: Date | null;
  @Field({ description: 'When the rule was created.' }) createdAt: Date;
}

@InputType('AlertRuleInput', {
  description: 'R26: the terms of an alert rule. A negative threshold is BAD_USER_INPUT.',
})
export class AlertRuleInput {
  @Field(() => AlertMetric, {
    description: 'SEATS_IN_USE needs a USER contract, LOCATIONS_IN_USE a LOCATION one (else BAD_USER_INPUT).',
  })
  metric: AlertMetric;
  @Field(() => ThresholdDirection, {
    description: 'ABOVE: holds while metric > threshold; BELOW: while metric < threshold.',
  })
  direction: ThresholdDirection;
  @Field(() => SafeIntResolver, { description: 'In the unit of the metric (cents for the invoice total); 0 or more.' })
  threshold: number;
  @Field(() => [AlertChannel], { nullable: true, description: 'Default [DASHBOARD].' })
  channels?: AlertChannel[] | null;
  @Field(() => Boolean, { nullable: true, description: 'Default true.' }) enabled?: boolean | null;
}
