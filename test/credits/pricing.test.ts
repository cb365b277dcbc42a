import { applyPercentOff, discountPercentFor, quoteCredits } from '../../src/services/credit-pricing';

describe('R12: credit pricing (pure)', () => {
  it.each([
    [1, 0],
    [99, 0],
    [100, 10],
    [499, 10],
    [500, 15],
    [999, 15],
    [1000, 20],
    [100_000, 20],
  ])('R12: %i credits get %i%% off', (quantity, pct) => {
    expect(discountPercentFor(quantity)).toBe(pct);
  });

  it('R12: list price below 100 credits: 99 × $10.00 = $990.00', () => {
    expect(quoteCredits(99, 1000)).toEqual({
      quantity: 99,
      listUnitPriceCents: 1000,
      unitPriceCents: 1000,
      discountPercent: 0,
      subtotalCents: 99_000,
      discountCents: 0,
      totalCents: 99_000,
    });
  });

  it('R12: tier boundaries at the default $10.00 list price', () => {
    expect(quoteCredits(100, 1000)).toMatchObject({
      unitPriceCents: 900,
      subtotalCents: 100_000,
      discountCents: 10_000,
      totalCents: 90_000,
    });
    expect(quoteCredits(500, 1000)).toMatchObject({ unitPriceCents: 850, totalCents: 425_000, discountCents: 75_000 });
    expect(quoteCredits(1000, 1000)).toMatchObject({
      unitPriceCents: 800,
      totalCents: 800_000,
      discountCents: 200_000,
    });
  });

  it('R12: the total is rounded half up from the subtotal, in integer cents', () => {
    // 101 × 333 = 33,633 × 0.9 = 30,269.7 → 30,270; unit 333 × 0.9 = 299.7 → 300
    expect(quoteCredits(101, 333)).toMatchObject({
      subtotalCents: 33_633,
      totalCents: 30_270,
      discountCents: 3_363,
      unitPriceCents: 300,
    });
    // exactly half a cent rounds up: 150 × 0.85 = 127.5 → 128
    expect(applyPercentOff(150, 15)).toBe(128);
    expect(applyPercentOff(149, 15)).toBe(127); // 126.65 → 127
    expect(applyPercentOff(0, 20)).toBe(0);
  });

  it('R12: subtotal = total + discount for every quantity and price tried', () => {
    for (const price of [1, 7, 333, 999, 1000, 1001, 12_345]) {
      for (const quantity of [1, 50, 99, 100, 101, 499, 500, 777, 999, 1000, 4321, 100_000]) {
        const q = quoteCredits(quantity, price);
        expect(Number.isSafeInteger(q.totalCents)).toBe(true);
        expect(q.totalCents + q.discountCents).toBe(q.subtotalCents);
        expect(q.subtotalCents).toBe(price * quantity);
        // the exact total is within half a cent of the real-number product
        expect(Math.abs(q.totalCents * 100 - q.subtotalCents * (100 - q.discountPercent))).toBeLessThanOrEqual(50);
      }
    }
  });

  it.each([0, -1, 100_001, 1.5, Number.NaN])('R12: quantity %p is BAD_USER_INPUT (field quantity)', (quantity) => {
    expect(() => quoteCredits(quantity, 1000)).toThrow(
      expect.objectContaining({ extensions: expect.objectContaining({ code: 'BAD_USER_INPUT', field: 'quantity' }) }),
    );
  });

  it('R34: the largest purchase (100,000 credits at $1,000,000.00) is exact', () => {
    expect(quoteCredits(100_000, 100_000_000)).toMatchObject({
      subtotalCents: 10_000_000_000_000,
      totalCents: 8_000_000_000_000,
      discountCents: 2_000_000_000_000,
    });
  });
});
