import { createHash } from 'node:crypto';
import { AlertKind, AlertMetric, LicenseKind, OrganizationStatus } from '../../entities';
import { targetOrganizationId } from '../auth/tenancy';
import { Clock } from '../common/clock';
import { badInput, conflict, notFound, organizationTerminated } from '../errors/errors';
import { AlertRuleService } from './alert-rule.service';
import { AlertService } from './alert.service';
import { MAX_ACTIVE_LICENSES } from './bounds';
import { creditCrossings } from './credit-alerts';
import { CreditLedger } from './credit-ledger';
import { quoteCredits, validateCreditQuantity } from './credit-pricing';
import { DraftInvoice, InvoiceService } from './invoice.service';
import { assertActiveLicensesBounded, LicenseService, licenseLimitRefusal } from './license.service';
import { assertLocationsToDeactivate } from './location.service';
import { ContractTerms, contractWithTerms, OrganizationService } from './organization.service';
import type { ServiceContext } from './service-context';
import { assertDeactivationsLeaveBillingManager } from './user.service';

/** R32: a hypothetical change made now. Absent parts change nothing. */
export interface BillingChange {
  /** Users activated (positive) or deactivated (negative) now. */
  seatDelta?: number | null;
  /** Locations added (positive) or deactivated (negative) now. */
  locationDelta?: number | null;
  /** Credits bought now on the dashboard (R13: charged at once, never on the invoice). */
  creditPurchase?: number | null;
  /** The contract's terms from now on, as updateContract takes them. */
  contract?: ContractTerms | null;
}

/** R32: the upcoming invoice as it is and as the change would make it, with what else the change would do. */
export interface BillingChangePreview {
  current: DraftInvoice;
  /** Its id is current's with `:preview-<hash of the change>`: its own, stable for one change. */
  proposed: DraftInvoice;
  differenceCents: number;
  chargedNowCents: number;
  /** The alert kinds the change would raise, in the order it would raise them, each once. */
  alerts: AlertKind[];
  /** False when the contract refuses the change (allowOverage false: LICENSE_LIMIT_REACHED). */
  allowed: boolean;
}

/**
 * R32 what-if: prices a change as if made now through R18's line code (InvoiceService.draft with a hypothesis),
 * checking it with the rules the real changes run (updateContract's input, deactivateUser's R3, deactivateLocation,
 * the R34 bound of active licenses, purchaseCredits' quantity and balance, R11's limit) and listing the alerts they
 * would raise (R11, R16, R25, R26). Reads only: it takes no lock and writes nothing.
 *
 * The parts apply in this order, as one caller making them one after another would: the contract change, the
 * deactivations, the activations, then the credit purchase (at the proposed contract's credit price). A delta of
 * the license kind the proposed contract does not bill by is accepted and priced as what it is, no change to the
 * invoice (R10: users hold no seats under LOCATION; locations are no licenses under USER) — the real change is
 * allowed too and bills nothing — but it is still checked (R3, the count of active locations, R34).
 */
export class BillingChangeService {
  constructor(
    private readonly clock: Clock,
    private readonly organizations: OrganizationService,
    private readonly licenses: LicenseService,
    private readonly invoices: InvoiceService,
    private readonly ledger: CreditLedger,
    private readonly alerts: AlertService,
    private readonly alertRules: AlertRuleService,
  ) {}

  async preview(
    ctx: ServiceContext,
    change: BillingChange,
    organizationIdArg?: string | null,
  ): Promise<BillingChangePreview> {
    const organizationId = targetOrganizationId(ctx.viewer, organizationIdArg);
    const deltas = validateBillingChange(change);
    const org = await this.organizations.find(ctx.em, organizationId);
    if (!org) throw notFound('Organization', organizationId);
    // R21: every change of a terminated organization is refused, so is its preview.
    if (org.status === OrganizationStatus.TERMINATED) throw organizationTerminated();
    const stored = await this.organizations.requireContract(ctx.em, organizationId);
    const contract = change.contract ? contractWithTerms(stored, change.contract) : stored;
    const now = this.clock.now();

    const kinds = Object.values(LicenseKind);
    const inUse = Object.fromEntries(
      await Promise.all(
        kinds.map(async (kind) => [kind, await this.licenses.inUse(ctx.em, organizationId, kind)] as const),
      ),
    ) as Record<LicenseKind, number>;
    assertLicenseChangePossible(LicenseKind.USER, inUse[LicenseKind.USER], deltas[LicenseKind.USER]);
    assertLicenseChangePossible(LicenseKind.LOCATION, inUse[LicenseKind.LOCATION], deltas[LicenseKind.LOCATION]);
    const purchase = change.creditPurchase
      ? await this.ledger.assertCanAdd({ em: ctx.em, organizationId }, change.creditPurchase, now)
      : null;

    const [current, proposed] = await Promise.all([
      this.invoices.draft(ctx, organizationId, {}),
      this.invoices.draft(ctx, organizationId, { contract, changedAt: deltas }),
    ]);
    if (!current || !proposed) throw conflict('The organization has no open billing period');

    const allowed = kinds.every(
      (kind) => deltas[kind] <= 0 || licenseLimitRefusal(contract, kind, inUse[kind] + deltas[kind]) === null,
    );
    const alerts: AlertKind[] = [];
    for (const kind of kinds) {
      alerts.push(
        ...(await this.licenses.overageAlertsOfChange(ctx.em, organizationId, {
          contract,
          contractChanged: !!change.contract,
          kind,
          inUse: inUse[kind],
          delta: deltas[kind],
          at: now,
        })),
      );
    }
    if (
      purchase &&
      creditCrossings(purchase).recovers &&
      (await this.alerts.openOf(ctx.em, organizationId, [AlertKind.CREDITS_LOW, AlertKind.CREDITS_DEPLETED])).length > 0
    )
      alerts.push(AlertKind.CREDITS_RECOVERED);
    // R26: the rules, evaluated once on the metrics as the whole change leaves them.
    alerts.push(
      ...(await this.alertRules.alertsIfChanged(ctx, organizationId, {
        [AlertMetric.SEATS_IN_USE]: inUse[LicenseKind.USER] + deltas[LicenseKind.USER],
        [AlertMetric.LOCATIONS_IN_USE]: inUse[LicenseKind.LOCATION] + deltas[LicenseKind.LOCATION],
        [AlertMetric.UPCOMING_INVOICE_TOTAL_CENTS]: proposed.totalCents,
        ...(purchase ? { [AlertMetric.CREDITS_AVAILABLE]: purchase.after } : {}),
      })),
    );

    return {
      current,
      proposed: { ...proposed, id: previewInvoiceId(current.id, change) },
      differenceCents: proposed.totalCents - current.totalCents,
      chargedNowCents: change.creditPurchase
        ? quoteCredits(change.creditPurchase, contract.creditUnitPriceCents).totalCents
        : 0,
      alerts: [...new Set(alerts)],
      allowed,
    };
  }
}

/**
 * R32's own checks of a change, before anything is read: whole numbers of licenses within R34's bound of active
 * licenses, and purchaseCredits' quantity (the same function, so the same BAD_USER_INPUT). Returns the deltas by kind.
 */
export function validateBillingChange(change: BillingChange): Record<LicenseKind, number> {
  const delta = (field: string, value: number | null | undefined) => {
    if (value == null) return 0;
    if (!Number.isInteger(value) || Math.abs(value) > MAX_ACTIVE_LICENSES)
      throw badInput(
        field,
        `${field} must be a whole number from -${MAX_ACTIVE_LICENSES.toLocaleString('en-US')} to ${MAX_ACTIVE_LICENSES.toLocaleString('en-US')}`,
      );
    return value;
  };
  if (change.creditPurchase != null) validateCreditQuantity(change.creditPurchase, 'creditPurchase');
  return {
    [LicenseKind.USER]: delta('seatDelta', change.seatDelta),
    [LicenseKind.LOCATION]: delta('locationDelta', change.locationDelta),
  };
}

/**
 * Whether `delta` licenses of `kind` can change with `inUse` in use, with the error the real changes give: more
 * deactivations than allowed (deactivateUser's LAST_BILLING_MANAGER, deactivateLocation's CONFLICT), or activations
 * past R34's bound (LICENSE_LIMIT_REACHED). R11's contract limit is not an error here: it is `allowed`.
 */
function assertLicenseChangePossible(kind: LicenseKind, inUse: number, delta: number): void {
  if (delta > 0) assertActiveLicensesBounded(kind, inUse + delta);
  else if (delta < 0 && kind === LicenseKind.USER) assertDeactivationsLeaveBillingManager(inUse, -delta);
  else if (delta < 0) assertLocationsToDeactivate(inUse, -delta);
}

/**
 * R32: the proposed invoice's id — the current preview's id (`upcoming-<period id>`) with `:preview-` and the first
 * 8 hex digits of a SHA-256 of the change in a canonical form: never the current one's, the same for the same change
 * (so a client cache keeps both, and refreshes one preview in place), and within the 64 characters of an id (R34).
 */
export function previewInvoiceId(currentId: string, change: BillingChange): string {
  const terms = change.contract
    ? Object.entries(change.contract)
        .filter(([, value]) => value !== null && value !== undefined)
        .sort(([a], [b]) => (a < b ? -1 : 1))
    : null;
  const canonical = JSON.stringify([
    change.seatDelta ?? 0,
    change.locationDelta ?? 0,
    change.creditPurchase ?? 0,
    terms,
  ]);
  return `${currentId}:preview-${createHash('sha256').update(canonical).digest('hex').slice(0, 8)}`;
}
