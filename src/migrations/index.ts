import { Foundation1764100000000 } from './1764100000000-foundation';
import { BillingAlerts1764150000000 } from './1764150000000-billing-alerts';
import { Licenses1764200000000 } from './1764200000000-licenses';
import { Credits1764300000000 } from './1764300000000-credits';
import { Invoices1764400000000 } from './1764400000000-invoices';
import { NotificationClaimToken1764500000000 } from './1764500000000-notification-claim-token';
import { AppendOnlyLedgers1764600000000 } from './1764600000000-append-only-ledgers';
import { ExactMoneyAndKeys1764700000000 } from './1764700000000-exact-money-and-keys';
import { AuditIndexes1764900000000 } from './1764900000000-audit-indexes';
import { UsageAggregates1765010000000 } from './1765010000000-usage-aggregates';
import { CreditTallies1765020000000 } from './1765020000000-credit-tallies';
import { OrganizationStateVersion1765025000000 } from './1765025000000-organization-state-version';
import { AlertResolution1765100000000 } from './1765100000000-alert-resolution';
import { AlertRules1765110000000 } from './1765110000000-alert-rules';
import { AlertRulesVersion1765120000000 } from './1765120000000-alert-rules-version';
import { PeakEvidence1765130000000 } from './1765130000000-peak-evidence';
import { AuditLog1765140000000 } from './1765140000000-audit-log';
import { CreditNotes1765150000000 } from './1765150000000-credit-notes';

/** In order; run on start (never synchronize). */
export const MIGRATIONS = [
  Foundation1764100000000,
  BillingAlerts1764150000000,
  Licenses1764200000000,
  Credits1764300000000,
  Invoices1764400000000,
  NotificationClaimToken1764500000000,
  AppendOnlyLedgers1764600000000,
  ExactMoneyAndKeys1764700000000,
  AuditIndexes1764900000000,
  UsageAggregates1765010000000,
  CreditTallies1765020000000,
  OrganizationStateVersion1765025000000,
  AlertResolution1765100000000,
  AlertRules1765110000000,
  AlertRulesVersion1765120000000,
  PeakEvidence1765130000000,
  AuditLog1765140000000,
  CreditNotes1765150000000,
];
