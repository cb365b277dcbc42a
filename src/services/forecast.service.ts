import { Clock } from '../common/clock';
import { CreditForecast, creditForecast, forecastWindow } from './credit-forecast';
import { CreditService } from './credit.service';
import { trailingCreditUse } from './credit-tallies';
import { InvoiceService } from './invoice.service';
import { OrganizationService } from './organization.service';
import type { ServiceContext } from './service-context';

/**
 * Organization.forecast (R28): reads the forecast's inputs and hands them to `creditForecast`. Everything but the
 * trailing credit use comes through the operation's shared reads (db/request-reads.ts) — the open period and the
 * contract, the live lots, this period's credit tallies and usage aggregate — which the Billing page reads anyway, so
 * the forecast beside it costs one statement more, and alone no more than the Billing page.
 */
export class ForecastService {
  constructor(
    private readonly clock: Clock,
    private readonly organizations: OrganizationService,
    private readonly credits: CreditService,
    private readonly invoices: InvoiceService,
  ) {}

  /** Null without an open period (a terminated organization has no invoice to come). */
  async forecast(ctx: ServiceContext, organizationId: string): Promise<CreditForecast | null> {
    const [period, contract] = await Promise.all([
      this.organizations.currentPeriod(ctx.em, organizationId),
      this.organizations.requireContract(ctx.em, organizationId),
    ]);
    if (!period) return null;
    const now = this.clock.now();
    const window = forecastWindow(now);
    const [balance, upcoming, use] = await Promise.all([
      this.credits.balance(ctx.em, organizationId),
      this.invoices.upcoming(ctx, organizationId),
      trailingCreditUse(ctx.em, organizationId, window.first, window.last),
    ]);
    if (!upcoming) return null;
    return creditForecast({
      now,
      creditsInWindow: use.credits,
      firstConsumptionAt: use.firstConsumptionAt,
      available: balance.available,
      upcomingTotalCents: upcoming.totalCents,
      periodEnd: period.end,
      creditUnitPriceCents: contract.creditUnitPriceCents,
    });
  }
}
