import { describe, expect, it } from 'vitest';
import { MAX_PART_SIZE, MAX_PARTS, partSizeFor } from './part-size.js';

const MiB = 1024 * 1024;

describe('partSizeFor', () => {
  it('keeps the configured size while 10,000 parts suffice, or when the length is unknown', () => {
    expect(partSizeFor(8 * MiB, undefined)).toBe(8 * MiB);
    expect(partSizeFor(8 * MiB, 8 * MiB * MAX_PARTS)).toBe(8 * MiB);
  });

  it('grows the parts so that a known length fits in 10,000 of them', () => {
    const total = 8 * MiB * MAX_PARTS + 1;
    const size = partSizeFor(8 * MiB, total);
    expect(size).toBeGreaterThan(8 * MiB);
    expect(Math.ceil(total / size)).toBeLessThanOrEqual(MAX_PARTS);
    const fiveTiB = 5 * 1024 ** 4;
    expect(Math.ceil(fiveTiB / partSizeFor(8 * MiB, fiveTiB))).toBeLessThanOrEqual(MAX_PARTS);
    expect(partSizeFor(8 * MiB, fiveTiB)).toBeLessThanOrEqual(MAX_PART_SIZE);
  });
});
