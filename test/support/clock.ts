import type { Clock } from '../../src/common/clock';

export const MINUTE = 60_000;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;

/**
 * The app's one source of "now" (AppOptions.clock), moved by the test: set to an instant or advanced by a duration.
 * While `ticking`, every reading is one second after the previous one, so rows written in one request get distinct
 * instants.
 */
export class ManualClock implements Clock {
  ticking = false;

  constructor(public current = new Date()) {}

  now(): Date {
    if (this.ticking) this.current = new Date(this.current.getTime() + 1000);
    return new Date(this.current.getTime());
  }

  set(at: Date | string, ticking = false): void {
    this.current = new Date(at);
    this.ticking = ticking;
  }

  advance(ms: number): void {
    this.current = new Date(this.current.getTime() + ms);
  }
}
