import { randomBytes } from 'node:crypto';
import { badInput } from '../errors/errors';
import { Clock, systemClock } from '../common/clock';
import type { AttachedCard, ChargeOutcome, PaymentProvider } from './payment-provider';

interface TestCard {
  brand: string;
  last4: string;
  /** Every charge to this card fails with this code (like a provider's decline test cards). */
  declineCode?: 'card_declined' | 'insufficient_funds';
}

/** The test tokens of the sandbox, named as a real provider's test mode names them. */
const SANDBOX_TOKENS: Readonly<Record<string, TestCard>> = {
  tok_visa: { brand: 'Visa', last4: '4242' },
  tok_mastercard: { brand: 'Mastercard', last4: '4444' },
  tok_chargeDeclined: { brand: 'Visa', last4: '0002', declineCode: 'card_declined' },
  tok_insufficientFunds: { brand: 'Visa', last4: '9995', declineCode: 'insufficient_funds' },
};

const DECLINE_MESSAGES: Record<string, string> = {
  card_declined: 'Your card was declined.',
  insufficient_funds: 'Your card has insufficient funds.',
  invalid_payment_method: 'The payment method is not known to the provider.',
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

/**
 * R20: the built-in sandbox provider, behaving like a real provider's test mode. Its card references encode the
 * test token they came from (`pm_sandbox_<token>_<random>`), so charges behave the same after a restart. It honours
 * idempotency keys like a real provider — the same key returns the first outcome and charges nothing; the same key
 * with another amount or card is refused — and logs every charge it made in `charges`, so tests can count them.
 */
export class SandboxPaymentProvider implements PaymentProvider {
  readonly name = 'sandbox';
  readonly charges: SandboxCharge[] = [];
  private readonly byKey = new Map<string, SandboxCharge>();

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
    const chargeRef = `ch_sandbox_${randomBytes(8).toString('hex')}`;
    const token = /^pm_sandbox_(tok_[A-Za-z]+)_[0-9a-f]+$/.exec(ref)?.[1];
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

  /** Charges that went through (tests: "charged exactly once"). */
  successfulCharges(): SandboxCharge[] {
    return this.charges.filter((c) => c.outcome.status === 'succeeded');
  }
}
