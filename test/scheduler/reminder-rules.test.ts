import fc from 'fast-check';
import { reminderDue, REMINDER_OFFSETS_DAYS } from '../../src/services/reminder.service';
import { retryDelayMs, MAX_DELIVERY_ATTEMPTS } from '../../src/services/outbox-deliverer';
import { messageIdFor } from '../../src/notifications/mail-transport';
import { DAY } from '../support/clock';

const issuedAt = new Date('2026-03-01T09:00:00.000Z');
const dueAt = new Date(issuedAt.getTime() + 30 * DAY);
const at = (daysBeforeDue: number) => new Date(dueAt.getTime() - daysBeforeDue * DAY);

describe('R23: which reminder is due', () => {
  it('R23: each offset becomes due at its moment: 15, 7, 3 and 1 days before the due date', () => {
    expect(reminderDue({ issuedAt, dueAt }, at(15.001), [])).toBeNull();
    expect(reminderDue({ issuedAt, dueAt }, at(15), [])).toBe(15);
    expect(reminderDue({ issuedAt, dueAt }, at(7), [15])).toBe(7);
    expect(reminderDue({ issuedAt, dueAt }, at(3), [15, 7])).toBe(3);
    expect(reminderDue({ issuedAt, dueAt }, at(1), [15, 7, 3])).toBe(1);
  });

  it('R23: once queued, the same reminder is not due again', () => {
    expect(reminderDue({ issuedAt, dueAt }, at(14), [15])).toBeNull();
    expect(reminderDue({ issuedAt, dueAt }, at(0.5), [15, 7, 3, 1])).toBeNull();
  });

  it('R23: a late run gets only the latest reminder that is due (due−2d with nothing sent: the 3-day one)', () => {
    expect(reminderDue({ issuedAt, dueAt }, at(2), [])).toBe(3);
    expect(reminderDue({ issuedAt, dueAt }, at(0.25), [15])).toBe(1);
  });

  it('R23: nothing at or after the due date (no "due in 1 day" for an overdue invoice)', () => {
    expect(reminderDue({ issuedAt, dueAt }, dueAt, [15, 7, 3])).toBeNull();
    expect(reminderDue({ issuedAt, dueAt }, at(-3), [])).toBeNull();
  });

  it('R23: moments before the invoice was issued are skipped (10-day terms: no 15-day reminder)', () => {
    const shortTerms = { issuedAt, dueAt: new Date(issuedAt.getTime() + 10 * DAY) };
    expect(reminderDue(shortTerms, issuedAt, [])).toBeNull();
    expect(reminderDue(shortTerms, new Date(issuedAt.getTime() + 3 * DAY), [])).toBe(7);
    const fifteen = { issuedAt, dueAt: new Date(issuedAt.getTime() + 15 * DAY) };
    expect(reminderDue(fifteen, issuedAt, [])).toBeNull(); // the invoice mail itself went out at that moment
  });

  it('R23: never an older reminder after a newer one (also if the test clock goes backwards)', () => {
    expect(reminderDue({ issuedAt, dueAt }, at(10), [3])).toBeNull();
  });

  it('R23 (property): whatever the run times, each reminder at most once, none before its moment, none after the due date, newest last', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 60 }),
        fc.array(fc.integer({ min: -5 * DAY, max: 40 * DAY }), { maxLength: 40 }),
        (termsDays, offsetsMs) => {
          const inv = { issuedAt, dueAt: new Date(issuedAt.getTime() + termsDays * DAY) };
          const runs = offsetsMs
            .map((ms) => new Date(issuedAt.getTime() + ms))
            .sort((a, b) => a.getTime() - b.getTime());
          const queued: number[] = [];
          for (const run of runs) {
            const d = reminderDue(inv, run, queued);
            if (d === null) continue;
            expect(run.getTime()).toBeGreaterThanOrEqual(inv.dueAt.getTime() - d * DAY);
            expect(run.getTime()).toBeLessThan(inv.dueAt.getTime());
            expect(inv.dueAt.getTime() - d * DAY).toBeGreaterThan(inv.issuedAt.getTime());
            queued.push(d);
          }
          expect(new Set(queued).size).toBe(queued.length);
          expect([...queued].sort((a, b) => b - a)).toEqual(queued); // 15 before 7 before 3 before 1
        },
      ),
    );
  });

  it('R23 (property): a run at least every hour sends every reminder whose moment falls after issue, in order', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 60 }), fc.integer({ min: 1, max: 60 }), (termsDays, stepMinutes) => {
        const inv = { issuedAt, dueAt: new Date(issuedAt.getTime() + termsDays * DAY) };
        const queued: number[] = [];
        for (let t = issuedAt.getTime(); t < inv.dueAt.getTime(); t += stepMinutes * 60_000) {
          const d = reminderDue(inv, new Date(t), queued);
          if (d !== null) queued.push(d);
        }
        expect(queued).toEqual(REMINDER_OFFSETS_DAYS.filter((d) => d < termsDays));
      }),
      { numRuns: 40 },
    );
  });
});

describe('R24: delivery rules', () => {
  it('R24: retries back off exponentially and stop after a bounded number of attempts', () => {
    expect(MAX_DELIVERY_ATTEMPTS).toBe(5);
    expect([1, 2, 3, 4].map(retryDelayMs)).toEqual([60_000, 300_000, 1_500_000, 7_500_000]);
  });

  it('R24: the Message-ID is derived from the notification id, on the From domain', () => {
    expect(messageIdFor('abc-1', 'Opus Billing <billing@opus.so>')).toBe('<notification.abc-1@opus.so>');
    expect(messageIdFor('abc-1', 'billing@example.test')).toBe('<notification.abc-1@example.test>');
  });
});
