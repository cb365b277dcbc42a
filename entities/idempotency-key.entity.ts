import { Entity, Column, Index, JoinColumn, ManyToOne } from 'typeorm';
import { IdColumn, InstantColumn, RefColumn, newId } from './columns';
import { Organization } from './organization.entity';

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
  @Column({ type: 'varchar', length: 255 }) idempotencyKey: string;
  /** e.g. purchaseCredits, grantCredits, payInvoice: a key is bound to one operation. */
  @Column({ type: 'varchar', length: 64 }) operation: string;
  /** SHA-256 (hex) of the canonical JSON of the arguments: another argument under the same key is refused. */
  @Column({ type: 'varchar', length: 64 }) argumentsHash: string;
  /** The first call's JSON result (ids, or a remembered failure), replayed to every later call. */
  @Column({ type: 'text' }) result: string;
  @InstantColumn() createdAt: Date;
}
