import { AlertKind } from '../../entities';
import { AlertService } from './alert.service';
import type { ServiceContext } from './service-context';

/** A change of an organization's credit balance, measured from the balance when its writer took the lock. */
export interface BalanceChange {
  organizationId: string;
  before: number;
  after: number;
  /** Quantity of the last PURCHASE or GRANT: the CREDITS_LOW reference. */
  reference: number;
}

/**
 * R16: CREDITS_LOW when the balance falls to or below 10 % of the last purchase or grant, CREDITS_DEPLETED when it
 * reaches 0 — once per crossing: only a change that moves the balance from above a threshold to at-or-below it
 * raises, so nothing is raised again until a purchase or grant has lifted the balance back above (R25: which
 * resolves them with CREDITS_RECOVERED).
 */
export async function raiseCreditAlerts(
  alerts: AlertService,
  tx: ServiceContext,
  { organizationId, before, after, reference }: BalanceChange,
): Promise<void> {
  const crossed = creditCrossings({ before, after, reference });
  if (crossed.recovers) {
    await resolveCreditAlerts(alerts, tx, organizationId, after, reference);
    return;
  }
  if (crossed.low) {
    await alerts.raise(tx, {
      organizationId,
      kind: AlertKind.CREDITS_LOW,
      message: `Credit balance is ${after}, at or below 10% of the last purchase of ${reference} credits`,
      value: after,
    });
  }
  if (crossed.depleted) {
    await alerts.raise(tx, {
      organizationId,
      kind: AlertKind.CREDITS_DEPLETED,
      message: 'Credit balance is 0: further premium content is billed as overage at the credit unit price',
      value: after,
    });
  }
}

/**
 * R16, R25: what a balance change crosses — the low mark from above (CREDITS_LOW), zero from above (CREDITS_DEPLETED),
 * or, rising, back above the low mark (which ends the open CREDITS_LOW / CREDITS_DEPLETED with CREDITS_RECOVERED).
 */
export function creditCrossings({ before, after, reference }: Pick<BalanceChange, 'before' | 'after' | 'reference'>): {
  recovers: boolean;
  low: boolean;
  depleted: boolean;
} {
  const isLow = (balance: number) => balance * 10 <= reference;
  const recovers = after > before && !isLow(after);
  const falls = after < before;
  return {
    recovers,
    low: falls && !isLow(before) && isLow(after),
    depleted: falls && before > 0 && after === 0,
  };
}

/**
 * R25: a purchase or grant that lifts the balance above the low mark ends the open CREDITS_LOW and
 * CREDITS_DEPLETED alerts together with one CREDITS_RECOVERED (resolving the first of them). Nothing open: nothing.
 */
async function resolveCreditAlerts(
  alerts: AlertService,
  tx: ServiceContext,
  organizationId: string,
  balance: number,
  reference: number,
): Promise<void> {
  await alerts.resolveOpen(tx, organizationId, [AlertKind.CREDITS_LOW, AlertKind.CREDITS_DEPLETED], {
    kind: AlertKind.CREDITS_RECOVERED,
    message: `Credits recovered: the balance is ${balance}, above 10% of the last purchase of ${reference} credits`,
    value: balance,
  });
}
