import { badInput } from '../errors/errors';
import { MAX_CREDIT_QUANTITY, MIN_CREDIT_QUANTITY } from './bounds';

/** R12: volume tiers of a pre-purchase, largest first. */
export const VOLUME_TIERS: ReadonlyArray<{ minQuantity: number; discountPercent: number }> = [
  { minQuantity: 1000, discountPercent: 20 },
  { minQuantity: 500, discountPercent: 15 },
  { minQuantity: 100, discountPercent: 10 },
  { minQuantity: 1, discountPercent: 0 },
];

export interface CreditQuoteValue {
  quantity: number;
  listUnitPriceCents: number;
  /** The discounted price of one credit, rounded half up (informational: the total is computed from the subtotal). */
  unitPriceCents: number;
  discountPercent: number;
  /** list × quantity */
  subtotalCents: number;
  discountCents: number;
  /** round-half-up(subtotal × (100 − discount%) / 100) */
  totalCents: number;
}

export function discountPercentFor(quantity: number): number {
  return VOLUME_TIERS.find((t) => quantity >= t.minQuantity)?.discountPercent ?? 0;
}

/** round-half-up(amount × (100 − percent) / 100) on non-negative integers, in integer arithmetic. */
export function applyPercentOff(amountCents: number, percent: number): number {
  const scaled = amountCents * (100 - percent); // ≤ 10^13 × 100 (bounds.ts): well inside the safe integer range
  if (!Number.isSafeInteger(scaled)) throw new RangeError('amount exceeds the safe integer range');
  return Math.floor((scaled + 50) / 100);
}

export function validateCreditQuantity(quantity: number, field = 'quantity'): void {
  if (!Number.isInteger(quantity) || quantity < MIN_CREDIT_QUANTITY || quantity > MAX_CREDIT_QUANTITY) {
    throw badInput(
      field,
      `quantity must be a whole number from ${MIN_CREDIT_QUANTITY} to ${MAX_CREDIT_QUANTITY.toLocaleString('en-US')}`,
    );
  }
}

/**
 * R12: what `quantity` credits cost at list price `listUnitPriceCents` with the volume discount. Integer cents
 * throughout: subtotal = list × quantity; total = round-half-up(subtotal × (100 − pct) / 100); discount = subtotal −
 * total; unit price = round-half-up(list × (100 − pct) / 100). So total is exact for the whole purchase and may differ
 * from unitPrice × quantity by less than one cent per credit when the list price is not a multiple of the tier.
 */
export function quoteCredits(quantity: number, listUnitPriceCents: number): CreditQuoteValue {
  validateCreditQuantity(quantity);
  if (!Number.isSafeInteger(listUnitPriceCents) || listUnitPriceCents < 0)
    throw new RangeError(`not integer cents: ${listUnitPriceCents}`);
  const discountPercent = discountPercentFor(quantity);
  const subtotalCents = listUnitPriceCents * quantity;
  const totalCents = applyPercentOff(subtotalCents, discountPercent);
  return {
    quantity,
    listUnitPriceCents,
    discountPercent,
    subtotalCents,
    totalCents,
    discountCents: subtotalCents - totalCents,
    unitPriceCents: applyPercentOff(listUnitPriceCents, discountPercent),
  };
}
