import { Entity, Column, Index, JoinColumn, ManyToOne } from 'typeorm';
import { EnumColumn, IdColumn, InstantColumn, RefColumn, newId } from './columns';
import { Organization } from './organization.entity';
import { MAX_LENGTH } from './lengths';

export enum NotificationKind {
  INVOICE_ISSUED = 'INVOICE_ISSUED',
  INVOICE_REMINDER = 'INVOICE_REMINDER',
  PAYMENT_RECEIPT = 'PAYMENT_RECEIPT',
  PAYMENT_FAILED = 'PAYMENT_FAILED',
  TERMINATION_REQUESTED = 'TERMINATION_REQUESTED',
  BILLING_ALERT = 'BILLING_ALERT',
  CREDIT_NOTE_ISSUED = 'CREDIT_NOTE_ISSUED',
}
export enum NotificationStatus {
  PENDING = 'PENDING',
  SENT = 'SENT',
  FAILED = 'FAILED',
}

/**
 * The transactional outbox (R24): written in the transaction that causes it, delivered afterwards.
 * The unique (invoiceId, kind, offsetDays) index makes each reminder of an invoice exist at most once (R23).
 */
@Entity('notification')
@Index(['invoiceId', 'kind', 'offsetDays'], { unique: true })
@Index(['status', 'nextAttemptAt'])
@Index(['organizationId', 'createdAt'])
export class Notification {
  @IdColumn() id: string = newId();
  @RefColumn() organizationId: string;
  @ManyToOne(() => Organization, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'organizationId' })
  organization?: Organization;
  @RefColumn({ nullable: true }) invoiceId: string | null;
  @EnumColumn() kind: NotificationKind;
  @Column({ type: 'int', nullable: true }) offsetDays: number | null;
  /** Snapshot at creation: who it goes to does not change if contacts change later. */
  @Column({ type: 'simple-json' }) recipients: string[];
  @Column({ type: 'varchar', length: MAX_LENGTH.notificationSubject }) subject: string;
  @Column({ type: 'text' }) textBody: string;
  @Column({ type: 'text' }) htmlBody: string;
  @EnumColumn() status: NotificationStatus;
  @Column({ type: 'int', default: 0 }) attempts: number;
  @InstantColumn() nextAttemptAt: Date;
  /** Set while a worker is sending it; a stale claim is taken over (the worker died). Wall-clock time, not the test clock. */
  @InstantColumn({ nullable: true }) claimedUntil: Date | null;
  /** Who holds the claim: every write that ends a delivery attempt names it, so a worker whose claim was taken over writes nothing. */
  @RefColumn({ nullable: true }) claimToken: string | null;
  @Column({ type: 'varchar', length: MAX_LENGTH.notificationError, nullable: true }) lastError: string | null;
  @InstantColumn() createdAt: Date;
  @InstantColumn({ nullable: true }) sentAt: Date | null;
}
