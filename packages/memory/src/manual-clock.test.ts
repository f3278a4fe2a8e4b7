import { isStorageError } from '@stowage/core';
import { describe, expect, it } from 'vitest';
import { MANUAL_CLOCK_DEFAULT_START, ManualClock } from './manual-clock.js';

describe('ManualClock', () => {
  it('starts at the given date, or at a fixed default', () => {
    expect(new ManualClock(new Date('2030-05-06T07:08:09Z')).now().toISOString()).toBe(
      '2030-05-06T07:08:09.000Z',
    );
    expect(new ManualClock().now().getTime()).toBe(MANUAL_CLOCK_DEFAULT_START.getTime());
  });

  it('stands still until advanced', () => {
    const clock = new ManualClock(new Date(1_000));
    expect(clock.now().getTime()).toBe(1_000);
    expect(clock.now().getTime()).toBe(1_000);
    expect(clock.advance(250).getTime()).toBe(1_250);
    clock.advance(0);
    expect(clock.now().getTime()).toBe(1_250);
  });

  it('jumps with set, backwards too', () => {
    const clock = new ManualClock(new Date(10_000));
    clock.set(new Date(5_000));
    expect(clock.now().getTime()).toBe(5_000);
  });

  it('hands out copies: mutating a returned Date does not move the clock', () => {
    const start = new Date(42);
    const clock = new ManualClock(start);
    start.setTime(99);
    clock.now().setTime(1234);
    expect(clock.now().getTime()).toBe(42);
    const target = new Date(7);
    clock.set(target);
    target.setTime(8);
    expect(clock.now().getTime()).toBe(7);
  });

  it('refuses bad input with InvalidInput and keeps its time', () => {
    const clock = new ManualClock(new Date(100));
    for (const bad of [-1, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(() => clock.advance(bad)).toThrow(expect.objectContaining({ kind: 'InvalidInput' }));
    }
    let caught: unknown;
    try {
      clock.set(new Date('not a date'));
    } catch (e) {
      caught = e;
    }
    expect(isStorageError(caught, 'InvalidInput')).toBe(true);
    expect(() => new ManualClock(new Date(Number.NaN))).toThrow(/valid Date/);
    expect(clock.now().getTime()).toBe(100);
  });
});
