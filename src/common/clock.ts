/** The one source of "now" for services, so tests and the test clock can drive time. */
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };
