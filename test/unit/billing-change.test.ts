import fc from 'fast-check';
import { Contract, LicenseKind } from '../../entities';
import { previewInvoiceId, validateBillingChange } from '../../src/services/billing-change.service';
import { creditCrossings } from '../../src/services/credit-alerts';
import { licenseLimitRefusal, overageHolds } from '../../src/services/license.service';
import { contractWithTerms } from '../../src/services/organization.service';
import { peakAfterChange } from '../../src/services/usage.service';
import { bruteForcePeak, TimelineEvent } from '../support/peak-oracle';

const START = new Date('2026-03-01T00:00:00.000Z');
const at = (ms: number) => new Date(START.getTime() + ms);

const contract = (terms: Partial<Contract>): Contract =>
  ({
    licenseModel: LicenseKind.USER,
    contractedSeats: 2,
    seatPriceCents: 1500,
    contractedLocations: 0,
    locationPriceCents: 0,
    creditUnitPriceCents: 1000,
    allowOverage: true,
    paymentTermsDays: 30,
    ...terms,
  }) as Contract;

describe('R32: the pure parts of previewBillingChange', () => {
  it('R32, R9: the peak after licenses changed now is the R9 peak of the timeline with those events added at now', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ ms: fc.integer({ min: 1, max: 50 }), delta: fc.constantFrom(1, 1, -1) }), {
          maxLength: 40,
        }),
        fc.integer({ min: -5, max: 5 }),
        (raw, delta) => {
          // A history whose level never goes below zero, then `delta` more at `now`, after every event.
          const events: TimelineEvent[] = [];
          let level = 0;
          for (const { ms, delta: d } of raw) {
            if (level + d < 0) continue;
            level += d;
            events.push({ at: at(ms), delta: d });
          }
          const change = Math.max(delta, -level);
          const now = at(60);
          const before = bruteForcePeak(events, START, now);
          const changed = [
            ...events,
            ...Array.from({ length: Math.abs(change) }, () => ({ at: now, delta: Math.sign(change) })),
          ];
          // The invoice read just after the change covers `now` itself.
          expect(peakAfterChange(before, level, change, now)).toEqual(bruteForcePeak(changed, START, at(61)));
        },
      ),
    );
  });

  it('R32: the proposed id is the current one with a hash of the change: stable, canonical, distinct, at most 64 characters', () => {
    const current = 'upcoming-0f8b6c1e-6a1d-4d3e-9b1a-2f3c4d5e6f70';
    const a = previewInvoiceId(current, {
      seatDelta: 3,
      contract: { licenseModel: LicenseKind.USER, contractedSeats: 4 },
    });
    expect(a).toMatch(/^upcoming-0f8b6c1e-6a1d-4d3e-9b1a-2f3c4d5e6f70:preview-[0-9a-f]{8}$/);
    expect(a.length).toBeLessThanOrEqual(64);
    // The same change however it is spelled: key order, nulls and zeros left out.
    expect(
      previewInvoiceId(current, {
        contract: { contractedSeats: 4, licenseModel: LicenseKind.USER, allowOverage: null },
        seatDelta: 3,
        locationDelta: 0,
        creditPurchase: null,
      }),
    ).toBe(a);
    expect(previewInvoiceId(current, { seatDelta: 2 })).not.toBe(previewInvoiceId(current, { seatDelta: 3 }));
    expect(previewInvoiceId(current, {})).not.toBe(current);
  });

  it('R32: deltas are whole numbers within R34 bound; the credit purchase is checked as purchaseCredits checks it', () => {
    expect(validateBillingChange({ seatDelta: -2, locationDelta: 3 })).toEqual({
      [LicenseKind.USER]: -2,
      [LicenseKind.LOCATION]: 3,
    });
    expect(validateBillingChange({})).toEqual({ [LicenseKind.USER]: 0, [LicenseKind.LOCATION]: 0 });
    expect(() => validateBillingChange({ seatDelta: 1.5 })).toThrow(
      expect.objectContaining({ code: 'BAD_USER_INPUT' }),
    );
    expect(() => validateBillingChange({ locationDelta: 10_000_001 })).toThrow(/locationDelta/);
    expect(() => validateBillingChange({ creditPurchase: 0 })).toThrow(
      expect.objectContaining({
        code: 'BAD_USER_INPUT',
        extensions: expect.objectContaining({ field: 'creditPurchase' }),
      }),
    );
  });

  it('R11, R25: the contract refuses only activations beyond it without overage; the overage holds only for its model', () => {
    const strict = contract({ allowOverage: false });
    expect(licenseLimitRefusal(strict, LicenseKind.USER, 2)).toBeNull();
    expect(licenseLimitRefusal(strict, LicenseKind.USER, 3)).toMatch(/includes 2 seats and does not allow overage/);
    expect(licenseLimitRefusal(strict, LicenseKind.LOCATION, 9)).toBeNull(); // not billed by locations
    expect(licenseLimitRefusal(contract({}), LicenseKind.USER, 9)).toBeNull();
    expect(overageHolds(contract({}), LicenseKind.USER, 3)).toBe(true);
    expect(overageHolds(contract({}), LicenseKind.USER, 2)).toBe(false);
    expect(overageHolds(contract({}), LicenseKind.LOCATION, 3)).toBe(false);
  });

  it('R32: a contract with terms is a copy, as updateContract would leave it', () => {
    const stored = contract({ contractedSeats: 2 });
    const next = contractWithTerms(stored, {
      licenseModel: LicenseKind.LOCATION,
      contractedLocations: 3,
      seatPriceCents: null,
    });
    expect(next).toMatchObject({ licenseModel: LicenseKind.LOCATION, contractedLocations: 3, seatPriceCents: 1500 });
    expect(stored.licenseModel).toBe(LicenseKind.USER);
  });

  it('R16, R25: a purchase recovers low credits; a fall crosses the low mark and zero once', () => {
    expect(creditCrossings({ before: 0, after: 10, reference: 10 })).toEqual({
      recovers: true,
      low: false,
      depleted: false,
    });
    expect(creditCrossings({ before: 5, after: 1, reference: 10 })).toEqual({
      recovers: false,
      low: true,
      depleted: false,
    });
    expect(creditCrossings({ before: 1, after: 0, reference: 10 })).toEqual({
      recovers: false,
      low: false,
      depleted: true,
    });
  });
});
