import { MAX_LENGTH } from '../../entities/lengths';

/**
 * R34: the largest money and quantity the API accepts, in one place, and why every amount it can then produce is
 * an exact integer number of cents within SafeInt (2^53 − 1 = 9,007,199,254,740,991 ≈ 9.0 × 10^15). BIGINT columns
 * hold up to 2^63 − 1, so SafeInt (what JSON and JS numbers carry exactly) is the binding limit.
 *
 * Inputs (validated where they enter; above a bound is BAD_USER_INPUT with `extensions.field`):
 */

/** A seat's, a location's or a credit's price: $1,000,000.00. */
export const MAX_UNIT_PRICE_CENTS = 100_000_000;
/** Seats or locations a contract includes. */
export const MAX_CONTRACTED_LICENSES = 1_000_000;
/** Credits in one quote, dashboard purchase or annual grant (R12). */
export const MAX_CREDIT_QUANTITY = 100_000;
/** Credits one training costs (R14). */
export const MAX_ASSIGNMENT_CREDITS = 1_000;
/** Days from issue to due date. */
export const MAX_PAYMENT_TERMS_DAYS = 365;

/**
 * The other input limits, validated where the input enters (their refusals quote them):
 */

/** The longest id argument: above every id the API issues (a UUID, the preview's "upcoming-" + UUID); longer is malformed (text.ts ID_RULE). */
export const MAX_ID_LENGTH = 64;
/** Credits in one quote, purchase or grant: at least this (R12), at most MAX_CREDIT_QUANTITY. */
export const MIN_CREDIT_QUANTITY = 1;
/** Credits one training costs: at least this, at most MAX_ASSIGNMENT_CREDITS (R14); the default when not given. */
export const MIN_ASSIGNMENT_CREDITS = 1;
export const DEFAULT_ASSIGNMENT_CREDITS = 1;
/** A premium content id: 1 to this many characters (its column). */
export const MAX_CONTENT_ID_LENGTH = MAX_LENGTH.contentId;
/** An idempotency key (R19): 1 to this many characters (its column). */
export const MAX_IDEMPOTENCY_KEY_LENGTH = MAX_LENGTH.idempotencyKey;
/** Additional billing emails of one organization (R22). */
export const MAX_ADDITIONAL_EMAILS = 20;
/** Starts of one organization combined into one transaction at most (a bound on lock time and statement size). */
export const MAX_STARTS_PER_TRANSACTION = 100;
/** Points of one usage series (R29): a month of hours fits; a longer range takes DAY buckets. */
export const MAX_USAGE_SERIES_POINTS = 800;
/** Every DateTime a client sends lies in these years, so whatever the API adds to it still fits every column. */
export const MIN_INPUT_INSTANT = new Date('2000-01-01T00:00:00.000Z');
export const MAX_INPUT_INSTANT = new Date('2999-12-31T23:59:59.999Z');

/**
 * State the API refuses to grow beyond (so sums over many rows are bounded too):
 */

/** Active users, or active locations, of one organization: the peak of a period (R9) never exceeds it. */
export const MAX_ACTIVE_LICENSES = 10_000_000;
/**
 * Credits billed on one invoice come from annual grants (CREDIT_PURCHASE lines) and credits used at zero balance
 * (CREDIT_OVERAGE lines). Those recorded while one period is open may not exceed this. Overage is billed on the invoice
 * of the period it was recorded in, but grants by their date, so an invoice's window may also hold grants made late in
 * the previous period (a period closes when the scheduler runs, not at its end): an invoice bills at most twice this.
 */
export const MAX_BILLED_CREDITS_PER_PERIOD = 10_000_000;
/** An organization's credit balance (credit quantities are 32-bit columns: 2^31 − 1 ≈ 2.1 × 10^9). */
export const MAX_CREDIT_BALANCE = 1_000_000_000;

/**
 * The derivation. License lines bill max(peak, contracted) licenses at one price (R9: SEATS plus SEAT_OVERAGE);
 * credit lines bill at most 2 × MAX_BILLED_CREDITS_PER_PERIOD credits at no more than the list price each (the volume
 * discount only lowers it). So the largest invoice total, and with it every amount due, payment, overage estimate
 * (≤ one license line) and purchase (≤ MAX_CREDIT_QUANTITY × price = 10^13), is
 *   10^8 × 10^7 + 10^8 × 2 × 10^7 = 3 × 10^15 cents ($30 trillion) < 9.007 × 10^15.
 */
const MAX_LICENSE_LINES_CENTS = MAX_UNIT_PRICE_CENTS * Math.max(MAX_CONTRACTED_LICENSES, MAX_ACTIVE_LICENSES);
const MAX_CREDIT_LINES_CENTS = MAX_UNIT_PRICE_CENTS * 2 * MAX_BILLED_CREDITS_PER_PERIOD;
export const MAX_INVOICE_TOTAL_CENTS = MAX_LICENSE_LINES_CENTS + MAX_CREDIT_LINES_CENTS;

// Checked when the module loads: raising a bound so that the derivation no longer holds fails at once, not in production.
if (!Number.isSafeInteger(MAX_INVOICE_TOTAL_CENTS) || MAX_CREDIT_BALANCE + MAX_CREDIT_QUANTITY > 2_147_483_647) {
  throw new Error('R34: the money and quantity bounds no longer fit SafeInt cents and 32-bit credit quantities');
}

/** R26: alert rules one organization keeps. */
export const MAX_ALERT_RULES = 25;
