import { Entity, Column, Index, JoinColumn, ManyToOne } from 'typeorm';
import { CentsColumn, EnumColumn, IdColumn, InstantColumn, RefColumn, newId } from './columns';
import { CreditLot } from './credit-lot.entity';
import { Organization } from './organization.entity';
import { TrainingAssignment } from './training-assignment.entity';

export enum CreditEntryKind {
  PURCHASE = 'PURCHASE',
  GRANT = 'GRANT',
  CONSUMPTION = 'CONSUMPTION',
  OVERAGE = 'OVERAGE',
  EXPIRY = 'EXPIRY',
}

/**
 * R16: the append-only credit ledger. Every change of the balance is one entry written in the same transaction;
 * entries are never updated or deleted. `sequence` numbers an organization's entries without gaps (written under
 * the organization's lock). OVERAGE entries count credits billed (positive) and leave the balance unchanged.
 */
@Entity('credit_ledger_entry')
@Index(['organizationId', 'sequence'], { unique: true })
@Index(['organizationId', 'periodId', 'kind'])
@Index(['organizationId', 'kind', 'sequence'])
// The audit's covering indexes (migration 1764900000000): one organization's entries in order, one assignment's entries.
@Index(['organizationId', 'sequence', 'kind', 'quantity', 'balanceAfter'])
@Index(['assignmentId', 'kind', 'quantity'])
@Index(['lotId'])
// The invoice's overage by unit price over a time window, from the index alone (migration 1765020000000).
@Index(['organizationId', 'kind', 'createdAt', 'unitPriceCents', 'quantity'])
export class CreditLedgerEntry {
  @IdColumn() id: string = newId();
  @RefColumn() organizationId: string;
  @ManyToOne(() => Organization, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'organizationId' })
  organization?: Organization;
  @Column({ type: 'int' }) sequence: number;
  @EnumColumn() kind: CreditEntryKind;
  @Column({ type: 'int' }) quantity: number;
  @Column({ type: 'int' }) balanceAfter: number;
  @RefColumn({ nullable: true }) lotId: string | null;
  @ManyToOne(() => CreditLot, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'lotId' })
  lot?: CreditLot | null;
  @RefColumn({ nullable: true }) assignmentId: string | null;
  @ManyToOne(() => TrainingAssignment, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'assignmentId' })
  assignment?: TrainingAssignment | null;
  /** OVERAGE entries: the credit unit price in force when the overage happened (R15), billed on the period's invoice. */
  @CentsColumn({ nullable: true }) unitPriceCents: number | null;
  /** The billing period open when the entry was written ("this period" of creditBalance). */
  @RefColumn({ nullable: true }) periodId: string | null;
  @InstantColumn() createdAt: Date;
}
