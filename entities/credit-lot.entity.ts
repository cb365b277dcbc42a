import { Entity, Column, Index, JoinColumn, ManyToOne } from 'typeorm';
import { CentsColumn, EnumColumn, IdColumn, InstantColumn, RefColumn, newId } from './columns';
import { Organization } from './organization.entity';

export enum CreditSource {
  ANNUAL = 'ANNUAL',
  DASHBOARD = 'DASHBOARD',
}

/**
 * R13, R15: credits bought together. `remaining` only goes down (consumption, expiry); consumption takes from the
 * soonest-expiring unexpired lot first. DASHBOARD lots never expire; ANNUAL lots may, and are billed on the next
 * invoice (a CREDIT_PURCHASE line: source ANNUAL and purchasedAt inside the period, or periodId).
 */
@Entity('credit_lot')
@Index(['organizationId', 'expiredAt', 'expiresAt'])
@Index(['organizationId', 'source', 'purchasedAt'])
@Index(['expiredAt', 'expiresAt'])
export class CreditLot {
  @IdColumn() id: string = newId();
  @RefColumn() organizationId: string;
  @ManyToOne(() => Organization, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'organizationId' })
  organization?: Organization;
  @EnumColumn() source: CreditSource;
  @Column({ type: 'int' }) quantity: number;
  @Column({ type: 'int' }) remaining: number;
  /** Price paid per credit after the volume discount (R12), rounded half up. */
  @CentsColumn() unitPriceCents: number;
  @Column({ type: 'int' }) discountPercent: number;
  /** What the lot costs: round-half-up(list × quantity × (100 − discount) / 100). */
  @CentsColumn() totalCents: number;
  @InstantColumn() purchasedAt: Date;
  /** Null: never expires. */
  @InstantColumn({ nullable: true }) expiresAt: Date | null;
  /** When its EXPIRY entry was written (remaining is then 0); null while the lot counts. */
  @InstantColumn({ nullable: true }) expiredAt: Date | null;
  /** The billing period that was open when the lot was bought or granted. */
  @RefColumn({ nullable: true }) periodId: string | null;
}
