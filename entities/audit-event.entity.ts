import { Column, Entity, Index } from 'typeorm';
import { EnumColumn, IdColumn, InstantColumn, RefColumn } from './columns';
import { MAX_LENGTH } from './lengths';

/** R31: what an audit event records (the contract's AuditAction). */
export enum AuditAction {
  ORGANIZATION_CREATED = 'ORGANIZATION_CREATED',
  USER_ADDED = 'USER_ADDED',
  USER_DEACTIVATED = 'USER_DEACTIVATED',
  USER_REACTIVATED = 'USER_REACTIVATED',
  LOCATION_ADDED = 'LOCATION_ADDED',
  LOCATION_DEACTIVATED = 'LOCATION_DEACTIVATED',
  ROLE_PERMISSION_SET = 'ROLE_PERMISSION_SET',
  USER_PERMISSION_SET = 'USER_PERMISSION_SET',
  CONTRACT_UPDATED = 'CONTRACT_UPDATED',
  BILLING_CONTACTS_UPDATED = 'BILLING_CONTACTS_UPDATED',
  PAYMENT_METHOD_UPDATED = 'PAYMENT_METHOD_UPDATED',
  CREDITS_PURCHASED = 'CREDITS_PURCHASED',
  CREDITS_GRANTED = 'CREDITS_GRANTED',
  CREDITS_EXPIRED = 'CREDITS_EXPIRED',
  TRAINING_STARTED = 'TRAINING_STARTED',
  ASSIGNMENT_CANCELLED = 'ASSIGNMENT_CANCELLED',
  INVOICE_ISSUED = 'INVOICE_ISSUED',
  INVOICE_PAID = 'INVOICE_PAID',
  PAYMENT_FAILED = 'PAYMENT_FAILED',
  CREDIT_NOTE_ISSUED = 'CREDIT_NOTE_ISSUED',
  ALERT_ACKNOWLEDGED = 'ALERT_ACKNOWLEDGED',
  ALERT_RULE_CREATED = 'ALERT_RULE_CREATED',
  ALERT_RULE_UPDATED = 'ALERT_RULE_UPDATED',
  ALERT_RULE_DELETED = 'ALERT_RULE_DELETED',
  TERMINATION_REQUESTED = 'TERMINATION_REQUESTED',
  TERMINATION_FINALIZED = 'TERMINATION_FINALIZED',
}

/** R31: who acted — a user, an operator (by its token subject), or the scheduler. */
export enum ActorKind {
  USER = 'USER',
  OPERATOR = 'OPERATOR',
  SYSTEM = 'SYSTEM',
}

/** One changed field as the audit log records it. */
export interface AuditChange {
  before: unknown;
  after: unknown;
}

/**
 * R31: the append-only audit log. One row per billing-relevant change, written by `AuditLog.record` in the
 * transaction of the change; the database refuses updates and deletes (triggers, migration 1765140000000).
 * Ids are time-ordered (UUIDv7, monotonic per instance), so (organizationId, id) is the newest-first order and each
 * filter has an index ending in id. No foreign keys: the log outlives what it names and costs no lookups on insert.
 */
@Entity('audit_event')
@Index(['organizationId', 'id'])
@Index(['organizationId', 'action', 'id'])
@Index(['organizationId', 'actorUserId', 'id'])
@Index(['organizationId', 'targetId', 'id'])
export class AuditEvent {
  @IdColumn() id: string;
  @RefColumn() organizationId: string;
  @EnumColumn() action: AuditAction;
  @EnumColumn() actorKind: ActorKind;
  /** USER: the user who acted; null for operators and the scheduler. */
  @RefColumn({ nullable: true }) actorUserId: string | null;
  /** The verified token's subject (USER, OPERATOR); null for SYSTEM. */
  @Column({ type: 'varchar', length: MAX_LENGTH.tokenSubject, nullable: true }) actorSubject: string | null;
  @EnumColumn() targetType: string;
  @RefColumn() targetId: string;
  /** The changed fields, each as { before, after }. */
  @Column({ type: 'simple-json' }) changes: Record<string, AuditChange>;
  @Column({ type: 'varchar', length: MAX_LENGTH.terminationReason, nullable: true }) reason: string | null;
  @Column({ type: 'varchar', length: MAX_LENGTH.requestId, nullable: true }) requestId: string | null;
  @InstantColumn() createdAt: Date;
}
