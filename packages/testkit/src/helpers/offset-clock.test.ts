import { describe, expect, it } from 'vitest';
import { OffsetClock } from './offset-clock.js';

describe('OffsetClock', () => {
  it('follows real time, and set/advance/reset move it by an offset it keeps', () => {
    const clock = new OffsetClock();
    const before = Date.now();
    expect(clock.now().getTime()).toBeGreaterThanOrEqual(before);
    const past = new Date(before - 2 * 3600_000);
    clock.set(past);
    const read = clock.now().getTime();
    expect(read).toBeGreaterThanOrEqual(past.getTime());
    expect(read).toBeLessThan(before);
    clock.advance(2 * 3600_000);
    expect(clock.now().getTime()).toBeGreaterThanOrEqual(before);
    clock.reset();
    expect(Math.abs(clock.now().getTime() - Date.now())).toBeLessThan(3600_000);
    expect(new OffsetClock(past).now().getTime()).toBeLessThan(before);
  });
});
