/**
 * R20: the payment provider port. Card details never reach the API: the client hands the provider's token
 * (from the provider's hosted fields / Elements) to `updatePaymentMethod`, and the provider answers with what may
 * be shown (brand, last four digits, expiry) and a reference to charge later.
 *
 * A real provider plugs in behind this interface (see docs/credits.md): `attach` exchanges the token for a
 * stored payment method (Stripe: create a PaymentMethod from the token and attach it to the organization's
 * Customer), `charge` creates a payment with the provider's own idempotency key header, so a retried charge never
 * charges twice; `refund` (R33) gives part or all of a charge back, idempotent the same way. Pass it as `createApp(config, { paymentProvider })`.
 */
export interface AttachedCard {
  brand: string;
  last4: string;
  expMonth: number;
  expYear: number;
  /** The provider's handle for charging this card later. */
  ref: string;
}

export type ChargeOutcome =
  { status: 'succeeded'; chargeRef: string } | { status: 'failed'; chargeRef: string; code: string; message: string };

/**
 * R33: a refund is an outcome too. A provider refuses a refund it cannot make — of a charge it never made (or that
 * failed), beyond what the charge has left, or one the card network rejects — with `failed` and its code.
 */
export type RefundOutcome =
  | { status: 'succeeded'; refundRef: string }
  | { status: 'failed'; refundRef: string | null; code: string; message: string };

export interface PaymentProvider {
  readonly name: string;
  /** Exchanges a provider token for a chargeable card. An unknown or unusable token throws `badInput('token', …)`. */
  attach(token: string): Promise<AttachedCard>;
  /**
   * Charges `amountCents` (USD) to the card `ref`. Declines are outcomes, not exceptions. The same
   * `idempotencyKey` returns the first outcome and never charges again (provider-side idempotency).
   * Throws only when the provider cannot be reached or refuses the request itself.
   */
  charge(amountCents: number, ref: string, idempotencyKey: string): Promise<ChargeOutcome>;
  /**
   * R33: refunds `amountCents` (USD, positive) of the charge `chargeRef` to the card it came from (Stripe: create a
   * Refund of the PaymentIntent with the idempotency key header). Refusals are outcomes, not exceptions; the same
   * `idempotencyKey` returns the first outcome and never refunds again. Throws only when the provider cannot be
   * reached or the key was used with other parameters.
   */
  refund(amountCents: number, chargeRef: string, idempotencyKey: string): Promise<RefundOutcome>;
}
