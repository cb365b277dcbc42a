import { Entity, Column, Index, JoinColumn, ManyToOne } from 'typeorm';
import { CentsColumn, EnumColumn, IdColumn, InstantColumn, RefColumn, newId } from './columns';
import { Organization } from './organization.entity';
import { AlertRule } from './alert-rule.entity';
import { MAX_LENGTH } from './lengths';

export enum AlertKind {
  LOCATION_OVERAGE = 'LOCATION_OVERAGE',
  SEAT_OVERAGE = 'SEAT_OVERAGE',
  CREDITS_LOW = 'CREDITS_LOW',
  CREDITS_DEPLETED = 'CREDITS_DEPLETED',
  PAYMENT_FAILED = 'PAYMENT_FAILED',
  SEAT_OVERAGE_RESOLVED = 'SEAT_OVERAGE_RESOLVED',
  LOCATION_OVERAGE_RESOLVED = 'LOCATION_OVERAGE_RESOLVED',
  CREDITS_RECOVERED = 'CREDITS_RECOVERED',
  THRESHOLD_CROSSED = 'THRESHOLD_CROSSED',
  THRESHOLD_RESOLVED = 'THRESHOLD_RESOLVED',
}

/**
 * A dashboard alert (R11, R16, R19, R25, R26): stored in the transaction that raises it, published after commit.
 * `sequence` orders an organization's alerts without gaps, so a reconnecting dashboard can replay what it missed.
 * R25: an alert is `active` until a resolution (an alert itself, always inactive) ends its condition.
 */
@Entity('billing_alert')
@Index(['organizationId', 'sequence'], { unique: true })
@Index(['organizationId', 'createdAt', 'id'])
@Index(['organizationId', 'kind', 'createdAt'])
export class BillingAlert {
  @IdColumn() id: string = newId();
  @RefColumn() organizationId: string;
  @ManyToOne(() => Organization, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'organizationId' })
  organization?: Organization;
  @Column({ type: 'int' }) sequence: number;
  @EnumColumn() kind: AlertKind;
  @Column({ type: 'varchar', length: MAX_LENGTH.alertMessage }) message: string;
  @Column({ type: 'int', nullable: true }) contracted: number | null;
  @Column({ type: 'int', nullable: true }) inUse: number | null;
  @CentsColumn({ nullable: true }) estimatedAdditionalChargeCents: number | null;
  @RefColumn({ nullable: true }) locationId: string | null;
  @InstantColumn() createdAt: Date;
  @InstantColumn({ nullable: true }) acknowledgedAt: Date | null;
  /** R25: true until a resolution ends the condition; never true again once false. */
  @Column({ type: 'boolean', default: true }) active: boolean;
  /** R25: on a resolution, the alert that opened the condition it ended. */
  @RefColumn({ nullable: true }) resolvesId: string | null;
  /** R25: the resolution that ended this alert's condition. */
  @RefColumn({ nullable: true }) resolvedById: string | null;
  /** R25: the metric when raised (in use, the credit balance, or a rule's metric); 64-bit like cents. */
  @CentsColumn({ nullable: true }) value: number | null;
  /** R26: the rule that raised it (THRESHOLD_*); null for built-in alerts, and once the rule is deleted. */
  @RefColumn({ nullable: true }) ruleId: string | null;
  @ManyToOne(() => AlertRule, { onDelete: 'SET NULL' })
  @JoinColumn({ name: 'ruleId' })
  rule?: AlertRule | null;
}
