import fc from 'fast-check';
import { creditForecast, forecastWindow, ForecastInputs } from '../../src/services/credit-forecast';
import { MAX_INPUT_INSTANT } from '../../src/services/bounds';

const DAY = 86_400_000;
const HOUR = 3_600_000;
const NOW = new Date('2026-03-20T12:00:00.000Z');

/** An organization that has consumed for months, 10 days before its period ends, with nothing unusual. */
const base: ForecastInputs = {
  now: NOW,
  creditsInWindow: 60,
  firstConsumptionAt: new Date('2025-11-01T08:00:00.000Z'),
  available: 100,
  upcomingTotalCents: 50_000,
  periodEnd: new Date(NOW.getTime() + 10 * DAY),
  creditUnitPriceCents: 1000,
};

describe('R28: the forecast arithmetic (creditForecast)', () => {
  it('R28: the trailing window is today and the 29 UTC days before it', () => {
    expect(forecastWindow(NOW)).toEqual({
      first: '2026-02-19',
      last: '2026-03-20',
      start: new Date('2026-02-19T00:00:00.000Z'),
    });
    expect(forecastWindow(new Date('2026-03-01T00:00:00.000Z')).first).toBe('2026-01-31');
  });

  it('R28: a long-time consumer burns the window ÷ 30; credits last available ÷ burn; within the balance nothing is added', () => {
    expect(creditForecast(base)).toEqual({
      creditBurnPerDay: 2,
      creditsExhaustedAt: new Date(NOW.getTime() + 50 * DAY),
      projectedInvoiceTotalCents: 50_000,
    });
  });

  it('R28: no consumption: burn 0, never exhausted, the upcoming total as it is', () => {
    for (const inputs of [
      { ...base, creditsInWindow: 0, firstConsumptionAt: null },
      { ...base, creditsInWindow: 0 }, // consumed before the window only
      { ...base, creditsInWindow: 0, available: 0 }, // nothing available, but nothing burns either
    ]) {
      expect(creditForecast(inputs)).toEqual({
        creditBurnPerDay: 0,
        creditsExhaustedAt: null,
        projectedInvoiceTotalCents: 50_000,
      });
    }
  });

  it('R28: consuming for less than a day counts as one day', () => {
    const got = creditForecast({ ...base, creditsInWindow: 5, firstConsumptionAt: new Date(NOW.getTime() - 2 * HOUR) });
    expect(got.creditBurnPerDay).toBe(5);
    expect(got.creditsExhaustedAt).toEqual(new Date(NOW.getTime() + 20 * DAY));
    // 5 a day for 10 days = 50, within the 100 available
    expect(got.projectedInvoiceTotalCents).toBe(50_000);
  });

  it('R28: consuming for fewer than 30 days divides by the fractional days since the first consumption', () => {
    const got = creditForecast({
      ...base,
      creditsInWindow: 9,
      firstConsumptionAt: new Date(NOW.getTime() - 4.5 * DAY),
    });
    expect(got.creditBurnPerDay).toBe(2);
    expect(got.creditsExhaustedAt).toEqual(new Date(NOW.getTime() + 50 * DAY));
  });

  it('R28: a first consumption before the window (its day outside the tallies read) divides by 30', () => {
    const got = creditForecast({
      ...base,
      creditsInWindow: 30,
      firstConsumptionAt: new Date(forecastWindow(NOW).start.getTime() - 1),
    });
    expect(got.creditBurnPerDay).toBe(1);
  });

  it('R28: nothing available: exhausted now, and all of the burn to the period end is overage', () => {
    const got = creditForecast({ ...base, available: 0 });
    expect(got.creditsExhaustedAt).toEqual(NOW);
    // 2 a day × 10 days = 20 credits at $10.00
    expect(got.projectedInvoiceTotalCents).toBe(50_000 + 20 * 1000);
  });

  it('R28: burn beyond the balance by the period end is overage, rounded up to whole credits', () => {
    // 2 a day for 10 days = 20; 17 available: 3 overage credits
    expect(creditForecast({ ...base, available: 17 }).projectedInvoiceTotalCents).toBe(53_000);
    // 7 credits over 3 days (first consumption 3 days ago): 7/3 a day × 10 days = 23.33…; 20 available: 4 credits
    const got = creditForecast({
      ...base,
      creditsInWindow: 7,
      firstConsumptionAt: new Date(NOW.getTime() - 3 * DAY),
      available: 20,
    });
    expect(got.projectedInvoiceTotalCents).toBe(54_000);
    // exactly enough: nothing added (no 0.000…1 credit from floating point)
    expect(creditForecast({ ...base, creditsInWindow: 3, available: 1 }).projectedInvoiceTotalCents).toBe(50_000);
  });

  it('R28: a burn that does not reach the period end adds nothing; a period already ended adds nothing', () => {
    expect(creditForecast({ ...base, creditsInWindow: 30, available: 11 }).projectedInvoiceTotalCents).toBe(50_000);
    expect(creditForecast({ ...base, available: 0, periodEnd: NOW }).projectedInvoiceTotalCents).toBe(50_000);
    expect(
      creditForecast({ ...base, available: 0, periodEnd: new Date(NOW.getTime() - DAY) }).projectedInvoiceTotalCents,
    ).toBe(50_000);
  });

  it('R28: a tiny burn on a large balance is exhausted no later than the latest instant the API shows', () => {
    const got = creditForecast({ ...base, creditsInWindow: 1, available: 1_000_000_000 });
    expect(got.creditsExhaustedAt).toEqual(MAX_INPUT_INSTANT);
  });

  it('R28: against the formula in floating point, on random inputs (the overage to within rounding)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 100_000 }),
        fc.integer({ min: 0, max: 60 * DAY }),
        fc.integer({ min: 0, max: 1_000_000 }),
        fc.integer({ min: 0, max: 90 * DAY }),
        fc.integer({ min: 0, max: 100_000 }),
        (credits, sinceFirst, available, left, price) => {
          const first = new Date(NOW.getTime() - sinceFirst);
          const got = creditForecast({
            ...base,
            creditsInWindow: credits,
            firstConsumptionAt: first,
            available,
            periodEnd: new Date(NOW.getTime() + left),
            creditUnitPriceCents: price,
          });
          const days = first < forecastWindow(NOW).start ? 30 : Math.min(30, Math.max(1, sinceFirst / DAY));
          const burn = credits / days;
          expect(got.creditBurnPerDay).toBeCloseTo(burn, 9);
          if (available === 0) expect(got.creditsExhaustedAt).toEqual(NOW);
          else {
            const at = NOW.getTime() + (available / burn) * DAY;
            expect(
              Math.abs(got.creditsExhaustedAt!.getTime() - Math.min(at, MAX_INPUT_INSTANT.getTime())),
            ).toBeLessThan(2);
          }
          const overage = Math.max(0, burn * (left / DAY) - available);
          const added = (got.projectedInvoiceTotalCents - base.upcomingTotalCents) / (price || 1);
          if (price > 0) {
            expect(Number.isInteger(added)).toBe(true);
            expect(added).toBeGreaterThanOrEqual(Math.floor(overage - 1e-6));
            expect(added).toBeLessThanOrEqual(Math.ceil(overage + 1e-6));
            if (overage > 1e-6) expect(added).toBeGreaterThanOrEqual(1);
          }
        },
      ),
    );
  });
});
