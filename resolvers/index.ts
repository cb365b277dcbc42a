import { BillingAlertResolver } from './billing-alert.resolver';
import { BillingStateResolver } from './billing-state.resolver';
import { AlertRuleResolver, BillingAlertRuleResolver, OrganizationAlertRulesResolver } from './alert-rule.resolver';
// Import order is registration order, which fixes the field order of the printed schema (schema/schema.graphql).
import { ContractResolver, OrganizationResolver } from './organization.resolver';
import { LicenseResolver, OrganizationLicenseResolver } from './license.resolver';
import { LicenseSeriesResolver } from './usage-series.resolver';
import {
  InvoiceLineEvidenceResolver,
  LicenseEvidenceResolver,
  LicensePeakEvidenceResolver,
} from './peak-evidence.resolver';
import { LocationResolver } from './location.resolver';
import { RolePermissionResolver } from './role-permission.resolver';
import { UserResolver } from './user.resolver';
import { ViewerResolver } from './viewer.resolver';
import { InvoiceResolver, OrganizationBillingResolver } from './invoice.resolver';
import { SchedulerResolver } from './scheduler.resolver';
import { OrganizationForecastResolver } from './forecast.resolver';
import { AssignmentResolver } from './assignment.resolver';
import {
  CreditBalanceResolver,
  CreditLotResolver,
  CreditPurchaseResolver,
  CreditResolver,
  OrganizationCreditsResolver,
  PaymentResolver,
} from './credit.resolver';
import {
  CreditNoteResolver,
  InvoiceCreditNotesResolver,
  OrganizationCreditNotesResolver,
} from './credit-note.resolver';
import { BillingChangeResolver } from './billing-change.resolver';
import { AuditEventResolver, OrganizationAuditLogResolver } from './audit-log.resolver';

export const RESOLVERS = [
  ViewerResolver,
  OrganizationResolver,
  ContractResolver,
  UserResolver,
  LocationResolver,
  RolePermissionResolver,
  OrganizationLicenseResolver,
  LicenseResolver,
  LicenseSeriesResolver,
  BillingAlertResolver,
  BillingAlertRuleResolver,
  CreditResolver,
  OrganizationCreditsResolver,
  CreditBalanceResolver,
  CreditLotResolver,
  CreditPurchaseResolver,
  PaymentResolver,
  AssignmentResolver,
  OrganizationBillingResolver,
  InvoiceResolver,
  OrganizationForecastResolver,
  SchedulerResolver,
  BillingStateResolver,
  OrganizationAlertRulesResolver,
  AlertRuleResolver,
  LicensePeakEvidenceResolver,
  InvoiceLineEvidenceResolver,
  LicenseEvidenceResolver,
  OrganizationCreditNotesResolver,
  InvoiceCreditNotesResolver,
  CreditNoteResolver,
  BillingChangeResolver,
  OrganizationAuditLogResolver,
  AuditEventResolver,
] as const;
