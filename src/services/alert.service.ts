import { EntityManager } from 'typeorm';
import { AlertKind, BillingAlert } from '../../entities';
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
}

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
  ) {}

  async raise(tx: ServiceContext, alert: NewAlert): Promise<BillingAlert> {
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
      return tx.em.save(fresh);
    });
  }
}
