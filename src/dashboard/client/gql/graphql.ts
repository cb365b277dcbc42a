/* eslint-disable */
/** Internal type. DO NOT USE DIRECTLY. */
type Exact<T extends { [key: string]: unknown }> = { [K in keyof T]: T[K] };
/** Internal type. DO NOT USE DIRECTLY. */
export type Incremental<T> = T | { [P in keyof T]?: P extends ' $fragmentName' | '__typename' ? T[P] : never };
import type { TypedDocumentNode as DocumentNode } from '@graphql-typed-document-node/core';
/** R21: the lifecycle of an organization's contract. */
export type OrganizationStatus =
  /** Under contract. */
  | 'ACTIVE'
  /** Termination was requested; support has been notified. */
  | 'TERMINATION_REQUESTED'
  /** Ended: only payments and billing contacts can still change; open invoices stay payable. */
  | 'TERMINATED';

/** R26: what an alert rule watches, as the Billing page shows it. */
export type AlertMetric =
  /** Active users now (USER contracts). */
  | 'SEATS_IN_USE'
  /** Active locations now (LOCATION contracts). */
  | 'LOCATIONS_IN_USE'
  /** The credit balance now (creditBalance.available). */
  | 'CREDITS_AVAILABLE'
  /** Credits used at zero balance this period (overageThisPeriod). */
  | 'CREDIT_OVERAGE_THIS_PERIOD'
  /** The upcoming invoice's total, in cents (R18). */
  | 'UPCOMING_INVOICE_TOTAL_CENTS';

/** R26: which side of the threshold an alert rule watches for. */
export type ThresholdDirection =
  /** Holds while the metric > threshold. */
  | 'ABOVE'
  /** Holds while the metric < threshold. */
  | 'BELOW';

/** R26: where a rule's alerts go. */
export type AlertChannel =
  /** The alert stream (Organization.alerts, billingAlerts). */
  | 'DASHBOARD'
  /** Also a BILLING_ALERT mail to the billing contacts (R22) through the outbox (R24). */
  | 'EMAIL';

/** R1: a user's role, which gives default permissions. */
export type Role =
  /** Holds MANAGE_BILLING, MANAGE_USERS and ASSIGN_CONTENT by default. */
  | 'ADMIN'
  /** Holds MANAGE_USERS and ASSIGN_CONTENT by default. */
  | 'MANAGER'
  /** Holds no permission by default. */
  | 'EMPLOYEE';

/** R1: what a user may do in an organization. Effective permission = user override, else role override, else role default (R2). */
export type Permission =
  /** Update payment information, pay invoices, buy credits, see billing state, receive invoice notifications. */
  | 'MANAGE_BILLING'
  /** Add, deactivate and reactivate users and locations; change role and user permissions. */
  | 'MANAGE_USERS'
  /** Assign premium content to users (consumes credits when training starts, R14). */
  | 'ASSIGN_CONTENT';

/** R7: what the contract bills by. */
export type LicenseKind =
  /** Seats: every active user holds one (R8, R9). */
  | 'USER'
  /** Locations: one license covers every user at an active location (R10). */
  | 'LOCATION';

/** R29: the width of a usage series’ buckets, aligned to UTC boundaries. */
export type UsageBucket =
  /** UTC hours (at most 800 points: a month of hours fits). */
  | 'HOUR'
  /** UTC days (midnight to midnight). */
  | 'DAY';

/** What a billing alert is about (R11, R16, R19, R25, R26). */
export type AlertKind =
  /** R11, R25: active locations went beyond the contract (LOCATION model): at the first crossing of a period, then only at each new period-high — not at every addition. */
  | 'LOCATION_OVERAGE'
  /** R11, R25: active users went beyond the contracted seats (USER model): at the first crossing of a period, then only at each new period-high — not at every activation. */
  | 'SEAT_OVERAGE'
  /** R16: the credit balance fell to 10 % of the last purchase or below. */
  | 'CREDITS_LOW'
  /** R16: the credit balance reached zero; further consumption is overage (R15). */
  | 'CREDITS_DEPLETED'
  /** R19: a charge was declined; the invoice stays OPEN. */
  | 'PAYMENT_FAILED'
  /** R25: active users came back within the contracted seats; the period's peak stays billed. */
  | 'SEAT_OVERAGE_RESOLVED'
  /** R25: active locations came back within the contract; the period's peak stays billed. */
  | 'LOCATION_OVERAGE_RESOLVED'
  /** R25: a purchase or grant lifted the balance above the low mark; ends CREDITS_LOW and DEPLETED. */
  | 'CREDITS_RECOVERED'
  /** R26: an alert rule's metric went past its threshold. */
  | 'THRESHOLD_CROSSED'
  /** R26: an alert rule's metric came back from its threshold. */
  | 'THRESHOLD_RESOLVED';

/** R17–R19: where an invoice is in its life. */
export type InvoiceStatus =
  /** The upcoming invoice of the open period (R18): a preview, never stored. */
  | 'DRAFT'
  /** Issued and awaiting payment; reminders go out before the due date (R23). */
  | 'OPEN'
  /** Paid in full (or issued at $0.00). */
  | 'PAID'
  /** Cancelled by an operator; nothing is owed. */
  | 'VOID'
  /** Written off as uncollectible. */
  | 'UNCOLLECTIBLE';

/** R17: what an invoice line bills. */
export type LineItemKind =
  /** Contracted seats × seat price (USER model, R9). */
  | 'SEATS'
  /** Peak active users above the contracted seats × seat price (R9). */
  | 'SEAT_OVERAGE'
  /** Contracted locations × location price (LOCATION model, R10). */
  | 'LOCATIONS'
  /** Peak active locations above the contracted number × location price (R10). */
  | 'LOCATION_OVERAGE'
  /** An annual upfront credit purchase of the period at its volume price (R13). */
  | 'CREDIT_PURCHASE'
  /** Credits used at zero balance × the credit unit price (R15). */
  | 'CREDIT_OVERAGE';

/** R26: the terms of an alert rule. A negative threshold is BAD_USER_INPUT. */
export type AlertRuleInput = {
  /** SEATS_IN_USE needs a USER contract, LOCATIONS_IN_USE a LOCATION one (else BAD_USER_INPUT). */
  metric: AlertMetric;
  /** ABOVE: holds while metric > threshold; BELOW: while metric < threshold. */
  direction: ThresholdDirection;
  /** In the unit of the metric (cents for the invoice total); 0 or more. */
  threshold: number;
  /** Default [DASHBOARD]. */
  channels?: Array<AlertChannel> | null | undefined;
  /** Default true. */
  enabled?: boolean | null | undefined;
};

export type DashboardViewerQueryVariables = Exact<{ [key: string]: never; }>;


export type DashboardViewerQuery = { viewer: { permissions: Array<Permission>, isOperator: boolean, user: { id: string, name: string, email: string, role: Role } | null, organization: { id: string, name: string, status: OrganizationStatus } | null } };

export type BillingPageQueryVariables = Exact<{
  bucket: UsageBucket;
}>;


export type BillingPageQuery = { organization: { id: string, name: string, currentPeriod: { start: string, end: string } | null, license: { kind: LicenseKind, contracted: number, inUse: number, peakThisPeriod: number, peakAt: string | null, unitPrice: { formatted: string }, series: Array<{ start: string, peak: number, end: number }> } | null, upcomingInvoice: { id: string, number: string | null, status: InvoiceStatus, periodStart: string, periodEnd: string, dueAt: string | null, total: { cents: number, formatted: string }, amountDue: { cents: number, formatted: string }, lineItems: Array<{ kind: LineItemKind, description: string, quantity: number, unitPrice: { formatted: string }, amount: { formatted: string } }> } | null, invoices: { nodes: Array<{ id: string, number: string | null, status: InvoiceStatus, periodStart: string, periodEnd: string, dueAt: string | null, total: { cents: number, formatted: string }, amountDue: { cents: number, formatted: string }, lineItems: Array<{ kind: LineItemKind, description: string, quantity: number, unitPrice: { formatted: string }, amount: { formatted: string } }> }> } | null, creditBalance: { available: number, consumedThisPeriod: number, overageThisPeriod: number, overageCharge: { formatted: string } } | null, forecast: { creditBurnPerDay: number, creditsExhaustedAt: string | null, projectedInvoiceTotal: { cents: number, formatted: string } } | null, alertRules: Array<{ id: string, metric: AlertMetric, direction: ThresholdDirection, threshold: number, channels: Array<AlertChannel>, enabled: boolean, crossed: boolean, lastTriggeredAt: string | null }> | null, alerts: { nodes: Array<{ id: string, sequence: number, kind: AlertKind, message: string, createdAt: string, acknowledgedAt: string | null, active: boolean, resolves: { id: string, active: boolean } | null }> } | null } | null };

export type BillingTotalsQueryVariables = Exact<{ [key: string]: never; }>;


export type BillingTotalsQuery = { organization: { id: string, upcomingInvoice: { id: string, number: string | null, status: InvoiceStatus, periodStart: string, periodEnd: string, dueAt: string | null, total: { cents: number, formatted: string }, amountDue: { cents: number, formatted: string }, lineItems: Array<{ kind: LineItemKind, description: string, quantity: number, unitPrice: { formatted: string }, amount: { formatted: string } }> } | null, creditBalance: { available: number, consumedThisPeriod: number, overageThisPeriod: number, overageCharge: { formatted: string } } | null, forecast: { creditBurnPerDay: number, creditsExhaustedAt: string | null, projectedInvoiceTotal: { cents: number, formatted: string } } | null } | null };

export type AlertRulesQueryVariables = Exact<{ [key: string]: never; }>;


export type AlertRulesQuery = { organization: { id: string, alertRules: Array<{ id: string, metric: AlertMetric, direction: ThresholdDirection, threshold: number, channels: Array<AlertChannel>, enabled: boolean, crossed: boolean, lastTriggeredAt: string | null }> | null } | null };

export type InvoiceSummaryFragment = { id: string, number: string | null, status: InvoiceStatus, periodStart: string, periodEnd: string, dueAt: string | null, total: { cents: number, formatted: string }, amountDue: { cents: number, formatted: string }, lineItems: Array<{ kind: LineItemKind, description: string, quantity: number, unitPrice: { formatted: string }, amount: { formatted: string } }> };

export type AlertRuleFieldsFragment = { id: string, metric: AlertMetric, direction: ThresholdDirection, threshold: number, channels: Array<AlertChannel>, enabled: boolean, crossed: boolean, lastTriggeredAt: string | null };

export type AlertFieldsFragment = { id: string, sequence: number, kind: AlertKind, message: string, createdAt: string, acknowledgedAt: string | null, active: boolean, resolves: { id: string, active: boolean } | null };

export type LiveBillingStateSubscriptionVariables = Exact<{ [key: string]: never; }>;


export type LiveBillingStateSubscription = { billingState: { organizationId: string, licenseKind: LicenseKind, contracted: number, inUse: number, peakThisPeriod: number, peakAt: string | null, creditsAvailable: number, creditOverageThisPeriod: number, at: string, upcomingInvoiceTotal: { cents: number, formatted: string } } };

export type LiveBillingAlertsSubscriptionVariables = Exact<{
  sinceAlertId?: string | number | null | undefined;
}>;


export type LiveBillingAlertsSubscription = { billingAlerts: { id: string, sequence: number, kind: AlertKind, message: string, createdAt: string, acknowledgedAt: string | null, active: boolean, resolves: { id: string, active: boolean } | null } };

export type AcknowledgeAlertMutationVariables = Exact<{
  id: string | number;
}>;


export type AcknowledgeAlertMutation = { acknowledgeAlert: { id: string, acknowledgedAt: string | null } };

export type PayInvoiceMutationVariables = Exact<{
  invoiceId: string | number;
  idempotencyKey: string;
}>;


export type PayInvoiceMutation = { payInvoice: { id: string, number: string | null, status: InvoiceStatus, periodStart: string, periodEnd: string, dueAt: string | null, total: { cents: number, formatted: string }, amountDue: { cents: number, formatted: string }, lineItems: Array<{ kind: LineItemKind, description: string, quantity: number, unitPrice: { formatted: string }, amount: { formatted: string } }> } };

export type CreateAlertRuleMutationVariables = Exact<{
  input: AlertRuleInput;
}>;


export type CreateAlertRuleMutation = { createAlertRule: { id: string, metric: AlertMetric, direction: ThresholdDirection, threshold: number, channels: Array<AlertChannel>, enabled: boolean, crossed: boolean, lastTriggeredAt: string | null } };

export type DeleteAlertRuleMutationVariables = Exact<{
  id: string | number;
}>;


export type DeleteAlertRuleMutation = { deleteAlertRule: string };

export const InvoiceSummaryFragmentDoc = {"kind":"Document","definitions":[{"kind":"FragmentDefinition","name":{"kind":"Name","value":"InvoiceSummary"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"Invoice"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"number"}},{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"periodStart"}},{"kind":"Field","name":{"kind":"Name","value":"periodEnd"}},{"kind":"Field","name":{"kind":"Name","value":"dueAt"}},{"kind":"Field","name":{"kind":"Name","value":"total"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"cents"}},{"kind":"Field","name":{"kind":"Name","value":"formatted"}}]}},{"kind":"Field","name":{"kind":"Name","value":"amountDue"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"cents"}},{"kind":"Field","name":{"kind":"Name","value":"formatted"}}]}},{"kind":"Field","name":{"kind":"Name","value":"lineItems"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"kind"}},{"kind":"Field","name":{"kind":"Name","value":"description"}},{"kind":"Field","name":{"kind":"Name","value":"quantity"}},{"kind":"Field","name":{"kind":"Name","value":"unitPrice"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"formatted"}}]}},{"kind":"Field","name":{"kind":"Name","value":"amount"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"formatted"}}]}}]}}]}}]} as unknown as DocumentNode<InvoiceSummaryFragment, unknown>;
export const AlertRuleFieldsFragmentDoc = {"kind":"Document","definitions":[{"kind":"FragmentDefinition","name":{"kind":"Name","value":"AlertRuleFields"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"AlertRule"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"metric"}},{"kind":"Field","name":{"kind":"Name","value":"direction"}},{"kind":"Field","name":{"kind":"Name","value":"threshold"}},{"kind":"Field","name":{"kind":"Name","value":"channels"}},{"kind":"Field","name":{"kind":"Name","value":"enabled"}},{"kind":"Field","name":{"kind":"Name","value":"crossed"}},{"kind":"Field","name":{"kind":"Name","value":"lastTriggeredAt"}}]}}]} as unknown as DocumentNode<AlertRuleFieldsFragment, unknown>;
export const AlertFieldsFragmentDoc = {"kind":"Document","definitions":[{"kind":"FragmentDefinition","name":{"kind":"Name","value":"AlertFields"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"BillingAlert"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"sequence"}},{"kind":"Field","name":{"kind":"Name","value":"kind"}},{"kind":"Field","name":{"kind":"Name","value":"message"}},{"kind":"Field","name":{"kind":"Name","value":"createdAt"}},{"kind":"Field","name":{"kind":"Name","value":"acknowledgedAt"}},{"kind":"Field","name":{"kind":"Name","value":"active"}},{"kind":"Field","name":{"kind":"Name","value":"resolves"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"active"}}]}}]}}]} as unknown as DocumentNode<AlertFieldsFragment, unknown>;
export const DashboardViewerDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"DashboardViewer"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"viewer"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"user"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"email"}},{"kind":"Field","name":{"kind":"Name","value":"role"}}]}},{"kind":"Field","name":{"kind":"Name","value":"organization"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"status"}}]}},{"kind":"Field","name":{"kind":"Name","value":"permissions"}},{"kind":"Field","name":{"kind":"Name","value":"isOperator"}}]}}]}}]} as unknown as DocumentNode<DashboardViewerQuery, DashboardViewerQueryVariables>;
export const BillingPageDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"BillingPage"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"bucket"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"UsageBucket"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"organization"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"currentPeriod"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"start"}},{"kind":"Field","name":{"kind":"Name","value":"end"}}]}},{"kind":"Field","name":{"kind":"Name","value":"license"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"kind"}},{"kind":"Field","name":{"kind":"Name","value":"contracted"}},{"kind":"Field","name":{"kind":"Name","value":"inUse"}},{"kind":"Field","name":{"kind":"Name","value":"peakThisPeriod"}},{"kind":"Field","name":{"kind":"Name","value":"peakAt"}},{"kind":"Field","name":{"kind":"Name","value":"unitPrice"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"formatted"}}]}},{"kind":"Field","name":{"kind":"Name","value":"series"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"bucket"},"value":{"kind":"Variable","name":{"kind":"Name","value":"bucket"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"start"}},{"kind":"Field","name":{"kind":"Name","value":"peak"}},{"kind":"Field","name":{"kind":"Name","value":"end"}}]}}]}},{"kind":"Field","name":{"kind":"Name","value":"upcomingInvoice"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"InvoiceSummary"}}]}},{"kind":"Field","name":{"kind":"Name","value":"invoices"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"first"},"value":{"kind":"IntValue","value":"20"}},{"kind":"Argument","name":{"kind":"Name","value":"status"},"value":{"kind":"EnumValue","value":"OPEN"}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"nodes"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"InvoiceSummary"}}]}}]}},{"kind":"Field","name":{"kind":"Name","value":"creditBalance"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"available"}},{"kind":"Field","name":{"kind":"Name","value":"consumedThisPeriod"}},{"kind":"Field","name":{"kind":"Name","value":"overageThisPeriod"}},{"kind":"Field","name":{"kind":"Name","value":"overageCharge"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"formatted"}}]}}]}},{"kind":"Field","name":{"kind":"Name","value":"forecast"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"creditBurnPerDay"}},{"kind":"Field","name":{"kind":"Name","value":"creditsExhaustedAt"}},{"kind":"Field","name":{"kind":"Name","value":"projectedInvoiceTotal"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"cents"}},{"kind":"Field","name":{"kind":"Name","value":"formatted"}}]}}]}},{"kind":"Field","name":{"kind":"Name","value":"alertRules"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"AlertRuleFields"}}]}},{"kind":"Field","name":{"kind":"Name","value":"alerts"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"first"},"value":{"kind":"IntValue","value":"50"}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"nodes"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"AlertFields"}}]}}]}}]}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"InvoiceSummary"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"Invoice"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"number"}},{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"periodStart"}},{"kind":"Field","name":{"kind":"Name","value":"periodEnd"}},{"kind":"Field","name":{"kind":"Name","value":"dueAt"}},{"kind":"Field","name":{"kind":"Name","value":"total"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"cents"}},{"kind":"Field","name":{"kind":"Name","value":"formatted"}}]}},{"kind":"Field","name":{"kind":"Name","value":"amountDue"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"cents"}},{"kind":"Field","name":{"kind":"Name","value":"formatted"}}]}},{"kind":"Field","name":{"kind":"Name","value":"lineItems"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"kind"}},{"kind":"Field","name":{"kind":"Name","value":"description"}},{"kind":"Field","name":{"kind":"Name","value":"quantity"}},{"kind":"Field","name":{"kind":"Name","value":"unitPrice"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"formatted"}}]}},{"kind":"Field","name":{"kind":"Name","value":"amount"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"formatted"}}]}}]}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"AlertRuleFields"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"AlertRule"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"metric"}},{"kind":"Field","name":{"kind":"Name","value":"direction"}},{"kind":"Field","name":{"kind":"Name","value":"threshold"}},{"kind":"Field","name":{"kind":"Name","value":"channels"}},{"kind":"Field","name":{"kind":"Name","value":"enabled"}},{"kind":"Field","name":{"kind":"Name","value":"crossed"}},{"kind":"Field","name":{"kind":"Name","value":"lastTriggeredAt"}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"AlertFields"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"BillingAlert"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"sequence"}},{"kind":"Field","name":{"kind":"Name","value":"kind"}},{"kind":"Field","name":{"kind":"Name","value":"message"}},{"kind":"Field","name":{"kind":"Name","value":"createdAt"}},{"kind":"Field","name":{"kind":"Name","value":"acknowledgedAt"}},{"kind":"Field","name":{"kind":"Name","value":"active"}},{"kind":"Field","name":{"kind":"Name","value":"resolves"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"active"}}]}}]}}]} as unknown as DocumentNode<BillingPageQuery, BillingPageQueryVariables>;
export const BillingTotalsDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"BillingTotals"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"organization"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"upcomingInvoice"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"InvoiceSummary"}}]}},{"kind":"Field","name":{"kind":"Name","value":"creditBalance"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"available"}},{"kind":"Field","name":{"kind":"Name","value":"consumedThisPeriod"}},{"kind":"Field","name":{"kind":"Name","value":"overageThisPeriod"}},{"kind":"Field","name":{"kind":"Name","value":"overageCharge"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"formatted"}}]}}]}},{"kind":"Field","name":{"kind":"Name","value":"forecast"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"creditBurnPerDay"}},{"kind":"Field","name":{"kind":"Name","value":"creditsExhaustedAt"}},{"kind":"Field","name":{"kind":"Name","value":"projectedInvoiceTotal"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"cents"}},{"kind":"Field","name":{"kind":"Name","value":"formatted"}}]}}]}}]}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"InvoiceSummary"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"Invoice"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"number"}},{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"periodStart"}},{"kind":"Field","name":{"kind":"Name","value":"periodEnd"}},{"kind":"Field","name":{"kind":"Name","value":"dueAt"}},{"kind":"Field","name":{"kind":"Name","value":"total"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"cents"}},{"kind":"Field","name":{"kind":"Name","value":"formatted"}}]}},{"kind":"Field","name":{"kind":"Name","value":"amountDue"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"cents"}},{"kind":"Field","name":{"kind":"Name","value":"formatted"}}]}},{"kind":"Field","name":{"kind":"Name","value":"lineItems"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"kind"}},{"kind":"Field","name":{"kind":"Name","value":"description"}},{"kind":"Field","name":{"kind":"Name","value":"quantity"}},{"kind":"Field","name":{"kind":"Name","value":"unitPrice"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"formatted"}}]}},{"kind":"Field","name":{"kind":"Name","value":"amount"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"formatted"}}]}}]}}]}}]} as unknown as DocumentNode<BillingTotalsQuery, BillingTotalsQueryVariables>;
export const AlertRulesDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"AlertRules"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"organization"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"alertRules"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"AlertRuleFields"}}]}}]}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"AlertRuleFields"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"AlertRule"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"metric"}},{"kind":"Field","name":{"kind":"Name","value":"direction"}},{"kind":"Field","name":{"kind":"Name","value":"threshold"}},{"kind":"Field","name":{"kind":"Name","value":"channels"}},{"kind":"Field","name":{"kind":"Name","value":"enabled"}},{"kind":"Field","name":{"kind":"Name","value":"crossed"}},{"kind":"Field","name":{"kind":"Name","value":"lastTriggeredAt"}}]}}]} as unknown as DocumentNode<AlertRulesQuery, AlertRulesQueryVariables>;
export const LiveBillingStateDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"subscription","name":{"kind":"Name","value":"LiveBillingState"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"billingState"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"organizationId"}},{"kind":"Field","name":{"kind":"Name","value":"licenseKind"}},{"kind":"Field","name":{"kind":"Name","value":"contracted"}},{"kind":"Field","name":{"kind":"Name","value":"inUse"}},{"kind":"Field","name":{"kind":"Name","value":"peakThisPeriod"}},{"kind":"Field","name":{"kind":"Name","value":"peakAt"}},{"kind":"Field","name":{"kind":"Name","value":"creditsAvailable"}},{"kind":"Field","name":{"kind":"Name","value":"creditOverageThisPeriod"}},{"kind":"Field","name":{"kind":"Name","value":"upcomingInvoiceTotal"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"cents"}},{"kind":"Field","name":{"kind":"Name","value":"formatted"}}]}},{"kind":"Field","name":{"kind":"Name","value":"at"}}]}}]}}]} as unknown as DocumentNode<LiveBillingStateSubscription, LiveBillingStateSubscriptionVariables>;
export const LiveBillingAlertsDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"subscription","name":{"kind":"Name","value":"LiveBillingAlerts"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"sinceAlertId"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"ID"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"billingAlerts"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"sinceAlertId"},"value":{"kind":"Variable","name":{"kind":"Name","value":"sinceAlertId"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"AlertFields"}}]}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"AlertFields"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"BillingAlert"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"sequence"}},{"kind":"Field","name":{"kind":"Name","value":"kind"}},{"kind":"Field","name":{"kind":"Name","value":"message"}},{"kind":"Field","name":{"kind":"Name","value":"createdAt"}},{"kind":"Field","name":{"kind":"Name","value":"acknowledgedAt"}},{"kind":"Field","name":{"kind":"Name","value":"active"}},{"kind":"Field","name":{"kind":"Name","value":"resolves"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"active"}}]}}]}}]} as unknown as DocumentNode<LiveBillingAlertsSubscription, LiveBillingAlertsSubscriptionVariables>;
export const AcknowledgeAlertDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"AcknowledgeAlert"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"id"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"ID"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"acknowledgeAlert"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"id"},"value":{"kind":"Variable","name":{"kind":"Name","value":"id"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"acknowledgedAt"}}]}}]}}]} as unknown as DocumentNode<AcknowledgeAlertMutation, AcknowledgeAlertMutationVariables>;
export const PayInvoiceDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"PayInvoice"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"invoiceId"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"ID"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"idempotencyKey"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"payInvoice"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"invoiceId"},"value":{"kind":"Variable","name":{"kind":"Name","value":"invoiceId"}}},{"kind":"Argument","name":{"kind":"Name","value":"idempotencyKey"},"value":{"kind":"Variable","name":{"kind":"Name","value":"idempotencyKey"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"InvoiceSummary"}}]}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"InvoiceSummary"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"Invoice"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"number"}},{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"periodStart"}},{"kind":"Field","name":{"kind":"Name","value":"periodEnd"}},{"kind":"Field","name":{"kind":"Name","value":"dueAt"}},{"kind":"Field","name":{"kind":"Name","value":"total"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"cents"}},{"kind":"Field","name":{"kind":"Name","value":"formatted"}}]}},{"kind":"Field","name":{"kind":"Name","value":"amountDue"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"cents"}},{"kind":"Field","name":{"kind":"Name","value":"formatted"}}]}},{"kind":"Field","name":{"kind":"Name","value":"lineItems"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"kind"}},{"kind":"Field","name":{"kind":"Name","value":"description"}},{"kind":"Field","name":{"kind":"Name","value":"quantity"}},{"kind":"Field","name":{"kind":"Name","value":"unitPrice"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"formatted"}}]}},{"kind":"Field","name":{"kind":"Name","value":"amount"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"formatted"}}]}}]}}]}}]} as unknown as DocumentNode<PayInvoiceMutation, PayInvoiceMutationVariables>;
export const CreateAlertRuleDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"CreateAlertRule"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"input"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"AlertRuleInput"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"createAlertRule"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"input"},"value":{"kind":"Variable","name":{"kind":"Name","value":"input"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"AlertRuleFields"}}]}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"AlertRuleFields"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"AlertRule"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"metric"}},{"kind":"Field","name":{"kind":"Name","value":"direction"}},{"kind":"Field","name":{"kind":"Name","value":"threshold"}},{"kind":"Field","name":{"kind":"Name","value":"channels"}},{"kind":"Field","name":{"kind":"Name","value":"enabled"}},{"kind":"Field","name":{"kind":"Name","value":"crossed"}},{"kind":"Field","name":{"kind":"Name","value":"lastTriggeredAt"}}]}}]} as unknown as DocumentNode<CreateAlertRuleMutation, CreateAlertRuleMutationVariables>;
export const DeleteAlertRuleDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"DeleteAlertRule"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"id"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"ID"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"deleteAlertRule"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"id"},"value":{"kind":"Variable","name":{"kind":"Name","value":"id"}}}]}]}}]} as unknown as DocumentNode<DeleteAlertRuleMutation, DeleteAlertRuleMutationVariables>;