import { EntityManager } from 'typeorm';
import { BillingPeriod, Contract, LineItemKind, Organization } from '../../entities';

/** One line of an invoice before it is stored (R17); the preview (R18) shows exactly these. */
export interface DraftLine {
  kind: LineItemKind;
  description: string;
  quantity: number;
  unitPriceCents: number;
  amountCents: number;
  peakAt: Date | null;
}

/**
 * A contributor of invoice lines for [from, to): licenses, credits. One code path for issuing and previewing.
 * `openPeriod` is given only for the preview of the open period (R18): a source may then read that period's
 * aggregates kept on write; an issued invoice is computed from the timeline and the ledger.
 */
export interface InvoiceLineSource {
  lines(em: EntityManager, org: Organization, contract: Contract, from: Date, to: Date, openPeriod?: BillingPeriod): Promise<DraftLine[]>;
}

export const formatDay = (d: Date) => d.toLocaleDateString('en-US', { month: 'short', day: 'numeric', year: 'numeric', timeZone: 'UTC' });

export const invoiceNumber = (sequence: number) => `INV-${String(sequence).padStart(6, '0')}`;
