import { randomBytes } from 'node:crypto';
import { badInput } from '../errors/errors';
import { Clock, systemClock } from '../common/clock';
import type { AttachedCard, ChargeOutcome, PaymentProvider, RefundOutcome } from './payment-provider';

interface TestCard {
  brand: string;
  last4: string;
  /** Every charge to this card fails with this code (like a provider's decline test cards). */
  declineCode?: 'card_declined' | 'insufficient_funds';
  /** R33: charges succeed, but every refund to this card fails with this code (a provider's refund-failure test card). */
  refundDeclineCode?: 'refund_failed';
}

/** The test tokens of the sandbox, named as a real provider's test mode names them. */
const SANDBOX_TOKENS: Readonly<Record<string, TestCard>> = {
  tok_visa: { brand: 'Visa', last4: '4242' },
  tok_mastercard: { brand: 'Mastercard', last4: '4444' },
  tok_chargeDeclined: { brand: 'Visa', last4: '0002', declineCode: 'card_declined' },
  tok_insufficientFunds: { brand: 'Visa', last4: '9995', declineCode: 'insufficient_funds' },
  tok_refundFail: { brand: 'Visa', last4: '5126', refundDeclineCode: 'refund_failed' },
};

const DECLINE_MESSAGES: Record<string, string> = {
  card_declined: 'Your card was declined.',
  insufficient_funds: 'Your card has insufficient funds.',
  invalid_payment_method: 'The payment method is not known to the provider.',
  refund_failed: 'The refund could not be made to the card.',
  resource_missing: 'No such charge: the provider never made it.',
  charge_failed: 'The charge failed, so there is nothing to refund.',
  amount_too_large: 'The refund is greater than what is left of the charge.',
};

/** One charge the sandbox really made (a replay of an idempotency key is not a new charge). */
export interface SandboxCharge {
  chargeRef: string;
  amountCents: number;
  ref: string;
  idempotencyKey: string;
  outcome: ChargeOutcome;
  at: Date;
}

/** R33: one refund the sandbox answered (a replay of an idempotency key is not a new one). */
export interface SandboxRefund {
  amountCents: number;
  chargeRef: string;
  idempotencyKey: string;
  outcome: RefundOutcome;
  at: Date;
}

/** What a charge reference says about its charge: `ch_sandbox_<test token>_<cents>_<random>`. */
const CHARGE_REF = /^ch_sandbox_(tok_[A-Za-z]+)_(\d+)_[0-9a-f]+$/;

/**
 * R20: the built-in sandbox provider, behaving like a real provider's test mode. Its card references encode the
 * test token they came from (`pm_sandbox_<token>_<random>`), so charges behave the same after a restart. It honours
 * idempotency keys like a real provider — the same key returns the first outcome and charges nothing; the same key
 * with another amount or card is refused — and logs every charge it made in `charges`, so tests can count them.
 * R33: refunds follow a real provider's rules: only of a charge it made and that succeeded, never beyond what the
 * charge has left (refunds add up), idempotent by key; `tok_refundFail` cards refuse every refund. Charge references
 * encode the card's token and the amount, so a charge made before a restart can still be refunded up to its amount.
 */
export class SandboxPaymentProvider implements PaymentProvider {
  readonly name = 'sandbox';
  readonly charges: SandboxCharge[] = [];
  readonly refunds: SandboxRefund[] = [];
  private readonly byKey = new Map<string, SandboxCharge>();
  private readonly refundsByKey = new Map<string, SandboxRefund>();

  constructor(private readonly clock: Clock = systemClock) {}

  async attach(token: string): Promise<AttachedCard> {
    const card = Object.hasOwn(SANDBOX_TOKENS, token) ? SANDBOX_TOKENS[token] : undefined;
    if (!card) {
      throw badInput(
        'token',
        `Unknown payment token; the sandbox provider takes ${Object.keys(SANDBOX_TOKENS).join(', ')}`,
      );
    }
    // Test cards accept any future expiry; the sandbox reports December, four years ahead.
    return {
      brand: card.brand,
      last4: card.last4,
      expMonth: 12,
      expYear: this.clock.now().getUTCFullYear() + 4,
      ref: `pm_sandbox_${token}_${randomBytes(6).toString('hex')}`,
    };
  }

  async charge(amountCents: number, ref: string, idempotencyKey: string): Promise<ChargeOutcome> {
    if (!Number.isSafeInteger(amountCents) || amountCents <= 0)
      throw new Error(`sandbox: amount must be positive integer cents (got ${amountCents})`);
    const previous = this.byKey.get(idempotencyKey);
    if (previous) {
      if (previous.amountCents !== amountCents || previous.ref !== ref) {
        throw new Error(
          'sandbox: keys for idempotent requests can only be used with the same parameters they were first used with',
        );
      }
      return previous.outcome;
    }
    const token = /^pm_sandbox_(tok_[A-Za-z]+)_[0-9a-f]+$/.exec(ref)?.[1];
    const chargeRef = `ch_sandbox_${token ?? 'tok_unknown'}_${amountCents}_${randomBytes(8).toString('hex')}`;
    const card = token && Object.hasOwn(SANDBOX_TOKENS, token) ? SANDBOX_TOKENS[token] : undefined;
    const code = !card ? 'invalid_payment_method' : card.declineCode;
    const outcome: ChargeOutcome = code
      ? { status: 'failed', chargeRef, code, message: DECLINE_MESSAGES[code] }
      : { status: 'succeeded', chargeRef };
    const charge: SandboxCharge = { chargeRef, amountCents, ref, idempotencyKey, outcome, at: this.clock.now() };
    this.charges.push(charge);
    this.byKey.set(idempotencyKey, charge);
    return outcome;
  }

  async refund(amountCents: number, chargeRef: string, idempotencyKey: string): Promise<RefundOutcome> {
    if (!Number.isSafeInteger(amountCents) || amountCents <= 0)
      throw new Error(`sandbox: amount must be positive integer cents (got ${amountCents})`);
    const previous = this.refundsByKey.get(idempotencyKey);
    if (previous) {
      if (previous.amountCents !== amountCents || previous.chargeRef !== chargeRef) {
        throw new Error(
          'sandbox: keys for idempotent requests can only be used with the same parameters they were first used with',
        );
      }
      return previous.outcome;
    }
    const code = this.refundRefusal(amountCents, chargeRef);
    const refundRef = `re_sandbox_${randomBytes(8).toString('hex')}`;
    const outcome: RefundOutcome = code
      ? {
          status: 'failed',
          refundRef: code === 'refund_failed' ? refundRef : null,
          code,
          message: DECLINE_MESSAGES[code],
        }
      : { status: 'succeeded', refundRef };
    const refund: SandboxRefund = { amountCents, chargeRef, idempotencyKey, outcome, at: this.clock.now() };
    this.refunds.push(refund);
    this.refundsByKey.set(idempotencyKey, refund);
    return outcome;
  }

  /** Why the sandbox refuses to refund `amountCents` of `chargeRef`, or null when it refunds. */
  private refundRefusal(amountCents: number, chargeRef: string): string | null {
    const made = this.charges.find((c) => c.chargeRef === chargeRef);
    const parsed = CHARGE_REF.exec(chargeRef);
    if (!parsed) return 'resource_missing';
    const token = parsed[1];
    const card = Object.hasOwn(SANDBOX_TOKENS, token) ? SANDBOX_TOKENS[token] : undefined;
    if (!card) return 'resource_missing';
    if ((made && made.outcome.status !== 'succeeded') || card.declineCode) return 'charge_failed';
    const charged = made?.amountCents ?? Number(parsed[2]);
    const refunded = this.refunds
      .filter((r) => r.chargeRef === chargeRef && r.outcome.status === 'succeeded')
      .reduce((sum, r) => sum + r.amountCents, 0);
    if (refunded + amountCents > charged) return 'amount_too_large';
    return card.refundDeclineCode ?? null;
  }

  /** R33: refunds that went through (tests: "refunded exactly once"). */
  successfulRefunds(): SandboxRefund[] {
    return this.refunds.filter((r) => r.outcome.status === 'succeeded');
  }

  /** Charges that went through (tests: "charged exactly once"). */
  successfulCharges(): SandboxCharge[] {
    return this.charges.filter((c) => c.outcome.status === 'succeeded');
  }
}
