import { SandboxPaymentProvider } from '../../src/payments/sandbox-provider';

const clock = { now: () => new Date('2026-01-15T00:00:00Z') };

/** A sandbox with a card from `token` and one charge of `cents` to it; returns the charge's reference. */
async function charged(token = 'tok_visa', cents = 10000) {
  const sandbox = new SandboxPaymentProvider(clock);
  const card = await sandbox.attach(token);
  const outcome = await sandbox.charge(cents, card.ref, `charge-${token}`);
  return { sandbox, chargeRef: outcome.chargeRef, outcome };
}

describe('R33: refunds in the sandbox payment provider', () => {
  it('R33: refunds part of a charge, then the rest; refunds add up and never go beyond what was charged', async () => {
    const { sandbox, chargeRef } = await charged();
    expect(await sandbox.refund(3000, chargeRef, 'r1')).toMatchObject({
      status: 'succeeded',
      refundRef: expect.stringMatching(/^re_sandbox_/),
    });
    expect(await sandbox.refund(7001, chargeRef, 'r2')).toMatchObject({ status: 'failed', code: 'amount_too_large' });
    expect(await sandbox.refund(7000, chargeRef, 'r3')).toMatchObject({ status: 'succeeded' });
    expect(await sandbox.refund(1, chargeRef, 'r4')).toMatchObject({ status: 'failed', code: 'amount_too_large' });
    expect(sandbox.successfulRefunds().map((r) => r.amountCents)).toEqual([3000, 7000]);
  });

  it('R33: a refund of a charge that was never made, or that was declined, is refused', async () => {
    const { sandbox } = await charged();
    for (const ref of ['ch_sandbox_nothing', 'ch_sandbox_tok_unknown_100_ab12', 'pi_123', '']) {
      expect(await sandbox.refund(100, ref, `never-${ref}`)).toMatchObject({
        status: 'failed',
        code: 'resource_missing',
      });
    }
    const declined = await charged('tok_chargeDeclined');
    expect(declined.outcome.status).toBe('failed');
    expect(await declined.sandbox.refund(100, declined.chargeRef, 'd1')).toMatchObject({
      status: 'failed',
      code: 'charge_failed',
    });
    expect(sandbox.successfulRefunds()).toEqual([]);
    expect(declined.sandbox.successfulRefunds()).toEqual([]);
  });

  it('R33: the refund-failure test card charges fine, but every refund to it fails with refund_failed', async () => {
    const { sandbox, chargeRef, outcome } = await charged('tok_refundFail');
    expect(outcome.status).toBe('succeeded');
    expect(await sandbox.refund(500, chargeRef, 'f1')).toMatchObject({ status: 'failed', code: 'refund_failed' });
    expect(sandbox.successfulRefunds()).toEqual([]);
  });

  it('R33/R19: the same key returns the first outcome and refunds once; the same key with other parameters is refused', async () => {
    const { sandbox, chargeRef } = await charged();
    const first = await sandbox.refund(2500, chargeRef, 'key-1');
    const again = await Promise.all([
      sandbox.refund(2500, chargeRef, 'key-1'),
      sandbox.refund(2500, chargeRef, 'key-1'),
    ]);
    expect(again).toEqual([first, first]);
    expect(sandbox.refunds).toHaveLength(1);
    await expect(sandbox.refund(2600, chargeRef, 'key-1')).rejects.toThrow(/same parameters/);
    await expect(sandbox.refund(0, chargeRef, 'key-2')).rejects.toThrow(/positive integer cents/);
    expect(sandbox.refunds).toHaveLength(1);
  });

  it('R33: a charge made before a restart can still be refunded up to its amount (the reference says what was charged)', async () => {
    const { chargeRef } = await charged('tok_visa', 4200);
    const restarted = new SandboxPaymentProvider(clock);
    expect(await restarted.refund(4201, chargeRef, 'after-1')).toMatchObject({
      status: 'failed',
      code: 'amount_too_large',
    });
    expect(await restarted.refund(4200, chargeRef, 'after-2')).toMatchObject({ status: 'succeeded' });
  });
});
