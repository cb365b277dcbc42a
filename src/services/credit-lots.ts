import { CreditEntryKind, CreditLot, CreditSource } from '../../entities';
import type { CreditQuoteValue } from './credit-pricing';

/** What the ledger's writer needs of a lot. */
export type LotRef = Pick<CreditLot, 'id' | 'remaining' | 'expiresAt' | 'purchasedAt'>;

/** R15: soonest-expiring first, never-expiring last; then oldest first. */
export function consumptionOrder(a: LotRef, b: LotRef): number {
  const ea = a.expiresAt?.getTime() ?? Number.POSITIVE_INFINITY;
  const eb = b.expiresAt?.getTime() ?? Number.POSITIVE_INFINITY;
  if (ea !== eb) return ea < eb ? -1 : 1;
  const pa = a.purchasedAt.getTime();
  const pb = b.purchasedAt.getTime();
  if (pa !== pb) return pa < pb ? -1 : 1;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

/** The credits the lots still hold. */
export const creditsIn = (lots: readonly LotRef[]) => lots.reduce((sum, lot) => sum + lot.remaining, 0);

/** What a consumption took: from the balance, and beyond it as overage (R15). */
export interface Consumption {
  fromBalance: number;
  overage: number;
}

/** A lot added by a purchase or a grant (R13). */
export interface NewLot {
  source: CreditSource;
  quote: CreditQuoteValue;
  expiresAt: Date | null;
  kind: CreditEntryKind.PURCHASE | CreditEntryKind.GRANT;
  /** R34: the lot is billed on this period's invoice (annual grants), so it counts against MAX_BILLED_CREDITS_PER_PERIOD. */
  billed: boolean;
}
