import { Entity, Column } from 'typeorm';
import { EnumColumn, IdColumn, InstantColumn, newId } from './columns';
import { OrganizationStatus } from './enums';

@Entity('organization')
export class Organization {
  @IdColumn() id: string = newId();
  @Column({ type: 'varchar', length: 200 }) name: string;
  @EnumColumn({ default: OrganizationStatus.ACTIVE }) status: OrganizationStatus;
  @InstantColumn() createdAt: Date;
  /** R22: the point of contact on the Billing page. */
  @Column({ type: 'varchar', length: 254, nullable: true }) pointOfContactEmail: string | null;
  /** R22: more addresses for invoice notifications, lower-cased. */
  @Column({ type: 'simple-json', nullable: true }) additionalBillingEmails: string[] | null;
  /** The sequence of the last issued invoice (R17: gapless per organization). */
  @Column({ type: 'int', default: 0 }) lastInvoiceSequence: number;
  @InstantColumn({ nullable: true }) terminationRequestedAt: Date | null;
  @Column({ type: 'varchar', length: 1000, nullable: true }) terminationReason: string | null;
  @InstantColumn({ nullable: true }) terminatedAt: Date | null;
}
