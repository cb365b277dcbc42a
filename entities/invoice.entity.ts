import { Entity, Column, Index, JoinColumn, ManyToOne } from 'typeorm';
import { CentsColumn, EnumColumn, IdColumn, InstantColumn, RefColumn, newId } from './columns';
import { Organization } from './organization.entity';
import { MAX_LENGTH } from './lengths';

export enum InvoiceStatus {
  DRAFT = 'DRAFT',
  OPEN = 'OPEN',
  PAID = 'PAID',
  VOID = 'VOID',
  UNCOLLECTIBLE = 'UNCOLLECTIBLE',
}
export enum LineItemKind {
  SEATS = 'SEATS',
  SEAT_OVERAGE = 'SEAT_OVERAGE',
  LOCATIONS = 'LOCATIONS',
  LOCATION_OVERAGE = 'LOCATION_OVERAGE',
  CREDIT_PURCHASE = 'CREDIT_PURCHASE',
  CREDIT_OVERAGE = 'CREDIT_OVERAGE',
}

/**
 * An issued invoice (R17). Lines and totals are written once, at issue; only status, amountPaid, paidAt and the
 * credited amounts move afterwards (payments R19, credit notes R33) — an entity subscriber refuses any other change.
 */
@Entity('invoice')
@Index(['organizationId', 'sequence'], { unique: true })
@Index(['periodId'], { unique: true })
@Index(['organizationId', 'issuedAt', 'id'])
export class Invoice {
  @IdColumn() id: string = newId();
  @RefColumn() organizationId: string;
  @ManyToOne(() => Organization, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'organizationId' })
  organization?: Organization;
  /** The billing period it closes (one invoice per period). */
  @RefColumn() periodId: string;
  /** 1, 2, 3… per organization, without gaps; `number` is its printed form (INV-000001). */
  @Column({ type: 'int' }) sequence: number;
  @Column({ type: 'varchar', length: MAX_LENGTH.invoiceNumber }) number: string;
  @EnumColumn() status: InvoiceStatus;
  @InstantColumn() periodStart: Date;
  @InstantColumn() periodEnd: Date;
  @InstantColumn() issuedAt: Date;
  @InstantColumn() dueAt: Date;
  @Column({ type: 'varchar', length: MAX_LENGTH.currency }) currency: string;
  @CentsColumn() subtotalCents: number;
  @CentsColumn() totalCents: number;
  @CentsColumn({ default: 0 }) amountPaidCents: number;
  /** R33: the sum of its credit notes. */
  @CentsColumn({ default: 0 }) creditedCents: number;
  /** R33: the part of its credit notes refunded to the card (the rest lowered the amount due). */
  @CentsColumn({ default: 0 }) refundedCents: number;
  @InstantColumn({ nullable: true }) paidAt: Date | null;
}

@Entity('invoice_line_item')
@Index(['invoiceId', 'position'], { unique: true })
export class InvoiceLineItem {
  @IdColumn() id: string = newId();
  @RefColumn() invoiceId: string;
  @ManyToOne(() => Invoice, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'invoiceId' })
  invoice?: Invoice;
  @Column({ type: 'int' }) position: number;
  @EnumColumn() kind: LineItemKind;
  @Column({ type: 'varchar', length: MAX_LENGTH.invoiceLineDescription }) description: string;
  @Column({ type: 'int' }) quantity: number;
  @CentsColumn() unitPriceCents: number;
  @CentsColumn() amountCents: number;
  @InstantColumn({ nullable: true }) peakAt: Date | null;
}
