import { BillingInterval } from '../../entities/enums';

/**
 * `months` calendar months after `anchor`, keeping the anchor's day where the month has it and the month's
 * last day where it does not (Jan 31 → Feb 28 → Mar 31), at the anchor's UTC time of day.
 */
export function addCalendarMonths(anchor: Date, months: number): Date {
  const y = anchor.getUTCFullYear();
  const m = anchor.getUTCMonth() + months;
  const lastDay = new Date(Date.UTC(y, m + 1, 0)).getUTCDate();
  return new Date(
    Date.UTC(
      y,
      m,
      Math.min(anchor.getUTCDate(), lastDay),
      anchor.getUTCHours(),
      anchor.getUTCMinutes(),
      anchor.getUTCSeconds(),
      anchor.getUTCMilliseconds(),
    ),
  );
}

const MONTHS_PER_PERIOD: Readonly<Record<BillingInterval, number>> = {
  [BillingInterval.MONTHLY]: 1,
  [BillingInterval.ANNUAL]: 12,
};

/** End of the period number `index` (0 = the first) of an organization anchored at `anchor`. */
export function periodEnd(anchor: Date, interval: BillingInterval, index: number): Date {
  return addCalendarMonths(anchor, MONTHS_PER_PERIOD[interval] * (index + 1));
}
