import { EntityManager } from 'typeorm';
import { LicenseKind, Location, LocationStatus, User, UserStatus } from '../../entities';
import { licenseLimitReached } from '../errors/errors';
import { AlertService } from './alert.service';
import { MAX_ACTIVE_LICENSES } from './bounds';
import { formatUsd, multiplyCents } from '../common/money';
import { licenseTerms } from './license-terms';
import { OrganizationService } from './organization.service';
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
  ) {}

  /** Active users (USER) or active locations (LOCATION) now. */
  async inUse(em: EntityManager, organizationId: string, kind: LicenseKind): Promise<number> {
    return kind === LicenseKind.USER
      ? em.count(User, { where: { organizationId, status: UserStatus.ACTIVE } })
      : em.count(Location, { where: { organizationId, status: LocationStatus.ACTIVE } });
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
   * SEAT_OVERAGE / LOCATION_OVERAGE alert is stored in the same transaction and published after commit.
   * Activations of the kind the contract does not bill by change nothing here (R10: users hold no seats under
   * LOCATION).
   */
  async afterActivation(tx: ServiceContext, organizationId: string, activation: Activation): Promise<void> {
    const [contract, inUse] = await Promise.all([
      this.organizations.contract(tx.em, organizationId),
      this.inUse(tx.em, organizationId, activation.kind),
    ]);
    // R34 (bounds.ts): the peak of any period, of either kind (a later contract may bill by the other), stays bounded.
    if (inUse > MAX_ACTIVE_LICENSES) {
      throw licenseLimitReached(
        `An organization may have at most ${MAX_ACTIVE_LICENSES.toLocaleString('en-US')} active ${activation.kind === LicenseKind.USER ? 'users' : 'locations'}`,
      );
    }
    if (!contract || contract.licenseModel !== activation.kind) return;
    const { contracted, unitPriceCents: unitCents, alertKind, words } = licenseTerms(contract, activation.kind);
    if (inUse <= contracted) return;
    const seats = activation.kind === LicenseKind.USER;
    if (!contract.allowOverage) {
      throw licenseLimitReached(
        seats
          ? `The contract includes ${contracted} seat${plural(contracted)} and does not allow overage: deactivate a user first or ask for more seats`
          : `The contract includes ${contracted} location${plural(contracted)} and does not allow overage: deactivate a location first or ask for more`,
      );
    }
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
      estimatedAdditionalChargeCents: chargeCents,
      locationId: seats ? null : activation.location.id,
    });
  }
}

const plural = (n: number) => (n === 1 ? '' : 's');
