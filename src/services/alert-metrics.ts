import { AlertMetric, LicenseKind } from '../../entities';
import { requestReads } from '../db/request-reads';
import { primeAlertMetricInputs } from './alert-metric-inputs';
import type { CreditService } from './credit.service';
import type { InvoiceService } from './invoice.service';
import type { LicenseService } from './license.service';
import type { ServiceContext } from './service-context';

/**
 * R26: the metrics alert rules watch, each read through the service that defines it — in use from the license's
 * usage (R8–R10), credits from the balance (R15, R16), the invoice total from the preview (R18) — so a rule sees
 * exactly what the Billing page shows. Only the metrics asked for are read. With shared reads (the evaluation's),
 * their inputs are first read in one statement and primed into them (alert-metric-inputs.ts), so the services
 * compute every metric without a statement of their own.
 */
export class AlertMetrics {
  constructor(
    private readonly licenses: LicenseService,
    private readonly credits: CreditService,
    private readonly invoices: InvoiceService,
  ) {}

  async read(
    ctx: ServiceContext,
    organizationId: string,
    metrics: ReadonlySet<AlertMetric>,
  ): Promise<Map<AlertMetric, number>> {
    const wanted = [...metrics];
    const reads = requestReads(ctx.em);
    if (reads) await primeAlertMetricInputs(ctx.em, reads, organizationId, metrics);
    const balance =
      metrics.has(AlertMetric.CREDITS_AVAILABLE) || metrics.has(AlertMetric.CREDIT_OVERAGE_THIS_PERIOD)
        ? this.credits.balance(ctx.em, organizationId)
        : null;
    const values = await Promise.all(
      wanted.map(async (metric): Promise<number> => {
        switch (metric) {
          case AlertMetric.SEATS_IN_USE:
            return this.licenses.inUseNow(ctx.em, organizationId, LicenseKind.USER);
          case AlertMetric.LOCATIONS_IN_USE:
            return this.licenses.inUseNow(ctx.em, organizationId, LicenseKind.LOCATION);
          case AlertMetric.CREDITS_AVAILABLE:
            return (await balance!).available;
          case AlertMetric.CREDIT_OVERAGE_THIS_PERIOD:
            return (await balance!).overageThisPeriod;
          case AlertMetric.UPCOMING_INVOICE_TOTAL_CENTS:
            return (await this.invoices.upcoming(ctx, organizationId))?.totalCents ?? 0;
        }
      }),
    );
    return new Map(wanted.map((metric, i) => [metric, values[i]]));
  }
}

/** R26: a metric that counts what the license model does not bill (it could never describe this contract). */
export function metricAppliesTo(metric: AlertMetric, licenseModel: LicenseKind): boolean {
  if (metric === AlertMetric.SEATS_IN_USE) return licenseModel === LicenseKind.USER;
  if (metric === AlertMetric.LOCATIONS_IN_USE) return licenseModel === LicenseKind.LOCATION;
  return true;
}
