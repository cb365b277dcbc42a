import { EntityManager } from 'typeorm';
import { AlertKind, Contract, LicenseKind, Location, LocationStatus, User, UserStatus } from '../../entities';
import { licenseLimitReached } from '../errors/errors';
import { AlertService } from './alert.service';
import { MAX_ACTIVE_LICENSES } from './bounds';
import { formatUsd, multiplyCents } from '../common/money';
import { licenseTerms, overageAlertKinds } from './license-terms';
import { Clock } from '../common/clock';
import { UnitOfWork } from '../db/unit-of-work';
import { requireOperator } from '../auth/guards';
import type { ContractTerms, OrganizationService } from './organization.service';
import type { ServiceContext } from './service-context';
import { UsageService } from './usage.service';

/** Organization.license: the contract's model over the open billing period (R7–R10). */
export interface LicenseView {
  /** Whose license it is (License.series reads its timeline). */
  organizationId: string;
  kind: LicenseKind;
  contracted: number;
  inUse: number;
  available: number;
  overage: number;
  peakThisPeriod: number;
  peakAt: Date | null;
  unitPriceCents: number;
}

/** What an activation left: the licenses of its kind in use, and whether the billed quantity may have changed. */
export interface ActivationOutcome {
  inUse: number;
  /** In use beyond the contract of a contract billing by the activation's kind (or no contract): the invoice may move. */
  billedMayChange: boolean;
}

/** What was just activated, for the alert's wording and its location (R11). */
export type Activation =
  { kind: LicenseKind.USER; userId: string } | { kind: LicenseKind.LOCATION; location: Pick<Location, 'id' | 'name'> };

/**
 * Licenses (R7–R11). USER: every active user holds a seat (R8). LOCATION: every active location is a license and
 * users hold none (R10). The peak of simultaneous use (R9) comes from the usage timeline (UsageService.peak);
 * invoices bill max(peak, contracted) — here the raw peak is shown.
 */
export class LicenseService {
  constructor(
    private readonly organizations: OrganizationService,
    private readonly usage: UsageService,
    private readonly alerts: AlertService,
    private readonly clock: Clock,
    private readonly uow: UnitOfWork,
  ) {}

  /** Active users (USER) or active locations (LOCATION) now. */
  async inUse(em: EntityManager, organizationId: string, kind: LicenseKind): Promise<number> {
    return kind === LicenseKind.USER
      ? em.count(User, { where: { organizationId, status: UserStatus.ACTIVE } })
      : em.count(Location, { where: { organizationId, status: LocationStatus.ACTIVE } });
  }

  /**
   * Active users (USER) or active locations (LOCATION) now, from the open period's usage aggregate (the reads an
   * operation shares) — a count when there is no open period. R26's SEATS_IN_USE and LOCATIONS_IN_USE.
   */
  async inUseNow(em: EntityManager, organizationId: string, kind: LicenseKind): Promise<number> {
    const period = await this.organizations.currentPeriod(em, organizationId);
    return period ? (await this.usage.ofPeriod(em, kind, period)).inUse : this.inUse(em, organizationId, kind);
  }

  async forOrganization(em: EntityManager, organizationId: string): Promise<LicenseView | null> {
    const contract = await this.organizations.contract(em, organizationId);
    if (!contract) return null;
    const kind = contract.licenseModel;
    const { contracted, unitPriceCents } = licenseTerms(contract, kind);
    const period = await this.organizations.currentPeriod(em, organizationId);
    // The open period's aggregate holds both in use and the peak; without an open period (a terminated
    // organization) there is no peak to measure.
    const { inUse, ...peak } = period
      ? await this.usage.ofPeriod(em, kind, period)
      : { inUse: await this.inUse(em, organizationId, kind), peak: 0, peakAt: null };
    return {
      organizationId,
      kind,
      contracted,
      inUse,
      available: Math.max(0, contracted - inUse),
      overage: Math.max(0, inUse - contracted),
      peakThisPeriod: peak.peak,
      peakAt: peak.peakAt,
      unitPriceCents,
    };
  }

  /**
   * R11, called inside the unit of work of an activation (user added or reactivated, location added) after the
   * change, with the organization's lock held. Beyond the contract: refused with LICENSE_LIMIT_REACHED when the
   * contract does not allow overage (the whole transaction rolls back: nothing is written), else a
   * SEAT_OVERAGE / LOCATION_OVERAGE alert as R25 allows (see raisesOverage), stored in the same transaction and
   * published after commit. Activations of the kind the contract does not bill by change nothing here (R10: users
   * hold no seats under LOCATION). Returns the count in use and whether the billed quantity may have moved (what the
   * activation declares to R26's evaluation, moved-metrics.ts).
   */
  async afterActivation(
    tx: ServiceContext,
    organizationId: string,
    activation: Activation,
    at: Date,
  ): Promise<ActivationOutcome> {
    const [contract, inUse] = await Promise.all([
      this.organizations.contract(tx.em, organizationId),
      this.inUse(tx.em, organizationId, activation.kind),
    ]);
    assertActiveLicensesBounded(activation.kind, inUse);
    if (!contract) return { inUse, billedMayChange: true };
    if (contract.licenseModel !== activation.kind) return { inUse, billedMayChange: false };
    const { contracted, unitPriceCents: unitCents, alertKind, words } = licenseTerms(contract, activation.kind);
    if (inUse <= contracted) return { inUse, billedMayChange: false };
    const outcome = { inUse, billedMayChange: true };
    const seats = activation.kind === LicenseKind.USER;
    const refusal = licenseLimitRefusal(contract, activation.kind, inUse);
    if (refusal) throw licenseLimitReached(refusal);
    if (!(await this.raisesOverage(tx.em, organizationId, activation.kind, inUse, at))) return outcome;
    const over = inUse - contracted;
    const chargeCents = multiplyCents(unitCents, over);
    const message = seats
      ? `Seat overage: ${inUse} ${words.inUse} on a contract of ${contracted} seat${plural(contracted)}. `
      : `Location overage: adding "${activation.location.name}" makes ${inUse} ${words.inUse} on a contract of ${contracted}. `;
    const estimate = `${over} additional ${words.unit}${plural(over)} at ${formatUsd(unitCents)} add an estimated ${formatUsd(chargeCents)} to the next invoice.`;
    await this.alerts.raise(tx, {
      organizationId,
      kind: alertKind,
      message: (message + estimate).slice(0, 500),
      contracted,
      inUse,
      value: inUse,
      estimatedAdditionalChargeCents: chargeCents,
      locationId: seats ? null : activation.location.id,
    });
    return outcome;
  }

  /**
   * R25, for an activation that left `inUse` beyond the contract: does it raise an overage alert? The first
   * crossing of the period does (it opens the condition). After that — whether the condition is still open or was
   * resolved — only a new period-high does: in use above the period's R9 peak before the activation's instant `at`
   * (so a transfer within one instant is no high), and above any alert of the kind raised since that instant
   * (several changes within one instant raise once per new level).
   * Usage teetering at the limit raises nothing; a new period starts fresh.
   */
  async raisesOverage(em: EntityManager, organizationId: string, kind: LicenseKind, inUse: number, at: Date) {
    const period = await this.organizations.currentPeriod(em, organizationId);
    if (!period) return true;
    const { alertKind } = overageAlertKinds(kind);
    const earlier = await this.alerts.raisedSince(em, organizationId, alertKind, period.start, at);
    if (earlier.count === 0) return true;
    if (earlier.highestSinceAt !== null && inUse <= earlier.highestSinceAt) return false;
    return inUse > (await this.usage.peakBefore(em, kind, period, at));
  }

  /**
   * R25, inside the unit of work of any change that can bring in use back within the contract (a deactivation, a
   * location removed, a contract change): when the open overage condition of `kind` no longer holds — in use is
   * within the contract, or the contract no longer bills by `kind` — one *_OVERAGE_RESOLVED alert ends it.
   * Nothing open: nothing to do (one indexed read).
   */
  async resolveOverage(tx: ServiceContext, organizationId: string, kind: LicenseKind): Promise<void> {
    const { alertKind, resolvedAlertKind } = overageAlertKinds(kind);
    const open = await this.alerts.openOf(tx.em, organizationId, [alertKind]);
    if (open.length === 0) return;
    const [contract, inUse, period] = await Promise.all([
      this.organizations.contract(tx.em, organizationId),
      this.inUse(tx.em, organizationId, kind),
      this.organizations.currentPeriod(tx.em, organizationId),
    ]);
    if (overageHolds(contract, kind, inUse)) return;
    const billed = contract?.licenseModel === kind;
    const terms = contract ? licenseTerms(contract, kind) : null;
    const words = terms?.words ?? { unit: kind === LicenseKind.USER ? 'seat' : 'location', inUse: 'in use' };
    const peak = period ? (await this.usage.peakOfOpenPeriod(tx.em, kind, period, this.clock.now())).peak : null;
    const within = billed
      ? `${inUse} ${words.inUse} on a contract of ${terms!.contracted} ${words.unit}${plural(terms!.contracted)}`
      : `the contract no longer bills by ${words.unit}`;
    const billedPeak =
      peak !== null
        ? ` The period's peak of ${peak} ${words.unit}${plural(peak)} stays billed.`
        : " The period's peak stays billed.";
    await this.alerts.resolveOpen(tx, organizationId, [alertKind], {
      kind: resolvedAlertKind,
      message: `${kind === LicenseKind.USER ? 'Seat' : 'Location'} overage resolved: ${within}.${billedPeak}`.slice(
        0,
        500,
      ),
      contracted: terms?.contracted ?? null,
      inUse,
      value: inUse,
    });
  }

  /**
   * R32: the overage alerts (R11, R25) of changing the licenses of `kind` by `delta` now, under `contract` (the
   * proposed one; `contractChanged` when it replaces the stored one), in the order the changes would make them: the
   * contract change, then the deactivations, each re-evaluate the open condition (resolveOverage); the activations
   * raise as afterActivation would — the last one decides, as every earlier level is lower — unless refused.
   * Reads only.
   */
  async overageAlertsOfChange(
    em: EntityManager,
    organizationId: string,
    change: { contract: Contract; contractChanged: boolean; kind: LicenseKind; inUse: number; delta: number; at: Date },
  ): Promise<AlertKind[]> {
    const { contract, contractChanged, kind, inUse, delta, at } = change;
    const { alertKind, resolvedAlertKind } = overageAlertKinds(kind);
    const after = inUse + delta;
    const kinds: AlertKind[] = [];
    const ends =
      (contractChanged && !overageHolds(contract, kind, inUse)) || (delta < 0 && !overageHolds(contract, kind, after));
    if (ends && (await this.alerts.openOf(em, organizationId, [alertKind])).length > 0) kinds.push(resolvedAlertKind);
    if (
      delta > 0 &&
      overageHolds(contract, kind, after) &&
      licenseLimitRefusal(contract, kind, after) === null &&
      (await this.raisesOverage(em, organizationId, kind, after, at))
    )
      kinds.push(alertKind);
    return kinds;
  }

  /**
   * Operators: change the contract's terms (OrganizationService.updateContract), then R25: the change
   * re-evaluates the overage conditions — raising the contract above in use resolves them.
   */
  async changeContract(ctx: ServiceContext, organizationId: string, terms: ContractTerms): Promise<Contract> {
    requireOperator(ctx.viewer);
    return this.uow.forOrganization(ctx, { organizationId }, {}, async (tx) => {
      const contract = await this.organizations.updateContract(tx, organizationId, terms);
      for (const kind of Object.values(LicenseKind)) await this.resolveOverage(tx, organizationId, kind);
      return contract;
    });
  }
}

const plural = (n: number) => (n === 1 ? '' : 's');

/** R34 (bounds.ts): the peak of any period, of either kind (a later contract may bill by the other), stays bounded. */
export function assertActiveLicensesBounded(kind: LicenseKind, inUse: number): void {
  if (inUse > MAX_ACTIVE_LICENSES) {
    throw licenseLimitReached(
      `An organization may have at most ${MAX_ACTIVE_LICENSES.toLocaleString('en-US')} active ${kind === LicenseKind.USER ? 'users' : 'locations'}`,
    );
  }
}

/**
 * R11: why `contract` refuses an activation of `kind` that leaves `inUse` in use (LICENSE_LIMIT_REACHED's message),
 * or null when it does not: only beyond the contracted number of the model it bills by, and only without overage.
 */
export function licenseLimitRefusal(contract: Contract | null, kind: LicenseKind, inUse: number): string | null {
  if (!contract || contract.licenseModel !== kind || contract.allowOverage) return null;
  const { contracted } = licenseTerms(contract, kind);
  if (inUse <= contracted) return null;
  return kind === LicenseKind.USER
    ? `The contract includes ${contracted} seat${plural(contracted)} and does not allow overage: deactivate a user first or ask for more seats`
    : `The contract includes ${contracted} location${plural(contracted)} and does not allow overage: deactivate a location first or ask for more`;
}

/** R25: an overage condition of `kind` holds while the contract bills by `kind` and more are in use than contracted. */
export function overageHolds(contract: Contract | null, kind: LicenseKind, inUse: number): boolean {
  return !!contract && contract.licenseModel === kind && inUse > licenseTerms(contract, kind).contracted;
}
