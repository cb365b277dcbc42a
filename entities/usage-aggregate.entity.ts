import { Column, Entity, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import { InstantColumn } from './columns';
import { LicenseKind } from './enums';
import { MAX_LENGTH } from './lengths';
import { Organization } from './organization.entity';

/**
 * The usage of one license kind over one billing period, kept current on write (R9): the usage timeline stays
 * the source of truth, this row is what it sums to, so reads of the license do not grow with history.
 * Written only by UsageService, under the organization's lock, in the transaction of the usage event.
 *
 * The period's peak is max(peakBefore, levelAfterLastInstant): the level after `lastInstant` is the only candidate
 * still open to change (another event at that same instant), every earlier candidate is folded into peakBefore.
 */
@Entity('usage_aggregate')
export class UsageAggregate {
  @PrimaryColumn({ type: 'varchar', length: MAX_LENGTH.id }) organizationId: string;
  @ManyToOne(() => Organization, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'organizationId' })
  organization?: Organization;
  @PrimaryColumn({ type: 'varchar', length: MAX_LENGTH.id }) periodId: string;
  @PrimaryColumn({ type: 'varchar', length: MAX_LENGTH.enumValue }) kind: LicenseKind;
  /** Net in use after every recorded event, also those at or after the period's end. */
  @Column({ type: 'int' }) level: number;
  /** The latest instant with an event inside (from, end), or the period's start when there is none. */
  @InstantColumn() lastInstant: Date;
  /** The level after every event up to and including `lastInstant`. */
  @Column({ type: 'int' }) levelAfterLastInstant: number;
  /** The highest level after an instant in [start, lastInstant), null when lastInstant is the start. */
  @Column({ type: 'int', nullable: true }) peakBefore: number | null;
  /** The first instant at which peakBefore was reached. */
  @InstantColumn({ nullable: true }) peakBeforeAt: Date | null;
}
