import { Field, ID, Int, ObjectType, registerEnumType } from 'type-graphql';
import { AlertKind } from '../../entities/billing-alert.entity';
import { SafeIntResolver } from 'graphql-scalars';
import { ConnectionType } from './connection.type';
import { LocationType } from './organization.type';
import { MoneyType } from './money.type';

const BILLING_ALERT_DESCRIPTION =
  'A dashboard alert (R11): stored with the change that raised it and pushed live to billingAlerts ' +
  'subscribers after commit.';

registerEnumType(AlertKind, {
  name: 'AlertKind',
  description: 'What a billing alert is about (R11, R16, R19, R25, R26).',
  valuesConfig: {
    LOCATION_OVERAGE: {
      description:
        'R11, R25: active locations went beyond the contract (LOCATION model): at the first crossing of a period, ' +
        'then only at each new period-high — not at every addition.',
    },
    SEAT_OVERAGE: {
      description:
        'R11, R25: active users went beyond the contracted seats (USER model): at the first crossing of a period, ' +
        'then only at each new period-high — not at every activation.',
    },
    CREDITS_LOW: { description: 'R16: the credit balance fell to 10 % of the last purchase or below.' },
    CREDITS_DEPLETED: { description: 'R16: the credit balance reached zero; further consumption is overage (R15).' },
    PAYMENT_FAILED: { description: 'R19: a charge was declined; the invoice stays OPEN.' },
    SEAT_OVERAGE_RESOLVED: {
      description: "R25: active users came back within the contracted seats; the period's peak stays billed.",
    },
    LOCATION_OVERAGE_RESOLVED: {
      description: "R25: active locations came back within the contract; the period's peak stays billed.",
    },
    CREDITS_RECOVERED: {
      description: 'R25: a purchase or grant lifted the balance above the low mark; ends CREDITS_LOW and DEPLETED.',
    },
    THRESHOLD_CROSSED: { description: "R26: an alert rule's metric went past its threshold." },
    THRESHOLD_RESOLVED: { description: "R26: an alert rule's metric came back from its threshold." },
  },
});

const ACTIVE_DESCRIPTION =
  'True until a resolution ends its condition (R25); a resolved alert never reopens. Always false on ' +
  '*_RESOLVED, CREDITS_RECOVERED and THRESHOLD_RESOLVED alerts.';
const RESOLVES_DESCRIPTION =
  'For *_RESOLVED, CREDITS_RECOVERED and THRESHOLD_RESOLVED: the alert that opened the condition that ended.';
const VALUE_DESCRIPTION =
  "The metric when raised: in-use (overage), available credits (credit alerts), the rule's metric " +
  '(threshold alerts).';

@ObjectType('BillingAlert', {
  description: BILLING_ALERT_DESCRIPTION,
})
export class BillingAlertType {
  @Field(() => ID, { description: 'Opaque id; pass as sinceAlertId to replay what followed it (R11).' }) id: string;
  @Field(() => Int, {
    description: "Position in the organization's alerts: 1, 2, 3… without gaps, in the order they were raised (R11).",
  })
  sequence: number;
  @Field(() => AlertKind, { description: 'What the alert is about.' }) kind: AlertKind;
  @Field({ description: 'A readable statement of what happened and what it costs.' }) message: string;
  @Field({ description: 'When it was raised (UTC).' }) createdAt: Date;
  @Field(() => Date, { nullable: true, description: 'When a billing manager acknowledged it; null until then.' })
  acknowledgedAt: Date | null;
  @Field(() => Int, { nullable: true, description: 'Overage alerts: seats or locations in the contract (R11).' })
  contracted: number | null;
  @Field(() => Int, {
    nullable: true,
    description: 'Overage alerts: seats or locations in use after the change (R11).',
  })
  inUse: number | null;
  @Field(() => MoneyType, {
    nullable: true,
    description:
      "What the overage adds to the next invoice at today's prices: unit price × (inUse − contracted) (R11).",
  })
  estimatedAdditionalCharge: MoneyType | null;
  @Field(() => LocationType, {
    nullable: true,
    description: 'LOCATION_OVERAGE: the location whose addition raised it.',
  })
  location: LocationType | null;
  @Field({ description: ACTIVE_DESCRIPTION }) active: boolean;
  @Field(() => BillingAlertType, { nullable: true, description: RESOLVES_DESCRIPTION })
  resolves: BillingAlertType | null;
  @Field(() => BillingAlertType, {
    nullable: true,
    description: "The resolution that ended this alert's condition; null while it holds.",
  })
  resolvedBy: BillingAlertType | null;
  @Field(() => SafeIntResolver, { nullable: true, description: VALUE_DESCRIPTION }) value: number | null;
}

export const BillingAlertConnection = ConnectionType('BillingAlert', BillingAlertType, 'billing alert');
