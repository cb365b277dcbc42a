import { SandboxPaymentProvider } from '../../src/payments/sandbox-provider';

const clock = { now: () => new Date('2026-01-15T00:00:00Z') };

describe('R20: the sandbox payment provider', () => {
  it('R20: test tokens attach as cards with brand, last4 and expiry, and a reference to charge', async () => {
    const sandbox = new SandboxPaymentProvider(clock);
    expect(await sandbox.attach('tok_visa')).toMatchObject({
      brand: 'Visa',
      last4: '4242',
      expMonth: 12,
      expYear: 2030,
    });
    expect(await sandbox.attach('tok_mastercard')).toMatchObject({ brand: 'Mastercard', last4: '4444' });
    expect((await sandbox.attach('tok_chargeDeclined')).ref).toMatch(/^pm_sandbox_tok_chargeDeclined_/);
  });

  it('R20: anything else is BAD_USER_INPUT on field token', async () => {
    const sandbox = new SandboxPaymentProvider(clock);
    for (const token of ['4242424242424242', 'tok_unknown', '', 'constructor', '__proto__']) {
      await expect(sandbox.attach(token)).rejects.toMatchObject({
        extensions: { code: 'BAD_USER_INPUT', field: 'token' },
      });
    }
  });

  it('R20: decline cards attach but every charge fails with their code', async () => {
    const sandbox = new SandboxPaymentProvider(clock);
    const declined = await sandbox.attach('tok_chargeDeclined');
    const poor = await sandbox.attach('tok_insufficientFunds');
    expect(await sandbox.charge(1000, declined.ref, 'k1')).toMatchObject({ status: 'failed', code: 'card_declined' });
    expect(await sandbox.charge(1000, poor.ref, 'k2')).toMatchObject({ status: 'failed', code: 'insufficient_funds' });
    expect(sandbox.successfulCharges()).toHaveLength(0);
    expect(sandbox.charges).toHaveLength(2);
  });

  it('R19: the same idempotency key returns the first outcome and charges once', async () => {
    const sandbox = new SandboxPaymentProvider(clock);
    const card = await sandbox.attach('tok_visa');
    const first = await sandbox.charge(2500, card.ref, 'key-1');
    const again = await Promise.all([sandbox.charge(2500, card.ref, 'key-1'), sandbox.charge(2500, card.ref, 'key-1')]);
    expect(first.status).toBe('succeeded');
    expect(again).toEqual([first, first]);
    expect(sandbox.charges).toHaveLength(1);
    await sandbox.charge(2500, card.ref, 'key-2');
    expect(sandbox.successfulCharges()).toHaveLength(2);
  });

  it('R19: the same key with another amount is refused, like a real provider', async () => {
    const sandbox = new SandboxPaymentProvider(clock);
    const card = await sandbox.attach('tok_visa');
    await sandbox.charge(2500, card.ref, 'key-1');
    await expect(sandbox.charge(2600, card.ref, 'key-1')).rejects.toThrow(/same parameters/);
    expect(sandbox.charges).toHaveLength(1);
  });
});
