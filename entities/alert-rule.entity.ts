import { Column, Entity, Index, JoinColumn, ManyToOne } from 'typeorm';
import { CentsColumn, EnumColumn, IdColumn, InstantColumn, RefColumn, newId } from './columns';
import { Organization } from './organization.entity';

/** R26: what an alert rule watches. */
export enum AlertMetric {
  SEATS_IN_USE = 'SEATS_IN_USE',
  LOCATIONS_IN_USE = 'LOCATIONS_IN_USE',
  CREDITS_AVAILABLE = 'CREDITS_AVAILABLE',
  CREDIT_OVERAGE_THIS_PERIOD = 'CREDIT_OVERAGE_THIS_PERIOD',
  UPCOMING_INVOICE_TOTAL_CENTS = 'UPCOMING_INVOICE_TOTAL_CENTS',
}

/** R26: ABOVE holds while the metric > threshold, BELOW while the metric < threshold. */
export enum ThresholdDirection {
  ABOVE = 'ABOVE',
  BELOW = 'BELOW',
}

/** R26: where a rule's alerts go besides the alert stream: EMAIL also mails the R22 recipients. */
export enum AlertChannel {
  DASHBOARD = 'DASHBOARD',
  EMAIL = 'EMAIL',
}

/**
 * R26: a billing manager's alert rule, evaluated inside the transaction of every change of its organization
 * (AlertRuleService.evaluate). `crossed` is whether the metric was past the threshold at the last evaluation, so
 * each crossing raises THRESHOLD_CROSSED once and each return THRESHOLD_RESOLVED once.
 */
@Entity('alert_rule')
@Index(['organizationId', 'enabled'])
export class AlertRule {
  @IdColumn() id: string = newId();
  @RefColumn() organizationId: string;
  @ManyToOne(() => Organization, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'organizationId' })
  organization?: Organization;
  @EnumColumn() metric: AlertMetric;
  @EnumColumn() direction: ThresholdDirection;
  /** 64-bit like cents: UPCOMING_INVOICE_TOTAL_CENTS compares with money. */
  @CentsColumn() threshold: number;
  @Column({ type: 'simple-json' }) channels: AlertChannel[];
  @Column({ type: 'boolean', default: true }) enabled: boolean;
  @Column({ type: 'boolean', default: false }) crossed: boolean;
  @InstantColumn({ nullable: true }) lastTriggeredAt: Date | null;
  @InstantColumn() createdAt: Date;
}
