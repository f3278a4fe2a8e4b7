import { describe, expect, it } from 'vitest';
import { objectStoreConformanceCaseNames } from './describe-object-store-conformance.js';

describe('ObjectStore conformance inventory', () => {
  const names = objectStoreConformanceCaseNames();

  it('registers at least 90 cases', () => {
    expect(names.length).toBeGreaterThanOrEqual(90);
  });

  it('names every case uniquely, so reports and skip lists are unambiguous', () => {
    const dupes = names.filter((n, i) => names.indexOf(n) !== i);
    expect(dupes).toEqual([]);
  });
});
