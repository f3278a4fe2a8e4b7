import type { ListPage, ObjectSummary } from '@stowage/core';
import { encodeKeyCursor } from '@stowage/kit';
import { describe, expect, it } from 'vitest';
import { mergeSides, sideListing, unionListings } from './merge-listing.js';

const item = (key: string): ObjectSummary => ({ key, size: 1, etag: '"e"', lastModified: new Date(0) });
const page = (keys: string[], prefixes: string[] = [], cursor?: string): ListPage => {
  const out: ListPage = { items: keys.map(item), prefixes };
  if (cursor !== undefined) out.cursor = encodeKeyCursor(cursor);
  return out;
};
const positions = (merged: ReturnType<typeof mergeSides>) => merged.entries.map((entry) => entry.position);

describe('the listing merge', () => {
  it('pairs equal positions and stops at the bound of a side that has more', () => {
    const merged = mergeSides(
      sideListing(page(['a', 'c', 'e'], [], 'e')),
      sideListing(page(['b', 'c', 'd', 'f'])),
    );
    expect(positions(merged)).toEqual(['a', 'b', 'c', 'd', 'e']);
    expect(merged.entries[2]).toMatchObject({ from: { key: 'c' }, to: { key: 'c' } });
    expect(merged.bound).toBe('e');
  });

  it('is complete (no bound) when neither side has more', () => {
    const merged = mergeSides(sideListing(page(['a'], ['d/'])), sideListing(page(['b'])));
    expect(positions(merged)).toEqual(['a', 'b', 'd/']);
    expect(merged.entries[2]?.folder).toBe(true);
    expect(merged.bound).toBeUndefined();
  });

  it('an empty page that says more follow bounds the merge at its cursor instead of ending it', () => {
    const merged = mergeSides(sideListing(page([], [], 'm')), sideListing(page(['b', 'x'])));
    expect(positions(merged)).toEqual(['b']);
    expect(merged.bound).toBe('m');
  });

  it('a union of two listings of one side keeps what either saw, up to the shorter one', () => {
    const union = unionListings(sideListing(page(['a', 'b'], [], 'b')), sideListing(page(['a', 'c', 'd'])));
    expect(union.entries.map((entry) => ('key' in entry ? entry.key : entry.prefix))).toEqual(['a', 'b']);
    expect(union.bound).toBe('b');
  });
});
