import { Entity, Column } from 'typeorm';
import { EnumColumn, IdColumn, InstantColumn, newId } from './columns';
import { OrganizationStatus } from './enums';
import { MAX_LENGTH } from './lengths';

@Entity('organization')
export class Organization {
  @IdColumn() id: string = newId();
  @Column({ type: 'varchar', length: MAX_LENGTH.organizationName }) name: string;
  @EnumColumn({ default: OrganizationStatus.ACTIVE }) status: OrganizationStatus;
  @InstantColumn() createdAt: Date;
  /** R22: the point of contact on the Billing page. */
  @Column({ type: 'varchar', length: MAX_LENGTH.email, nullable: true }) pointOfContactEmail: string | null;
  /** R22: more addresses for invoice notifications, lower-cased. */
  @Column({ type: 'simple-json', nullable: true }) additionalBillingEmails: string[] | null;
  /** The sequence of the last issued invoice (R17: gapless per organization). */
  @Column({ type: 'int', default: 0 }) lastInvoiceSequence: number;
  /** R33: the sequence of the last credit note (gapless per organization, like invoices). */
  @Column({ type: 'int', default: 0 }) lastCreditNoteSequence: number;
  @InstantColumn({ nullable: true }) terminationRequestedAt: Date | null;
  @Column({ type: 'varchar', length: MAX_LENGTH.terminationReason, nullable: true }) terminationReason: string | null;
  @InstantColumn({ nullable: true }) terminatedAt: Date | null;
  /**
   * Counts the organization's committed changes: every organization-scoped change adds one (src/db/organization-scope.ts
   * `touchOrganization`), so a read answered for an older count is known to be stale (src/server/read-cache.ts).
   */
  @Column({ type: 'int', default: 0 }) stateVersion: number;
  /** R26: how many of its alert rules are enabled, kept by AlertRuleService: 0 skips the evaluation at no cost. */
  @Column({ type: 'int', default: 0 }) enabledAlertRules: number;
  /**
   * R26: one more for each change of its alert rules (terms, enabled, crossed), in the changing transaction: the key
   * under which each instance keeps the enabled rules in memory, read with the organization under its lock.
   */
  @Column({ type: 'int', default: 0 }) alertRulesVersion: number;
}
