import type { Invoice } from '../../entities';

/** Money is integer cents (docs/rules.md, Conventions). These helpers never touch floating point. */
export function formatUsd(cents: number): string {
  if (!Number.isSafeInteger(cents)) throw new RangeError(`not integer cents: ${cents}`);
  const sign = cents < 0 ? '-' : '';
  const abs = Math.abs(cents);
  const dollars = Math.floor(abs / 100)
    .toString()
    .replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return `${sign}$${dollars}.${String(abs % 100).padStart(2, '0')}`;
}

/** cents × quantity, refusing results that are not exact integers. */
export function multiplyCents(unitCents: number, quantity: number): number {
  const result = unitCents * quantity;
  if (!Number.isSafeInteger(result)) throw new RangeError('amount exceeds the safe integer range');
  return result;
}

/** The sum of amounts in cents, refusing a result beyond SafeInt (bounds.ts derives why an invoice never gets there). */
export function sumCents(amounts: Iterable<number>): number {
  let total = 0;
  for (const amount of amounts) {
    total += amount;
    if (!Number.isSafeInteger(total)) throw new RangeError('amount exceeds the safe integer range');
  }
  return total;
}

/**
 * R19, R33: what is left to pay on an invoice — its total less what succeeded charges covered and less the credit
 * notes that lowered it (the credited part not refunded to the card: notes on an OPEN invoice). A refund (a note on
 * a PAID invoice) leaves the amount due alone: amountPaid stays what was charged and the refund went back to the card.
 */
export function amountDueCents(
  invoice: Pick<Invoice, 'totalCents' | 'amountPaidCents'> & Partial<Pick<Invoice, 'creditedCents' | 'refundedCents'>>,
): number {
  const lowered = (invoice.creditedCents ?? 0) - (invoice.refundedCents ?? 0);
  return invoice.totalCents - invoice.amountPaidCents - lowered;
}
