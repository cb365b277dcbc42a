import { LRUCache } from 'lru-cache';
import { EntityManager } from 'typeorm';
import {
  AuditAction,
  AlertChannel,
  AlertKind,
  AlertMetric,
  AlertRule,
  NotificationKind,
  Organization,
  OrganizationStatus,
  ThresholdDirection,
} from '../../entities';
import type { AppConfig } from '../config/config';
import { Clock } from '../common/clock';
import { formatUsd } from '../common/money';
import type { Scoped } from '../db/organization-scope';
import { bindRequestReads, RequestReads } from '../db/request-reads';
import { UnitOfWork } from '../db/unit-of-work';
import { badInput } from '../errors/errors';
import { billingAlertMail } from '../notifications/templates';
import { AlertMetrics, metricAppliesTo } from './alert-metrics';
import type { AlertService } from './alert.service';
import type { BillingContactsService } from './billing-contacts.service';
import { MAX_ALERT_RULES } from './bounds';
import { declaredMoves } from './moved-metrics';
import type { OrganizationService } from './organization.service';
import type { OutboxWriter } from './outbox-writer';
import type { ServiceContext } from './service-context';
import { type AuditLog, changedFields, createdFields } from './audit-log';

export interface AlertRuleInput {
  metric: AlertMetric;
  direction: ThresholdDirection;
  threshold: number;
  /** Default [DASHBOARD]. */
  channels?: AlertChannel[] | null;
  /** Default true. */
  enabled?: boolean | null;
}

type Scope = Scoped<ServiceContext>;

/** R26: the enabled rules of an organization as they stood at one `alertRulesVersion` (committed), oldest first. */
interface RulesAtVersion {
  version: number;
  rules: readonly AlertRule[];
}

/** Organizations whose enabled rules an instance keeps in memory (the least recently evaluated are dropped). */
const CACHED_ORGANIZATIONS = 10_000;

/** How a metric reads in an alert: its name, and its value in its unit. */
const METRIC_WORDS: Record<AlertMetric, { name: string; format: (value: number) => string }> = {
  [AlertMetric.SEATS_IN_USE]: { name: 'Seats in use', format: String },
  [AlertMetric.LOCATIONS_IN_USE]: { name: 'Locations in use', format: String },
  [AlertMetric.CREDITS_AVAILABLE]: { name: 'Credits available', format: String },
  [AlertMetric.CREDIT_OVERAGE_THIS_PERIOD]: { name: 'Credit overage this period', format: String },
  [AlertMetric.UPCOMING_INVOICE_TOTAL_CENTS]: { name: 'The upcoming invoice total', format: formatUsd },
};

/**
 * R26: alert rules — a billing manager's thresholds on the organization's metrics, up to MAX_ALERT_RULES of them.
 * Rules are evaluated inside the transaction of every change of the organization (`evaluate`, the one hook at the
 * end of every organization scope), never by a periodic batch: starting to hold raises THRESHOLD_CROSSED once,
 * ceasing to hold THRESHOLD_RESOLVED once (R25: it resolves the crossing alert). A rule created, re-enabled or
 * changed while it holds raises at once, because its own change ends in the same evaluation.
 */
export class AlertRuleService {
  constructor(
    private readonly uow: UnitOfWork,
    private readonly clock: Clock,
    private readonly config: Pick<AppConfig, 'billingPortalUrl'>,
    private readonly organizations: OrganizationService,
    private readonly alerts: AlertService,
    private readonly metrics: AlertMetrics,
    private readonly contacts: BillingContactsService,
    private readonly outboxWriter: OutboxWriter,
    private readonly readsFor: (em: EntityManager) => RequestReads,
    private readonly audit: AuditLog,
  ) {}

  /**
   * R26: the enabled rules per organization, keyed by the organization's `alertRulesVersion` — which every change of
   * its rules bumps in the changing transaction (`rulesChanged`) and which the evaluation reads with the organization
   * under its lock. An entry is stored only after the transaction that read it has committed, so a version always
   * names committed rules: an entry for another version than the locked row's is never used, on any instance.
   */
  private readonly enabledRules = new LRUCache<string, RulesAtVersion>({ max: CACHED_ORGANIZATIONS });

  /** Organization.alertRules: oldest first. */
  list(em: EntityManager, organizationId: string): Promise<AlertRule[]> {
    return em.find(AlertRule, { where: { organizationId }, order: { createdAt: 'ASC', id: 'ASC' } });
  }

  /** R26: a new rule; the 26th, a negative threshold or a metric the license model does not bill is BAD_USER_INPUT. */
  async create(ctx: ServiceContext, input: AlertRuleInput, organizationIdArg?: string | null): Promise<AlertRule> {
    const terms = checkedTerms(input);
    return this.uow.forOrganization(ctx, { organizationId: organizationIdArg }, {}, async (scope) => {
      const count = await scope.em.count(AlertRule, { where: { organizationId: scope.organizationId } });
      if (count >= MAX_ALERT_RULES)
        throw badInput('input', `An organization keeps at most ${MAX_ALERT_RULES} alert rules: delete one first`);
      await this.requireMetricApplies(scope, terms.metric);
      const rule = scope.em.create(AlertRule, {
        organizationId: scope.organizationId,
        ...terms,
        enabled: input.enabled ?? true,
        crossed: false,
        lastTriggeredAt: null,
        createdAt: this.clock.now(),
      });
      await scope.em.insert(AlertRule, rule);
      await this.audit.record(scope, {
        action: AuditAction.ALERT_RULE_CREATED,
        targetType: 'AlertRule',
        targetId: rule.id,
        changes: createdFields(ruleTerms(rule)),
        at: rule.createdAt,
      });
      await this.rulesChanged(scope, rule.enabled ? +1 : 0);
      return this.evaluatedNow(scope, rule.id);
    });
  }

  /**
   * R26: new terms for a rule (fields as in create; channels and enabled default as there). `crossed` is kept: a rule
   * that held and still holds raises nothing new, one that starts to hold raises, one that stops resolves.
   */
  async update(ctx: ServiceContext, id: string, input: AlertRuleInput): Promise<AlertRule> {
    const terms = checkedTerms(input);
    return this.uow.forOrganization(ctx, { owner: AlertRule, id }, {}, async (scope) => {
      const rule = await scope.find(AlertRule, id);
      await this.requireMetricApplies(scope, terms.metric);
      const enabled = input.enabled ?? true;
      await scope.em.update(AlertRule, { id }, { ...terms, enabled });
      await this.audit.record(scope, {
        action: AuditAction.ALERT_RULE_UPDATED,
        targetType: 'AlertRule',
        targetId: id,
        changes: changedFields<string>(ruleTerms(rule), ruleTerms({ ...terms, enabled }), RULE_FIELDS),
      });
      await this.rulesChanged(scope, enabled === rule.enabled ? 0 : enabled ? +1 : -1);
      return this.evaluatedNow(scope, rule.id);
    });
  }

  /**
   * A rule just created or changed, as it stands after its evaluation: the evaluation that ends this scope would
   * raise the same alerts (it finds nothing left to do), but the answer must already show `crossed`.
   */
  private async evaluatedNow(scope: Scope, id: string): Promise<AlertRule> {
    await this.evaluate(scope);
    return scope.find(AlertRule, id);
  }

  /** R26: deletes a rule; its alerts stay, with `rule` null (ON DELETE SET NULL). Returns the id. */
  async delete(ctx: ServiceContext, id: string): Promise<string> {
    return this.uow.forOrganization(ctx, { owner: AlertRule, id }, {}, async (scope) => {
      const rule = await scope.find(AlertRule, id);
      await scope.em.delete(AlertRule, { id });
      await this.audit.record(scope, {
        action: AuditAction.ALERT_RULE_DELETED,
        targetType: 'AlertRule',
        targetId: id,
        changes: Object.fromEntries(
          Object.entries(ruleTerms(rule)).map(([field, before]) => [field, { before, after: null }]),
        ),
      });
      await this.rulesChanged(scope, rule.enabled ? -1 : 0);
      return id;
    });
  }

  /**
   * R26, the evaluation: run at the end of every organization scope (UnitOfWork.onScopeEnd), inside the change's
   * transaction, before commit. Nothing to do — and nothing read — when the organization has no enabled rule or is
   * terminated. Otherwise the enabled rules are taken from memory when they are known at the locked row's
   * `alertRulesVersion` (read otherwise, and kept once this transaction commits). A change that declared what it
   * moved (moved-metrics.ts: a license activated or deactivated) has only the rules over those metrics evaluated,
   * with the values it knows; otherwise every rule is. The metrics still unknown (only those) are computed once
   * through shared reads, and each rule whose state changed raises its alert: ABOVE holds while value > threshold,
   * BELOW while value < threshold (equal is not crossed).
   */
  async evaluate(scope: Scope): Promise<void> {
    const { organization, organizationId } = scope;
    if (organization.status === OrganizationStatus.TERMINATED || organization.enabledAlertRules <= 0) return;
    const enabled = await this.enabledRulesOf(scope);
    // A change that declared what it moved leaves the rules over every other metric as they stand.
    const moved = declaredMoves(scope);
    const rules = moved ? enabled.filter((rule) => moved.has(rule.metric)) : enabled;
    if (rules.length === 0) return;
    const values = new Map<AlertMetric, number>();
    for (const [metric, value] of moved ?? []) if (value !== null) values.set(metric, value);
    const unknown = new Set(rules.map((rule) => rule.metric).filter((metric) => !values.has(metric)));
    if (unknown.size > 0) {
      // The transaction's connection with reads of its own: the metrics share the contract, period, usage and credit
      // reads like the Billing page does, and see this transaction's writes.
      const em = scope.em.connection.createEntityManager(scope.em.queryRunner);
      const reads = this.readsFor(em);
      bindRequestReads(em, () => reads);
      const reader = Object.assign(Object.create(scope) as Scope, { em });
      for (const [metric, value] of await this.metrics.read(reader, organizationId, unknown)) values.set(metric, value);
    }
    let flipped = false;
    for (const rule of rules) {
      const value = values.get(rule.metric)!;
      const holds = ruleHolds(rule, value);
      if (holds === rule.crossed) continue;
      if (holds) await this.crossed(scope, rule, value);
      else await this.resolved(scope, rule, value);
      flipped = true;
    }
    if (flipped) {
      await this.rulesChanged(scope, 0);
      this.keepAfterCommit(scope, enabled);
    }
  }

  /**
   * R32: the rule alerts a change would raise — every enabled rule evaluated as `evaluate` does, on the metrics as the
   * change would leave them (`changed`; the others as they are now), in rule order. Reads only.
   */
  async alertsIfChanged(
    ctx: ServiceContext,
    organizationId: string,
    changed: Partial<Record<AlertMetric, number>>,
  ): Promise<AlertKind[]> {
    const organization = await this.organizations.find(ctx.em, organizationId);
    if (!organization || organization.enabledAlertRules <= 0) return [];
    const rules = await ctx.em.find(AlertRule, {
      where: { organizationId, enabled: true },
      order: { createdAt: 'ASC', id: 'ASC' },
    });
    const unchanged = new Set(rules.map((r) => r.metric).filter((metric) => changed[metric] === undefined));
    const values = unchanged.size > 0 ? await this.metrics.read(ctx, organizationId, unchanged) : new Map();
    const kinds: AlertKind[] = [];
    for (const rule of rules) {
      const holds = ruleHolds(rule, changed[rule.metric] ?? values.get(rule.metric)!);
      if (holds !== rule.crossed) kinds.push(holds ? AlertKind.THRESHOLD_CROSSED : AlertKind.THRESHOLD_RESOLVED);
    }
    return kinds;
  }

  /**
   * R26: the organization's enabled rules (copies: the evaluation changes their `crossed`), oldest first — from
   * memory when known at the version the locked organization row carries, else read (and kept after commit).
   */
  private async enabledRulesOf(scope: Scope): Promise<AlertRule[]> {
    const { organizationId, organization } = scope;
    const known = this.enabledRules.get(organizationId);
    if (known && known.version === organization.alertRulesVersion) return known.rules.map(copyOf);
    const rules = await scope.em.find(AlertRule, {
      where: { organizationId, enabled: true },
      order: { createdAt: 'ASC', id: 'ASC' },
    });
    this.keepAfterCommit(scope, rules);
    return rules;
  }

  /**
   * Keeps `rules` as the enabled rules at the scope's current `alertRulesVersion`, once (and only if) the transaction
   * commits: a rolled-back transaction's rules never reach memory. Outside a unit of work nothing is kept.
   */
  private keepAfterCommit(scope: Scope, rules: readonly AlertRule[]): void {
    if (!scope.afterCommit) return;
    const entry: RulesAtVersion = { version: scope.organization.alertRulesVersion, rules: rules.map(copyOf) };
    const organizationId = scope.organizationId;
    scope.afterCommit(() => {
      const current = this.enabledRules.get(organizationId);
      // A later version kept by a transaction that committed after this one stays.
      if (!current || current.version < entry.version) this.enabledRules.set(organizationId, entry);
    });
  }

  /** R26: the rule starts to hold: THRESHOLD_CROSSED once, `crossed` and `lastTriggeredAt` set. */
  private async crossed(scope: Scope, rule: AlertRule, value: number): Promise<void> {
    const words = METRIC_WORDS[rule.metric];
    const side = rule.direction === ThresholdDirection.ABOVE ? 'above' : 'below';
    const message = `${words.name} is ${words.format(value)}, ${side} the alert rule's threshold of ${words.format(rule.threshold)}.`;
    await this.alerts.raise(scope, {
      organizationId: scope.organizationId,
      kind: AlertKind.THRESHOLD_CROSSED,
      message,
      value,
      ruleId: rule.id,
    });
    const now = this.clock.now();
    await scope.em.update(AlertRule, { id: rule.id }, { crossed: true, lastTriggeredAt: now });
    Object.assign(rule, { crossed: true, lastTriggeredAt: now });
    await this.mail(scope, rule, `${words.name} ${side} ${words.format(rule.threshold)}`, message);
  }

  /** R26: the rule stops holding: THRESHOLD_RESOLVED once, ending the crossing alert (R25); `crossed` cleared. */
  private async resolved(scope: Scope, rule: AlertRule, value: number): Promise<void> {
    const words = METRIC_WORDS[rule.metric];
    const side = rule.direction === ThresholdDirection.ABOVE ? 'above' : 'below';
    const message = `${words.name} is ${words.format(value)}, no longer ${side} the alert rule's threshold of ${words.format(rule.threshold)}.`;
    const resolution = { kind: AlertKind.THRESHOLD_RESOLVED, message, value, ruleId: rule.id };
    const raised = await this.alerts.resolveOpen(
      scope,
      scope.organizationId,
      [AlertKind.THRESHOLD_CROSSED],
      resolution,
    );
    // A crossing alert already ended (never the case through this service) still gets its one resolution.
    if (!raised) await this.alerts.raise(scope, { ...resolution, organizationId: scope.organizationId, active: false });
    await scope.em.update(AlertRule, { id: rule.id }, { crossed: false });
    rule.crossed = false;
    await this.mail(scope, rule, `Resolved: ${words.name} ${side} ${words.format(rule.threshold)}`, message);
  }

  /** R26, channel EMAIL: a BILLING_ALERT notification to the R22 recipients, through the outbox (R24). */
  private async mail(scope: Scope, rule: AlertRule, subject: string, statement: string): Promise<void> {
    if (!rule.channels.includes(AlertChannel.EMAIL)) return;
    const recipients = await this.contacts.recipients(scope.em, scope.organizationId, scope.organization);
    if (recipients.length === 0) return;
    await this.outboxWriter.enqueue(scope, {
      organizationId: scope.organizationId,
      kind: NotificationKind.BILLING_ALERT,
      recipients,
      mail: billingAlertMail(scope.organization.name, subject, statement, this.config.billingPortalUrl),
    });
  }

  /** R26: SEATS_IN_USE only on a USER contract, LOCATIONS_IN_USE only on a LOCATION one. */
  private async requireMetricApplies(scope: Scope, metric: AlertMetric): Promise<void> {
    const contract = await this.organizations.contract(scope.em, scope.organizationId);
    if (contract && !metricAppliesTo(metric, contract.licenseModel))
      throw badInput('metric', `${metric} does not apply to a ${contract.licenseModel} license contract`);
  }

  /**
   * R26: the organization's rules changed in this transaction (a rule created, changed, deleted, or its crossed
   * state flipped): one more `alertRulesVersion`, and `enabledDelta` on Organization.enabledAlertRules — one
   * statement, on the row this scope holds locked. The scope's copy follows, which this scope's evaluation reads.
   */
  private async rulesChanged(scope: Scope, enabledDelta: -1 | 0 | 1): Promise<void> {
    scope.organization.enabledAlertRules += enabledDelta;
    scope.organization.alertRulesVersion += 1;
    // Increments in SQL: the row's own counts go up even if this copy missed a change (a version never repeats).
    const q = (column: string) => scope.em.connection.driver.escape(column);
    await scope.em
      .createQueryBuilder()
      .update(Organization)
      .set({
        enabledAlertRules: () => `${q('enabledAlertRules')} + ${enabledDelta}`,
        alertRulesVersion: () => `${q('alertRulesVersion')} + 1`,
      })
      .where('id = :id', { id: scope.organizationId })
      .execute();
  }
}

/** A detached copy of a rule (its channels too): what memory holds is never changed by an evaluation. */
function copyOf(rule: AlertRule): AlertRule {
  return Object.assign(Object.create(Object.getPrototypeOf(rule) as object) as AlertRule, rule, {
    channels: [...rule.channels],
  });
}

/** R26: the pure checks of a rule's terms (BAD_USER_INPUT with the field), before anything is read. */
/** R31: a rule's terms as the audit log records them. */
const RULE_FIELDS = ['metric', 'direction', 'threshold', 'channels', 'enabled'] as const;

function ruleTerms(rule: Pick<AlertRule, (typeof RULE_FIELDS)[number]>): Record<string, unknown> {
  return Object.fromEntries(RULE_FIELDS.map((field) => [field, rule[field]]));
}

function checkedTerms(input: AlertRuleInput): Pick<AlertRule, 'metric' | 'direction' | 'threshold' | 'channels'> {
  if (!Number.isSafeInteger(input.threshold) || input.threshold < 0)
    throw badInput('threshold', 'threshold must be an integer of 0 or more');
  const channels = [...new Set(input.channels ?? [AlertChannel.DASHBOARD])];
  if (channels.length === 0) throw badInput('channels', 'A rule needs at least one channel (DASHBOARD or EMAIL)');
  return { metric: input.metric, direction: input.direction, threshold: input.threshold, channels };
}

/** R26: ABOVE holds while value > threshold, BELOW while value < threshold (equal is not crossed). */
export function ruleHolds(rule: Pick<AlertRule, 'direction' | 'threshold'>, value: number): boolean {
  return rule.direction === ThresholdDirection.ABOVE ? value > rule.threshold : value < rule.threshold;
}
