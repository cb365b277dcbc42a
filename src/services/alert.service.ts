import { AlertKind, BillingAlert } from '../../entities';
import type { BillingPubSub } from '../pubsub/pubsub';
import { Clock } from './clock';
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
 * The caller must hold the organization's write lock (OrganizationService.lockForChange), which makes the
 * per-organization sequence gapless and unique.
 */
export class AlertService {
  constructor(private readonly clock: Clock, private readonly pubSub: BillingPubSub) {}

  async raise(tx: ServiceContext, alert: NewAlert): Promise<BillingAlert> {
    if (!tx.afterCommit) throw new Error('alerts are raised inside a unit of work');
    const { max } = (await tx.em
      .createQueryBuilder(BillingAlert, 'a')
      .select('MAX(a.sequence)', 'max')
      .where('a.organizationId = :organizationId', { organizationId: alert.organizationId })
      .getRawOne<{ max: number | string | null }>()) ?? { max: null };
    const saved = await tx.em.save(tx.em.create(BillingAlert, {
      contracted: null, inUse: null, estimatedAdditionalChargeCents: null, locationId: null, acknowledgedAt: null,
      ...alert,
      sequence: Number(max ?? 0) + 1,
      createdAt: this.clock.now(),
    }));
    tx.afterCommit(() => this.pubSub.publish('ALERT_RAISED', saved.organizationId, { organizationId: saved.organizationId, alertId: saved.id, sequence: saved.sequence }));
    return saved;
  }
}
