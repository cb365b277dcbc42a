import { AlertMetric, LicenseKind } from '../../entities';
import type { OrganizationScope } from '../db/organization-scope';

/**
 * R26: the alert-rule metrics one organization scope's change moved — each with its new value when the change
 * knows it, else null (the evaluation reads it). Declared only by changes that know exactly what they moved (a user
 * or location activated or deactivated, trainings started, and nothing else in the scope); the evaluation that ends the scope then
 * leaves the rules over every other metric as they stand: a metric that did not move cannot cross a threshold.
 * A scope with no declaration — every other change, and a change nested in another change's scope, whose end is
 * the outer scope's — evaluates every rule.
 */
export type MovedMetrics = ReadonlyMap<AlertMetric, number | null>;

const declared = new WeakMap<OrganizationScope, MovedMetrics>();

/** Declares, as the last act of a scope's change, everything the change moved. */
export function declareMoved(scope: OrganizationScope, moved: MovedMetrics): void {
  declared.set(scope, moved);
}

/** What the scope's change declared it moved; undefined when it declared nothing (anything may have moved). */
export function declaredMoves(scope: OrganizationScope): MovedMetrics | undefined {
  return declared.get(scope);
}

/**
 * What activating or deactivating one license of `kind` moves: its in-use metric (`inUse` when the change counted
 * it), and the upcoming invoice total only when `billedMayChange` — an activation that left in use beyond the
 * contract of a contract billing by `kind` (R9: the billed quantity is max(peak, contracted); a deactivation never
 * raises the peak). Credits are untouched.
 */
export function movedByLicenseChange(kind: LicenseKind, inUse: number | null, billedMayChange: boolean): MovedMetrics {
  const moved = new Map<AlertMetric, number | null>([
    [kind === LicenseKind.USER ? AlertMetric.SEATS_IN_USE : AlertMetric.LOCATIONS_IN_USE, inUse],
  ]);
  if (billedMayChange) moved.set(AlertMetric.UPCOMING_INVOICE_TOTAL_CENTS, null);
  return moved;
}

/**
 * What starting trainings moves (R15): the credits available (`balanceAfter`, the ledger's balance after the run);
 * with credits used at zero balance, also the period's credit overage and the upcoming invoice total, which bills it.
 */
export function movedByConsumption(balanceAfter: number, usedOverage: boolean): MovedMetrics {
  const moved = new Map<AlertMetric, number | null>([[AlertMetric.CREDITS_AVAILABLE, balanceAfter]]);
  if (usedOverage) {
    moved.set(AlertMetric.CREDIT_OVERAGE_THIS_PERIOD, null);
    moved.set(AlertMetric.UPCOMING_INVOICE_TOTAL_CENTS, null);
  }
  return moved;
}
