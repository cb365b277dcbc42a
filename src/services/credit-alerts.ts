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
 * raises, so nothing is raised again until a purchase or grant has lifted the balance back above.
 */
export async function raiseCreditAlerts(
  alerts: AlertService,
  tx: ServiceContext,
  { organizationId, before, after, reference }: BalanceChange,
): Promise<void> {
  if (after >= before) return;
  const isLow = (balance: number) => balance * 10 <= reference;
  if (!isLow(before) && isLow(after)) {
    await alerts.raise(tx, {
      organizationId,
      kind: AlertKind.CREDITS_LOW,
      message: `Credit balance is ${after}, at or below 10% of the last purchase of ${reference} credits`,
    });
  }
  if (before > 0 && after === 0) {
    await alerts.raise(tx, {
      organizationId,
      kind: AlertKind.CREDITS_DEPLETED,
      message: 'Credit balance is 0: further premium content is billed as overage at the credit unit price',
    });
  }
}
