import { EntityManager } from 'typeorm';
import { LicenseKind } from '../../entities';
import { notFound } from '../errors/errors';
import { SYSTEM_VIEWER } from './credit.service';
import type { CreditService } from './credit.service';
import type { InvoiceService } from './invoice.service';
import type { LicenseService } from './license.service';
import type { Metrics } from '../observability/metrics';

/** Subscription.billingState (R27): the organization's live counters, scalars only. */
export interface BillingStateView {
  organizationId: string;
  licenseKind: LicenseKind;
  contracted: number;
  /** Active users (USER) or active locations (LOCATION) now. */
  inUse: number;
  peakThisPeriod: number;
  peakAt: Date | null;
  creditsAvailable: number;
  creditOverageThisPeriod: number;
  upcomingInvoiceTotalCents: number;
  /** The commit this state reflects. */
  at: Date;
}

/** True when two states hold the same counters (whatever their `at`): a push that would move nothing. */
export function sameCounters(a: BillingStateView, b: BillingStateView): boolean {
  return (
    a.organizationId === b.organizationId &&
    a.licenseKind === b.licenseKind &&
    a.contracted === b.contracted &&
    a.inUse === b.inUse &&
    a.peakThisPeriod === b.peakThisPeriod &&
    (a.peakAt?.getTime() ?? null) === (b.peakAt?.getTime() ?? null) &&
    a.creditsAvailable === b.creditsAvailable &&
    a.creditOverageThisPeriod === b.creditOverageThisPeriod &&
    a.upcomingInvoiceTotalCents === b.upcomingInvoiceTotalCents
  );
}

/**
 * R27: the live counters, computed by the very services that answer the dashboard's `license`, `creditBalance` and
 * `upcomingInvoice` — one definition per number, so the state always equals what those queries answer.
 */
export class BillingStateService {
  /** Computations since start (tests and the benchmark check there is one per coalesced push per organization). */
  computations = 0;

  constructor(
    private readonly licenses: LicenseService,
    private readonly credits: CreditService,
    private readonly invoices: InvoiceService,
    /**
     * A manager whose reads are shared within one computation, as within one dashboard request (the contract, the
     * open period, the usage aggregate, the credit tallies and lots are read once for the three services).
     */
    private readonly sharedReads: () => EntityManager,
    private readonly metrics?: Pick<Metrics, 'billingStateComputations'>,
  ) {}

  /** The state read afresh through a manager of its own, its rows each read once. */
  read(organizationId: string, at: Date): Promise<BillingStateView> {
    return this.billingState(this.sharedReads(), organizationId, at);
  }

  /**
   * R27: the organization's counters now. `at` is the commit the state reflects (the caller knows it: the latest
   * change it heard of before reading). An unknown organization is NOT_FOUND. Without an open period (a terminated
   * organization) there is no upcoming invoice: its total is 0.
   */
  async billingState(em: EntityManager, organizationId: string, at: Date): Promise<BillingStateView> {
    this.computations++;
    this.metrics?.billingStateComputations.inc();
    const [license, balance, upcoming] = await Promise.all([
      this.licenses.forOrganization(em, organizationId),
      this.credits.balance(em, organizationId),
      this.invoices.upcoming({ em, viewer: SYSTEM_VIEWER }, organizationId),
    ]);
    if (!license) throw notFound('Organization', organizationId);
    return {
      organizationId,
      licenseKind: license.kind,
      contracted: license.contracted,
      inUse: license.inUse,
      peakThisPeriod: license.peakThisPeriod,
      peakAt: license.peakAt,
      creditsAvailable: balance.available,
      creditOverageThisPeriod: balance.overageThisPeriod,
      upcomingInvoiceTotalCents: upcoming?.totalCents ?? 0,
      at,
    };
  }
}
