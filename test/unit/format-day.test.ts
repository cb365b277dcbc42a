import fc from 'fast-check';
import { formatDay } from '../../src/services/invoice-lines';

/** What invoice lines printed before the formatter was shared; the new one must print the same bytes. */
const formattedPerCall = (d: Date) =>
  d.toLocaleDateString('en-US', { month: 'short', day: 'numeric', year: 'numeric', timeZone: 'UTC' });

describe('formatDay: one shared formatter, the same text as toLocaleDateString per call', () => {
  const edges = [
    '2024-12-31T23:59:59.999Z',
    '2025-01-01T00:00:00.000Z', // year end in UTC
    '2024-02-28T23:59:59.999Z',
    '2024-02-29T00:00:00.000Z',
    '2024-02-29T23:59:59.999Z',
    '2024-03-01T00:00:00.000Z', // leap day
    '2023-02-28T12:00:00.000Z',
    '2023-03-01T00:00:00.000Z',
    '2000-02-29T00:00:00.000Z',
    '2100-03-01T00:00:00.000Z',
    '1970-01-01T00:00:00.000Z',
    '1969-12-31T23:59:59.999Z',
    '9999-12-31T23:59:59.999Z',
    '0001-01-01T00:00:00.000Z',
    '2025-03-09T07:00:00.000Z',
    '2025-11-02T06:00:00.000Z', // US daylight-saving switches: UTC is unaffected
  ];

  it.each(edges)('%s', (iso) => {
    const d = new Date(iso);
    expect(formatDay(d)).toBe(formattedPerCall(d));
  });

  it('the UTC day, not the local one', () => {
    expect(formatDay(new Date('2024-12-31T23:59:59.999Z'))).toBe('Dec 31, 2024');
    expect(formatDay(new Date('2025-01-01T00:00:00.000Z'))).toBe('Jan 1, 2025');
    expect(formatDay(new Date('2024-02-29T00:00:00.000Z'))).toBe('Feb 29, 2024');
  });

  it('every instant in years 1900–2200 (property)', () => {
    const from = Date.UTC(1900, 0, 1);
    const to = Date.UTC(2200, 11, 31, 23, 59, 59, 999);
    fc.assert(
      fc.property(fc.integer({ min: from, max: to }), (ms) => {
        const d = new Date(ms);
        expect(formatDay(d)).toBe(formattedPerCall(d));
      }),
      { numRuns: 2000 },
    );
  });

  it('each day of a leap year and the days around it', () => {
    for (let ms = Date.UTC(2023, 11, 30); ms <= Date.UTC(2025, 0, 2); ms += 86_400_000) {
      for (const offset of [0, 86_399_999]) {
        const d = new Date(ms + offset);
        expect(formatDay(d)).toBe(formattedPerCall(d));
      }
    }
  });
});
