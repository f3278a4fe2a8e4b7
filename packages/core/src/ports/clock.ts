/** The time. Everything time-based (expiry, date keys, lifecycle, TTLs) reads it. */
export interface Clock {
  now(): Date;
}

export class SystemClock implements Clock {
  now(): Date {
    return new Date();
  }
}
