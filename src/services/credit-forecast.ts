import { multiplyCents, sumCents } from '../common/money';
import { MAX_INPUT_INSTANT } from './bounds';

const DAY_MS = 86_400_000;

/** R28: the burn rate looks back this many days at most. */
export const FORECAST_WINDOW_DAYS = 30;

/**
 * R28's trailing window with daily tallies: the UTC days from `first` to `last` inclusive (YYYY-MM-DD) — today and
 * the 29 days before it, so 30 daily buckets, the last of them still running. The window is therefore between 29
 * and 30 days long; the tallies cannot split a day, and counting a 31st, older day would count more than 30 days.
 */
export function forecastWindow(now: Date): { first: string; last: string; start: Date } {
  const today = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate());
  const start = new Date(today - (FORECAST_WINDOW_DAYS - 1) * DAY_MS);
  return { first: start.toISOString().slice(0, 10), last: new Date(today).toISOString().slice(0, 10), start };
}

/** What R28 is computed from, read once per request (ForecastService). */
export interface ForecastInputs {
  now: Date;
  /** Credits consumed (from the balance and as overage) on the days of `forecastWindow(now)`. */
  creditsInWindow: number;
  /** The organization's first consumption ever (from the balance or as overage); null when it never consumed. */
  firstConsumptionAt: Date | null;
  /** Credits available now (unexpired lots). */
  available: number;
  /** The open period's upcoming invoice total as of now (R18). */
  upcomingTotalCents: number;
  /** When the open period ends. */
  periodEnd: Date;
  /** The credit unit price (R12 list price, the contract's), at which overage is billed (R15). */
  creditUnitPriceCents: number;
}

export interface CreditForecast {
  creditBurnPerDay: number;
  /** Null while nothing is being consumed; `now` when nothing is available. */
  creditsExhaustedAt: Date | null;
  projectedInvoiceTotalCents: number;
}

/**
 * R28, the forecast's arithmetic (pure):
 * - creditBurnPerDay = credits consumed in the trailing window ÷ days, where days = 30, or — when the first
 *   consumption ever lies inside the window — the fractional days since it, but at least 1; 0 with no consumption
 *   in the window.
 * - creditsExhaustedAt = now + available ÷ burn (null when burn is 0; now when nothing is available), to the
 *   millisecond, at most MAX_INPUT_INSTANT (a tiny burn on a large balance reaches past any date worth showing).
 * - projectedInvoiceTotal = the upcoming invoice total + the credit unit price × the overage credits, rounded up,
 *   that burn would add by the period end beyond the available balance.
 * Credits over time are kept as the exact fraction credits ÷ span (BigInt), so the rounding up of the overage is
 * never thrown off by floating point (2.000…1 credits is not 3).
 */
export function creditForecast(inputs: ForecastInputs): CreditForecast {
  const { now, creditsInWindow: credits, firstConsumptionAt, available } = inputs;
  if (credits <= 0 || !firstConsumptionAt) {
    return { creditBurnPerDay: 0, creditsExhaustedAt: null, projectedInvoiceTotalCents: inputs.upcomingTotalCents };
  }
  const windowStart = forecastWindow(now).start.getTime();
  // The span the window's credits were consumed over, in ms: 30 days, or since the first consumption, at least a day.
  const spanMs =
    firstConsumptionAt.getTime() < windowStart
      ? FORECAST_WINDOW_DAYS * DAY_MS
      : Math.min(FORECAST_WINDOW_DAYS * DAY_MS, Math.max(DAY_MS, now.getTime() - firstConsumptionAt.getTime()));
  const span = BigInt(spanMs);
  const used = BigInt(credits);
  const balance = BigInt(Math.max(0, available));

  let creditsExhaustedAt: Date;
  if (balance === 0n) creditsExhaustedAt = now;
  else {
    const lastsMs = (balance * span) / used; // available ÷ (credits ÷ span), floored to the millisecond
    const at = BigInt(now.getTime()) + lastsMs;
    creditsExhaustedAt = at >= BigInt(MAX_INPUT_INSTANT.getTime()) ? MAX_INPUT_INSTANT : new Date(Number(at));
  }

  const leftMs = BigInt(Math.max(0, inputs.periodEnd.getTime() - now.getTime()));
  // Credits burnt by the period end beyond the balance, as a fraction over `span`, rounded up.
  const beyond = used * leftMs - balance * span;
  const overageCredits = beyond > 0n ? Number((beyond + span - 1n) / span) : 0;
  return {
    creditBurnPerDay: (credits * DAY_MS) / spanMs,
    creditsExhaustedAt,
    projectedInvoiceTotalCents: sumCents([
      inputs.upcomingTotalCents,
      multiplyCents(inputs.creditUnitPriceCents, overageCredits),
    ]),
  };
}
