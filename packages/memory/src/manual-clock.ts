import { type Clock, StorageError } from '@stowage/core';

/** Where a `ManualClock` starts when no start is given: fixed, so runs are reproducible. */
export const MANUAL_CLOCK_DEFAULT_START = new Date('2025-01-01T00:00:00.000Z');

/**
 * A clock that only moves when told to: tests drive presign expiry, TTLs and date keys
 * with it instead of sleeping.
 */
export class ManualClock implements Clock {
  private ms: number;

  /** @throws InvalidInput for an invalid date. */
  constructor(start: Date = MANUAL_CLOCK_DEFAULT_START) {
    this.ms = toMs(start, 'start');
  }

  /** A fresh Date each call, so callers mutating it cannot move the clock. */
  now(): Date {
    return new Date(this.ms);
  }

  /**
   * Moves the clock forward.
   * @throws InvalidInput for a negative or non-finite amount (time does not run backwards; use `set`).
   */
  advance(ms: number): Date {
    if (typeof ms !== 'number' || !Number.isFinite(ms) || ms < 0) {
      throw new StorageError(
        'InvalidInput',
        `advance() takes a finite, non-negative number of ms; got ${String(ms)}`,
      );
    }
    this.ms += ms;
    return this.now();
  }

  /** Jumps to `date` (backwards too). @throws InvalidInput for an invalid date. */
  set(date: Date): void {
    this.ms = toMs(date, 'date');
  }
}

function toMs(date: Date, what: string): number {
  const ms = date instanceof Date ? date.getTime() : Number.NaN;
  if (Number.isNaN(ms)) throw new StorageError('InvalidInput', `ManualClock ${what} must be a valid Date`);
  return ms;
}
