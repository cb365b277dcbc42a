import { EntityManager, In } from 'typeorm';
import { sqlInstant } from '../db/sql';
import { AlertKind, AuditAction, BillingAlert } from '../../entities';
import type { AuditLog } from './audit-log';
import { Page, PageArgs, paginate } from '../db/paginate';
import { UnitOfWork } from '../db/unit-of-work';
import type { BillingPubSub } from '../pubsub/pubsub';
import { Clock } from '../common/clock';
import type { ServiceContext } from './service-context';

export interface NewAlert {
  organizationId: string;
  kind: AlertKind;
  message: string;
  contracted?: number | null;
  inUse?: number | null;
  estimatedAdditionalChargeCents?: number | null;
  locationId?: string | null;
  /** R25: the metric when raised (in use, the credit balance, a rule's metric). */
  value?: number | null;
  /** R26: the alert rule that raised it. */
  ruleId?: string | null;
}

/** R25: a resolution — the alert that ends a condition (always inactive). */
export type Resolution = Omit<NewAlert, 'organizationId'>;

/**
 * The alert channel (R11): an alert is stored inside the transaction that raises it and published only after
 * that transaction commits — a rolled-back change never reaches a dashboard.
 * The caller runs in an organization scope (UnitOfWork.forOrganization) and so holds its write lock, which makes the
 * per-organization sequence gapless and unique.
 * Any kind (overage, credits, payments) goes through `raise` and reaches billingAlerts subscribers unchanged.
 */
export class AlertService {
  constructor(
    private readonly clock: Clock,
    private readonly pubSub: BillingPubSub,
    private readonly uow: UnitOfWork,
    private readonly audit: AuditLog,
  ) {}

  async raise(
    tx: ServiceContext,
    alert: NewAlert & Partial<Pick<BillingAlert, 'active' | 'resolvesId'>>,
  ): Promise<BillingAlert> {
    if (!tx.afterCommit) throw new Error('alerts are raised inside a unit of work');
    const { max } = (await tx.em
      .createQueryBuilder(BillingAlert, 'a')
      .select('MAX(a.sequence)', 'max')
      .where('a.organizationId = :organizationId', { organizationId: alert.organizationId })
      .getRawOne<{ max: number | string | null }>()) ?? { max: null };
    const saved = await tx.em.save(
      tx.em.create(BillingAlert, {
        contracted: null,
        inUse: null,
        estimatedAdditionalChargeCents: null,
        locationId: null,
        acknowledgedAt: null,
        value: null,
        ruleId: null,
        active: true,
        resolvesId: null,
        resolvedById: null,
        ...alert,
        sequence: Number(max ?? 0) + 1,
        createdAt: this.clock.now(),
      }),
    );
    tx.afterCommit(() =>
      this.pubSub.publish('ALERT_RAISED', saved.organizationId, {
        organizationId: saved.organizationId,
        alertId: saved.id,
        sequence: saved.sequence,
      }),
    );
    return saved;
  }

  /**
   * R25: ends the condition the open alerts of `kinds` belong to, if any is open: one resolution alert (inactive,
   * `resolves` = the first open one, the alert that opened the condition) joins the sequence, and every open alert
   * of those kinds (of the resolution's rule, when it has one) becomes inactive with `resolvedBy` = the resolution.
   * A resolved alert never reopens. Returns null (and raises nothing) when nothing is open.
   */
  async resolveOpen(
    tx: ServiceContext,
    organizationId: string,
    kinds: AlertKind[],
    resolution: Resolution,
  ): Promise<BillingAlert | null> {
    const open = await this.openOf(tx.em, organizationId, kinds, resolution.ruleId);
    if (open.length === 0) return null;
    const saved = await this.raise(tx, { ...resolution, organizationId, active: false, resolvesId: open[0].id });
    await tx.em.update(BillingAlert, { id: In(open.map((a) => a.id)) }, { active: false, resolvedById: saved.id });
    return saved;
  }

  /** R25: the organization's open (active) alerts of `kinds` (R26: of one rule, when given), oldest first. */
  openOf(
    em: EntityManager,
    organizationId: string,
    kinds: AlertKind[],
    ruleId?: string | null,
  ): Promise<BillingAlert[]> {
    return em.find(BillingAlert, {
      where: { organizationId, kind: In(kinds), active: true, ...(ruleId ? { ruleId } : {}) },
      order: { sequence: 'ASC' },
    });
  }

  /**
   * R25: an organization's alerts of `kind` raised since `since`: how many, and the highest value among those
   * raised at or after `at` (null when none were).
   */
  async raisedSince(
    em: EntityManager,
    organizationId: string,
    kind: AlertKind,
    since: Date,
    at: Date,
  ): Promise<{ count: number; highestSinceAt: number | null }> {
    const row = await em
      .createQueryBuilder(BillingAlert, 'a')
      .select('COUNT(*)', 'count')
      .addSelect('MAX(CASE WHEN a.createdAt >= :at THEN a.value END)', 'highestSinceAt')
      .where('a.organizationId = :organizationId AND a.kind = :kind AND a.createdAt >= :since', {
        organizationId,
        kind,
        since: sqlInstant(em, since),
        at: sqlInstant(em, at),
      })
      .getRawOne<{ count: number | string; highestSinceAt: number | string | null }>();
    const highest = row?.highestSinceAt;
    return {
      count: Number(row?.count ?? 0),
      highestSinceAt: highest === null || highest === undefined ? null : Number(highest),
    };
  }

  /** One alert by id (its organization's: the caller passes a root it already holds). */
  byId(em: EntityManager, id: string): Promise<BillingAlert | null> {
    return em.findOne(BillingAlert, { where: { id } });
  }

  /**
   * Organization.alerts: newest first in the order they were raised (keyset over the per-organization sequence,
   * which alerts raised in one millisecond still tell apart), optionally only the unacknowledged ones.
   */
  list(
    em: EntityManager,
    organizationId: string,
    unacknowledgedOnly: boolean,
    page: PageArgs,
  ): Promise<Page<BillingAlert>> {
    const qb = em.createQueryBuilder(BillingAlert, 'a').where('a.organizationId = :organizationId', { organizationId });
    if (unacknowledgedOnly) qb.andWhere('a.acknowledgedAt IS NULL');
    return paginate(qb, page, { column: 'sequence', direction: 'DESC', unique: true });
  }

  /** Marks an alert as seen; acknowledging it again keeps the first acknowledgement. */
  async acknowledge(ctx: ServiceContext, id: string): Promise<BillingAlert> {
    return this.uow.forOrganization(ctx, { owner: BillingAlert, id }, {}, async (tx) => {
      const fresh = await tx.find(BillingAlert, id);
      if (fresh.acknowledgedAt) return fresh;
      fresh.acknowledgedAt = this.clock.now();
      const saved = await tx.em.save(fresh);
      await this.audit.record(tx, {
        action: AuditAction.ALERT_ACKNOWLEDGED,
        targetType: 'BillingAlert',
        targetId: id,
        changes: { acknowledgedAt: { before: null, after: fresh.acknowledgedAt } },
        at: fresh.acknowledgedAt,
      });
      return saved;
    });
  }
}
