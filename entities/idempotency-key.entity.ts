import { Entity, Column, Index, JoinColumn, ManyToOne } from 'typeorm';
import { IdColumn, InstantColumn, RefColumn, newId } from './columns';
import { Organization } from './organization.entity';
import { MAX_LENGTH } from './lengths';

/**
 * R19: one idempotent money mutation. The unique (organizationId, idempotencyKey) index and the organization's
 * write lock make "same key → first result, never the effect again" a database fact, also for concurrent calls.
 */
@Entity('idempotency_key')
@Index(['organizationId', 'idempotencyKey'], { unique: true })
@Index(['createdAt'])
export class IdempotencyKey {
  @IdColumn() id: string = newId();
  @RefColumn() organizationId: string;
  @ManyToOne(() => Organization, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'organizationId' })
  organization?: Organization;
  @Column({ type: 'varchar', length: MAX_LENGTH.idempotencyKey }) idempotencyKey: string;
  /** e.g. purchaseCredits, grantCredits, payInvoice: a key is bound to one operation. */
  @Column({ type: 'varchar', length: MAX_LENGTH.idempotencyOperation }) operation: string;
  /** SHA-256 (hex) of the canonical JSON of the arguments: another argument under the same key is refused. */
  @Column({ type: 'varchar', length: MAX_LENGTH.idempotencyArgumentsHash }) argumentsHash: string;
  /** The first call's JSON result (ids, or a remembered failure), replayed to every later call. */
  @Column({ type: 'text' }) result: string;
  @InstantColumn() createdAt: Date;
}
