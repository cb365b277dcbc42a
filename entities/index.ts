import { AlertKind, BillingAlert } from './billing-alert.entity';
import { AlertChannel, AlertMetric, AlertRule, ThresholdDirection } from './alert-rule.entity';
import { BillingPeriod } from './billing-period.entity';
import { Contract } from './contract.entity';
import { Invoice, InvoiceLineItem, InvoiceStatus, LineItemKind } from './invoice.entity';
import { InvoiceLineEvidence } from './invoice-line-evidence.entity';
import { Notification, NotificationKind, NotificationStatus } from './notification.entity';
import { Location } from './location.entity';
import { Organization } from './organization.entity';
import { RolePermissionOverride, UserPermissionOverride } from './permission-override.entity';
import { UsageAggregate } from './usage-aggregate.entity';
import { UsageEvent } from './usage-event.entity';
import { User } from './user.entity';
import { CreditLedgerEntry, CreditEntryKind } from './credit-ledger-entry.entity';
import { CreditLot, CreditSource } from './credit-lot.entity';
import { CreditPurchase } from './credit-purchase.entity';
import { CreditDailyUse, CreditOverageTally, CreditPeriodTally } from './credit-tally.entity';
import { IdempotencyKey } from './idempotency-key.entity';
import { Payment, PaymentKind, PaymentPurpose, PaymentStatus } from './payment.entity';
import { PaymentMethod } from './payment-method.entity';
import { AssignmentStatus, TrainingAssignment } from './training-assignment.entity';
import { CreditNote, CreditNoteReason } from './credit-note.entity';
import { ActorKind, AuditAction, AuditChange, AuditEvent } from './audit-event.entity';

export { Invoice, InvoiceLineItem, InvoiceStatus, LineItemKind, Notification, NotificationKind, NotificationStatus };
export { AlertChannel, AlertMetric, AlertRule, ThresholdDirection };
export { InvoiceLineEvidence };
export {
  AlertKind,
  BillingAlert,
  BillingPeriod,
  Contract,
  Location,
  Organization,
  RolePermissionOverride,
  UserPermissionOverride,
  UsageAggregate,
  UsageEvent,
  User,
};
export {
  AssignmentStatus,
  CreditDailyUse,
  CreditEntryKind,
  CreditLedgerEntry,
  CreditLot,
  CreditOverageTally,
  CreditPeriodTally,
  CreditPurchase,
  CreditSource,
  IdempotencyKey,
  Payment,
  PaymentKind,
  PaymentMethod,
  PaymentPurpose,
  PaymentStatus,
  TrainingAssignment,
};
export { CreditNote, CreditNoteReason };
export { ActorKind, AuditAction, AuditEvent };
export type { AuditChange };
export * from './enums';

export const ENTITIES = [
  Organization,
  Contract,
  Location,
  User,
  RolePermissionOverride,
  UserPermissionOverride,
  BillingPeriod,
  AlertRule,
  BillingAlert,
  UsageEvent,
  UsageAggregate,
  PaymentMethod,
  IdempotencyKey,
  CreditLot,
  TrainingAssignment,
  CreditLedgerEntry,
  Payment,
  CreditPurchase,
  Invoice,
  InvoiceLineItem,
  Notification,
  CreditPeriodTally,
  CreditOverageTally,
  CreditDailyUse,
  InvoiceLineEvidence,
  CreditNote,
  AuditEvent,
];
