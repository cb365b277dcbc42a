import { DataSource } from 'typeorm';
import type { Logger } from 'pino';
import type { AppConfig } from '../config/config';
import { UnitOfWork } from '../db/unit-of-work';
import { createMailTransport } from '../notifications/mail-transport';
import type { Metrics } from '../observability/metrics';
import type { BillingPubSub } from '../pubsub/pubsub';
import type { PaymentProvider } from '../payments/payment-provider';
import { SandboxPaymentProvider } from '../payments/sandbox-provider';
import { AlertService } from './alert.service';
import { AlertMetrics } from './alert-metrics';
import { AlertRuleService } from './alert-rule.service';
import { createRequestReads } from '../loaders';
import { AssignmentService } from './assignment.service';
import { AuditLog } from './audit-log';
import { Clock, systemClock } from '../common/clock';
import { CreditService } from './credit.service';
import { CreditLedger } from './credit-ledger';
import { CreditPurchaseService } from './credit-purchase.service';
import { ForecastService } from './forecast.service';
import { CreditInvoiceLines } from './credit-invoice-lines';
import { LicenseInvoiceLines } from './license-invoice-lines';
import { IdempotencyService } from './idempotency.service';
import { AlertStreamService } from './alert-stream.service';
import { BillingStateService } from './billing-state.service';
import { BillingStateStream } from './billing-state-stream.service';
import { bindRequestReads } from '../db/request-reads';
import { createLoaders } from '../loaders';
import { LicenseService } from './license.service';
import { LocationService } from './location.service';
import { OrganizationService } from './organization.service';
import { OrganizationLifecycleService } from './organization-lifecycle.service';
import { PermissionOverrideService } from './permission-override.service';
import { PermissionService } from './permission.service';
import { PeakEvidenceService } from './peak-evidence.service';
import { UsageService } from './usage.service';
import { UsageSeriesService } from './usage-series.service';
import { UserService } from './user.service';
import { BillingContactsService } from './billing-contacts.service';
import { InvoiceService } from './invoice.service';
import { InvoicePaymentService } from './invoice-payment.service';
import { CreditNoteService } from './credit-note.service';
import type { InvoiceLineSource } from './invoice-lines';
import { OutboxDeliverer } from './outbox-deliverer';
import { OutboxWriter } from './outbox-writer';
import { PaymentMethodService } from './payment-method.service';
import { PaymentsService } from './payments.service';
import { ReminderService } from './reminder.service';
import {
  closeDuePeriodsJob,
  deliverOutboxJob,
  expireCreditLotsJob,
  purgeIdempotencyKeysJob,
  queueRemindersJob,
} from './scheduled-jobs';
import { SchedulerService } from './scheduler.service';
import { BillingChangeService } from './billing-change.service';

/** The invoice line sources of production (R17): licenses (R9, R10) and credits (R13, R15). */
export function defaultInvoiceLineSources(usage: UsageService): InvoiceLineSource[] {
  return [new LicenseInvoiceLines(usage), new CreditInvoiceLines()];
}

export interface ServiceDeps {
  dataSource: DataSource;
  config: AppConfig;
  log: Logger;
  pubSub: BillingPubSub;
  clock?: Clock;
  metrics?: Metrics;
  /** R20: default the built-in sandbox. */
  paymentProvider?: PaymentProvider;
}

/** Every service of one server instance, wired once at start. */
export function createServices(deps: ServiceDeps) {
  const clock = deps.clock ?? systemClock;
  const uow = new UnitOfWork(deps.dataSource, deps.log);
  const permissions = new PermissionService();
  const usage = new UsageService();
  // R31: the one writer of the audit log, called by every service that changes billing-relevant state.
  const auditLog = new AuditLog(clock);
  const organizations = new OrganizationService(uow, clock, usage, auditLog);
  const alerts = new AlertService(clock, deps.pubSub, uow, auditLog);
  const alertStream = new AlertStreamService(deps.dataSource.manager, deps.pubSub, permissions);
  const licenses = new LicenseService(organizations, usage, alerts, clock, uow);
  const usageSeries = new UsageSeriesService(clock, organizations);
  const users = new UserService(uow, clock, permissions, usage, licenses, auditLog);
  const locations = new LocationService(uow, clock, usage, licenses, auditLog);
  const permissionOverrides = new PermissionOverrideService(uow, permissions, users, auditLog);
  // R20: the sandbox provider unless a real adapter is injected (createApp options)
  const paymentProvider = deps.paymentProvider ?? new SandboxPaymentProvider(clock);
  const idempotency = new IdempotencyService(clock);
  const paymentMethods = new PaymentMethodService(uow, clock, paymentProvider, auditLog);
  const payments = new PaymentsService(clock, paymentProvider, paymentMethods, auditLog);
  const creditLedger = new CreditLedger(alerts, auditLog);
  const credits = new CreditService(uow, clock, organizations, creditLedger);
  const creditPurchases = new CreditPurchaseService(
    uow,
    clock,
    organizations,
    idempotency,
    creditLedger,
    payments,
    auditLog,
  );
  const assignments = new AssignmentService(uow, clock, creditLedger, auditLog);
  const contacts = new BillingContactsService(uow, permissions, auditLog);
  const outboxWriter = new OutboxWriter(clock);
  const peakEvidence = new PeakEvidenceService();
  const invoices = new InvoiceService(
    uow,
    clock,
    deps.config,
    organizations,
    contacts,
    outboxWriter,
    defaultInvoiceLineSources(usage),
    peakEvidence,
    auditLog,
  );
  const forecasts = new ForecastService(clock, organizations, credits, invoices);
  const lifecycle = new OrganizationLifecycleService(
    uow,
    clock,
    deps.config,
    organizations,
    invoices,
    contacts,
    outboxWriter,
    auditLog,
  );
  const invoicePayments = new InvoicePaymentService(
    uow,
    deps.config,
    payments,
    idempotency,
    alerts,
    contacts,
    outboxWriter,
    auditLog,
  );
  // R33: credit notes (operators), refunds through the one payment path.
  const creditNotes = new CreditNoteService(
    uow,
    clock,
    deps.config,
    payments,
    idempotency,
    contacts,
    outboxWriter,
    auditLog,
  );
  // R26: alert rules, evaluated at the end of every organization scope (inside its transaction, before commit).
  const alertRules = new AlertRuleService(
    uow,
    clock,
    deps.config,
    organizations,
    alerts,
    new AlertMetrics(licenses, credits, invoices),
    contacts,
    outboxWriter,
    createRequestReads,
    auditLog,
  );
  uow.onScopeEnd((scope) => alertRules.evaluate(scope));
  const billingChanges = new BillingChangeService(
    clock,
    organizations,
    licenses,
    invoices,
    creditLedger,
    alerts,
    alertRules,
  );
  const reminders = new ReminderService(uow, deps.config, contacts, outboxWriter);
  // R27: every organization-scoped commit is announced on the pub/sub (so on every instance, through Redis).
  uow.onOrganizationChanged((organizationId) =>
    deps.pubSub.publish('ORGANIZATION_CHANGED', organizationId, { organizationId, committedAt: clock.now().getTime() }),
  );
  // One computation reads like one dashboard request: through shared reads of its own, each row once.
  const computationManager = () => {
    const em = deps.dataSource.createEntityManager();
    let reads: ReturnType<typeof createLoaders> | undefined;
    bindRequestReads(em, () => (reads ??= createLoaders(em, services)));
    return em;
  };
  const billingStates = new BillingStateService(licenses, credits, invoices, computationManager, deps.metrics);
  const billingStateStream = new BillingStateStream(
    deps.dataSource.manager,
    deps.pubSub,
    permissions,
    billingStates,
    clock,
    deps.log,
    deps.metrics,
  );
  const outboxDeliverer = new OutboxDeliverer(
    uow,
    createMailTransport(deps.config, deps.log),
    deps.config,
    deps.metrics,
    deps.log,
  );
  // In order: periods close first (their invoice mail goes out in the same run), the outbox is delivered last.
  const scheduler = new SchedulerService(
    [
      closeDuePeriodsJob(invoices),
      expireCreditLotsJob(credits),
      purgeIdempotencyKeysJob(idempotency),
      queueRemindersJob(reminders),
      deliverOutboxJob(outboxDeliverer),
    ],
    { em: deps.dataSource.manager, clock, config: deps.config, log: deps.log, metrics: deps.metrics },
  );
  const services = {
    clock,
    uow,
    pubSub: deps.pubSub,
    permissions,
    alerts,
    alertRules,
    alertStream,
    auditLog,
    usage,
    usageSeries,
    peakEvidence,
    licenses,
    organizations,
    users,
    locations,
    permissionOverrides,
    paymentProvider,
    paymentMethods,
    payments,
    idempotency,
    credits,
    creditPurchases,
    assignments,
    contacts,
    outboxWriter,
    invoices,
    forecasts,
    lifecycle,
    invoicePayments,
    creditNotes,
    reminders,
    outboxDeliverer,
    scheduler,
    billingStates,
    billingStateStream,
    billingChanges,
  };
  return services;
}

export type Services = ReturnType<typeof createServices>;
