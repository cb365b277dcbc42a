import { EntityManager } from 'typeorm';
import { BillingPeriod, Contract, LicenseKind, LineItemKind, Organization } from '../../entities';
import type { EvidenceSource } from './peak-evidence.service';

/** One line of an invoice before it is stored (R17); the preview (R18) shows exactly these. */
export interface DraftLine {
  kind: LineItemKind;
  description: string;
  quantity: number;
  unitPriceCents: number;
  amountCents: number;
  peakAt: Date | null;
  /**
   * R30, license lines only: whose usage the billed peak counts. The preview shows the live evidence at `peakAt`;
   * issuing freezes it with the invoice. Not stored on the line itself.
   */
  evidenceOf?: EvidenceSource;
}

/**
 * The period an invoice bills: its id, and the instants [from, to) it covers (to is now for the preview). `open` is
 * the open period itself, given only for the preview (R18): a source may then read that period's aggregates kept on
 * write; an issued invoice is computed from the timeline and the ledger.
 */
export interface BilledPeriod {
  periodId: string;
  from: Date;
  to: Date;
  open?: BillingPeriod;
  /**
   * R32, preview only (with `open`): licenses activated (positive) or deactivated (negative) at `to`, per kind, as if
   * the change were made now. Absent: the period as it is.
   */
  changedAt?: Partial<Record<LicenseKind, number>>;
}

/** A contributor of invoice lines for a period: licenses, credits. One code path for issuing and previewing. */
export interface InvoiceLineSource {
  lines(em: EntityManager, org: Organization, contract: Contract, period: BilledPeriod): Promise<DraftLine[]>;
}

// One formatter for the process: toLocaleDateString with options builds a new one per call (~50× the cost of format).
const DAY_FORMAT = new Intl.DateTimeFormat('en-US', {
  month: 'short',
  day: 'numeric',
  year: 'numeric',
  timeZone: 'UTC',
});

/** "Mar 5, 2025": the day of `d` in UTC, as invoice lines print it. */
export const formatDay = (d: Date) => DAY_FORMAT.format(d);

export const invoiceNumber = (sequence: number) => `INV-${String(sequence).padStart(6, '0')}`;
