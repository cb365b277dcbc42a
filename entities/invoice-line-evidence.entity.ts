import { Column, Entity, Index, JoinColumn, ManyToOne } from 'typeorm';
import { IdColumn, InstantColumn, RefColumn, newId } from './columns';
import { Invoice } from './invoice.entity';
import { Organization } from './organization.entity';

/**
 * R30: who or what was in use at an issued invoice's billed peak — one row per user (USER) or location (LOCATION)
 * active at the license lines' `peakAt`, with when it became active. Written once, in the transaction that issues
 * the invoice, from the usage timeline (PeakEvidenceService.freeze); every license line of the invoice (SEATS and
 * SEAT_OVERAGE alike, or LOCATIONS and LOCATION_OVERAGE) shows it. Immutable like the invoice's lines: triggers
 * refuse UPDATE and DELETE on both drivers. `position` (1, 2, 3… per invoice) orders it by (activeSince, id of the
 * user or location) and is its page key.
 */
@Entity('invoice_line_evidence')
@Index(['invoiceId', 'position'], { unique: true })
export class InvoiceLineEvidence {
  @IdColumn() id: string = newId();
  @RefColumn() organizationId: string;
  @ManyToOne(() => Organization, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'organizationId' })
  organization?: Organization;
  @RefColumn() invoiceId: string;
  @ManyToOne(() => Invoice, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'invoiceId' })
  invoice?: Invoice;
  /** USER license: the active user (no foreign key, as usage_event.subjectId). */
  @RefColumn({ nullable: true }) userId: string | null;
  /** LOCATION license: the active location. */
  @RefColumn({ nullable: true }) locationId: string | null;
  /** When it became active: its latest activation at or before the peak. */
  @InstantColumn() activeSince: Date;
  @Column({ type: 'int' }) position: number;
}
