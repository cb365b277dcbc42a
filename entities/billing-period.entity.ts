import { Column, Entity, Index, JoinColumn, ManyToOne } from 'typeorm';
import { IdColumn, InstantColumn, RefColumn, newId } from './columns';
import { Organization } from './organization.entity';

/** One billing period of an organization: [start, end). Exactly one is open at a time. */
@Entity('billing_period')
@Index(['organizationId', 'start'])
@Index(['openForOrganizationId'], { unique: true })
export class BillingPeriod {
  @IdColumn() id: string = newId();
  @RefColumn() organizationId: string;
  @ManyToOne(() => Organization, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'organizationId' })
  organization?: Organization;
  @InstantColumn() start: Date;
  @InstantColumn() end: Date;
  /** Equals organizationId while the period is open, null once closed: a unique index makes "one open period" a database fact. */
  @RefColumn({ nullable: true }) openForOrganizationId: string | null;
  @InstantColumn({ nullable: true }) closedAt: Date | null;
  /** Periods of one series end at anchor + (index + 1) intervals, so month-end anchors survive short months. */
  @InstantColumn() anchor: Date;
  @Column({ type: 'int' }) anchorIndex: number;
}
