import { Entity, Column, Index, JoinColumn, ManyToOne } from 'typeorm';
import { CentsColumn, EnumColumn, IdColumn, InstantColumn, RefColumn, newId } from './columns';
import { Organization } from './organization.entity';
import { MAX_LENGTH } from './lengths';

export enum PaymentStatus {
  SUCCEEDED = 'SUCCEEDED',
  FAILED = 'FAILED',
}

/** R33: a charge takes money from the card; a refund (a credit note on a PAID invoice) gives some back. */
export enum PaymentKind {
  CHARGE = 'CHARGE',
  REFUND = 'REFUND',
}

export enum PaymentPurpose {
  CREDIT_PURCHASE = 'CREDIT_PURCHASE',
  INVOICE = 'INVOICE',
}

/**
 * R13, R19: one charge attempt on the payment method on file, successful or not (or, R33, a refund of one). A declined charge is recorded
 * too (status FAILED, failureCode from the provider). `invoiceId` is set for invoice payments (R19).
 */
@Entity('payment')
@Index(['organizationId', 'createdAt', 'id'])
@Index(['invoiceId'])
export class Payment {
  @IdColumn() id: string = newId();
  @RefColumn() organizationId: string;
  @ManyToOne(() => Organization, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'organizationId' })
  organization?: Organization;
  @EnumColumn() purpose: PaymentPurpose;
  /** R33: CHARGE, or REFUND (amount positive: what went back to the card). */
  @EnumColumn({ default: PaymentKind.CHARGE }) kind: PaymentKind;
  @RefColumn({ nullable: true }) invoiceId: string | null;
  @CentsColumn() amountCents: number;
  @EnumColumn() status: PaymentStatus;
  @Column({ type: 'varchar', length: MAX_LENGTH.paymentFailureCode, nullable: true }) failureCode: string | null;
  /** The provider's id of the charge. */
  @Column({ type: 'varchar', length: MAX_LENGTH.providerRef, nullable: true }) providerRef: string | null;
  @InstantColumn() createdAt: Date;
}
