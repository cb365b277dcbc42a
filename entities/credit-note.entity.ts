import { Entity, Column, Index, JoinColumn, ManyToOne } from 'typeorm';
import { CentsColumn, EnumColumn, IdColumn, InstantColumn, RefColumn, newId } from './columns';
import { Invoice } from './invoice.entity';
import { Organization } from './organization.entity';
import { MAX_LENGTH } from './lengths';

export enum CreditNoteReason {
  DUPLICATE = 'DUPLICATE',
  BILLING_ERROR = 'BILLING_ERROR',
  SERVICE_ISSUE = 'SERVICE_ISSUE',
  GOODWILL = 'GOODWILL',
  OTHER = 'OTHER',
}

/**
 * R33: a credit note, the only correction of an issued invoice. Numbered CN-000001… without gaps per organization
 * (`organization.lastCreditNoteSequence`, under the organization lock) and immutable: database triggers refuse any
 * UPDATE or DELETE (migration 1765150000000). `refundedCents` is the part refunded to the card (a PAID invoice,
 * through `refundPaymentId`); the rest lowered the invoice's amount due.
 */
@Entity('credit_note')
@Index(['organizationId', 'sequence'], { unique: true })
@Index(['organizationId', 'number'], { unique: true })
@Index(['invoiceId', 'sequence'])
export class CreditNote {
  @IdColumn() id: string = newId();
  @RefColumn() organizationId: string;
  @ManyToOne(() => Organization, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'organizationId' })
  organization?: Organization;
  @RefColumn() invoiceId: string;
  @ManyToOne(() => Invoice, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'invoiceId' })
  invoice?: Invoice;
  /** 1, 2, 3… per organization, without gaps; `number` is its printed form (CN-000001). */
  @Column({ type: 'int' }) sequence: number;
  @Column({ type: 'varchar', length: MAX_LENGTH.creditNoteNumber }) number: string;
  @CentsColumn() amountCents: number;
  @CentsColumn() refundedCents: number;
  @EnumColumn() reason: CreditNoteReason;
  @Column({ type: 'varchar', length: MAX_LENGTH.creditNoteMemo, nullable: true }) memo: string | null;
  /** The REFUND payment of the refunded part (null when nothing was refunded). */
  @RefColumn({ nullable: true }) refundPaymentId: string | null;
  @InstantColumn() createdAt: Date;
}
