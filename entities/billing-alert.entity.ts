import { Entity, Column, Index, JoinColumn, ManyToOne } from 'typeorm';
import { CentsColumn, EnumColumn, IdColumn, InstantColumn, RefColumn, newId } from './columns';
import { Organization } from './organization.entity';
import { MAX_LENGTH } from './lengths';

export enum AlertKind {
  LOCATION_OVERAGE = 'LOCATION_OVERAGE',
  SEAT_OVERAGE = 'SEAT_OVERAGE',
  CREDITS_LOW = 'CREDITS_LOW',
  CREDITS_DEPLETED = 'CREDITS_DEPLETED',
  PAYMENT_FAILED = 'PAYMENT_FAILED',
}

/**
 * A dashboard alert (R11, R16, R19): stored in the transaction that raises it, published after commit.
 * `sequence` orders an organization's alerts without gaps, so a reconnecting dashboard can replay what it missed.
 */
@Entity('billing_alert')
@Index(['organizationId', 'sequence'], { unique: true })
@Index(['organizationId', 'createdAt', 'id'])
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
}
