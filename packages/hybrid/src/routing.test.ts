import { isStorageError } from '@stowage/core';
import { describe, expect, it } from 'vitest';
import { assertPercentage, routeFor, routingBucket } from './routing.js';

describe('routingBucket', () => {
  it('is the frozen formula: sha256(utf8 key)[0..4] big-endian mod 100', () => {
    // Pinned values: if these change, every deployed rollout would silently re-route keys.
    expect(routingBucket('a')).toBe(10); // 0xca978112 = 3398926610
    expect(routingBucket('photos/2024/cat.jpg')).toBe(87);
    expect(routingBucket('ü/emoji 🎉.txt')).toBe(56);
    expect(routingBucket('data/1/item-1.json')).toBe(18);
  });

  it('spreads sequential keys evenly over the 100 buckets', () => {
    const counts = new Array<number>(100).fill(0);
    const n = 200_000;
    for (let i = 0; i < n; i++) counts[routingBucket(`uploads/2024/06/img-${i}.jpg`)]!++;
    const expected = n / 100;
    for (const count of counts) {
      expect(count).toBeGreaterThan(expected * 0.9);
      expect(count).toBeLessThan(expected * 1.1);
    }
  });
});

describe('routeFor', () => {
  const keys = Array.from({ length: 20_000 }, (_, i) => `k/${i}`);

  it('sends about `percentage` percent of keys to `to`', () => {
    for (const percentage of [0, 1, 10, 50, 99, 100]) {
      const share = keys.filter((key) => routeFor(key, percentage) === 'to').length / keys.length;
      expect(Math.abs(share - percentage / 100)).toBeLessThan(0.015);
    }
    expect(keys.every((key) => routeFor(key, 0) === 'from')).toBe(true);
    expect(keys.every((key) => routeFor(key, 100) === 'to')).toBe(true);
  });

  it('raising the percentage only moves keys from → to; lowering only moves them back', () => {
    for (let p = 0; p < 100; p++) {
      for (const key of keys.slice(0, 2_000)) {
        if (routeFor(key, p) === 'to') expect(routeFor(key, p + 1)).toBe('to');
      }
    }
  });
});

describe('assertPercentage', () => {
  it('accepts integers 0..100', () => {
    for (const p of [0, 1, 50, 100]) expect(() => assertPercentage(p)).not.toThrow();
  });

  it('refuses anything else with InvalidInput', () => {
    for (const p of [-1, 101, 10.5, Number.NaN, Number.POSITIVE_INFINITY, '50', null, undefined]) {
      let caught: unknown;
      try {
        assertPercentage(p);
      } catch (error) {
        caught = error;
      }
      expect(isStorageError(caught, 'InvalidInput'), String(p)).toBe(true);
    }
  });
});
