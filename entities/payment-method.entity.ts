import { Entity, Column, Index, JoinColumn, ManyToOne } from 'typeorm';
import { IdColumn, InstantColumn, RefColumn, newId } from './columns';
import { Organization } from './organization.entity';
import { MAX_LENGTH } from './lengths';

/**
 * R20: the organization's card on file, as the payment provider described it. Card numbers never reach the API:
 * only the provider's reference, brand, last four digits and expiry are kept. One per organization.
 */
@Entity('payment_method')
@Index(['organizationId'], { unique: true })
export class PaymentMethod {
  @IdColumn() id: string = newId();
  @RefColumn() organizationId: string;
  @ManyToOne(() => Organization, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'organizationId' })
  organization?: Organization;
  @Column({ type: 'varchar', length: MAX_LENGTH.cardBrand }) brand: string;
  @Column({ type: 'varchar', length: MAX_LENGTH.cardLast4 }) last4: string;
  @Column({ type: 'int' }) expMonth: number;
  @Column({ type: 'int' }) expYear: number;
  /** The provider's handle for charging this card (e.g. a Stripe PaymentMethod id); never shown to clients. */
  @Column({ type: 'varchar', length: MAX_LENGTH.providerRef }) providerRef: string;
  @InstantColumn() updatedAt: Date;
}
