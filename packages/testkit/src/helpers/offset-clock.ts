import type { Clock } from '@stowage/core';

/**
 * Real time plus a settable offset. Unlike a frozen manual clock it keeps ticking, so a store
 * that signs with it against a real server stays current over a long run; `set` moves it (for
 * example into the past, to sign an already-expired presigned URL) and it ticks on from there.
 * Pass it as both the store's clock and the conformance suite's `clock` (with `readBy: 'signer'`
 * when a real server, which keeps its own time, verifies).
 */
export class OffsetClock implements Clock {
  private offsetMs: number;

  constructor(start?: Date) {
    this.offsetMs = start === undefined ? 0 : start.getTime() - Date.now();
  }

  now(): Date {
    return new Date(Date.now() + this.offsetMs);
  }

  /** From this instant `now()` reads `date`, and then ticks on in real time. */
  set(date: Date): void {
    this.offsetMs = date.getTime() - Date.now();
  }

  /** Moves the clock forward by `ms` (backward when negative). */
  advance(ms: number): void {
    this.offsetMs += ms;
  }

  /** Back to real time. */
  reset(): void {
    this.offsetMs = 0;
  }
}
