import { Entity, Column, Index, JoinColumn, ManyToOne } from 'typeorm';
import { CentsColumn, IdColumn, InstantColumn, RefColumn, newId } from './columns';
import { CreditLot } from './credit-lot.entity';
import { Organization } from './organization.entity';
import { Payment } from './payment.entity';

/** R13: a successful dashboard purchase: the charge (payment) and the DASHBOARD lot it bought. */
@Entity('credit_purchase')
@Index(['organizationId', 'createdAt', 'id'])
@Index(['lotId'], { unique: true })
@Index(['paymentId'], { unique: true })
export class CreditPurchase {
  @IdColumn() id: string = newId();
  @RefColumn() organizationId: string;
  @ManyToOne(() => Organization, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'organizationId' })
  organization?: Organization;
  @Column({ type: 'int' }) quantity: number;
  @CentsColumn() totalCents: number;
  @RefColumn() lotId: string;
  @ManyToOne(() => CreditLot, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'lotId' })
  lot?: CreditLot;
  @RefColumn() paymentId: string;
  @ManyToOne(() => Payment, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'paymentId' })
  payment?: Payment;
  @InstantColumn() createdAt: Date;
}
