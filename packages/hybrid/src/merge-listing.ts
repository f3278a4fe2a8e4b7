import {
  compareKeys,
  isCommonPrefix,
  type ListEntry,
  type ListPage,
  type ObjectSummary,
} from '@stowage/core';
import { decodeKeyCursor, mergePage } from '@stowage/kit';
import type { Side } from './routing.js';

/*
 * The pure part of the listing merge: pages of the two sides, as far as each can vouch for
 * them, merged into one position-ordered sequence. What is kept of it is decided in
 * `list-merged.ts`.
 */

/** One side's listing from a position: its entries in order, and how far they are complete. */
export interface SideListing {
  entries: ListEntry[];
  /** The last position this listing covers when more may follow it; undefined: complete. */
  bound: string | undefined;
}

/** One entry of the two sides' listings at the same position. */
export interface MergedEntry {
  /** A key, or a folder ending in the delimiter. */
  position: string;
  folder: boolean;
  from?: ObjectSummary | true;
  to?: ObjectSummary | true;
}

export function positionOf(entry: ListEntry): string {
  return isCommonPrefix(entry) ? entry.prefix : entry.key;
}

/** A page as a side listing: complete without a cursor, else covered up to its last entry (or its cursor when empty). */
export function sideListing(page: ListPage): SideListing {
  const entries = mergePage(page);
  if (page.cursor === undefined) return { entries, bound: undefined };
  const last = entries.at(-1);
  return { entries, bound: last === undefined ? decodeKeyCursor(page.cursor) : positionOf(last) };
}

/** The smaller of two bounds (undefined, complete, is the largest). */
function lowerBound(a: string | undefined, b: string | undefined): string | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return compareKeys(a, b) <= 0 ? a : b;
}

/**
 * Two listings of the same side from the same position, as one: entries of either (the
 * later one's summary wins), up to the bound of the shorter one (past it, one of them saw nothing).
 */
export function unionListings(a: SideListing, b: SideListing): SideListing {
  const bound = lowerBound(a.bound, b.bound);
  const byPosition = new Map<string, ListEntry>();
  for (const entry of [...a.entries, ...b.entries]) {
    const position = positionOf(entry);
    if (bound === undefined || compareKeys(position, bound) <= 0) byPosition.set(position, entry);
  }
  const entries = [...byPosition.values()].sort((x, y) => compareKeys(positionOf(x), positionOf(y)));
  return { entries, bound };
}

/**
 * Merges the two sides into position order, pairing equal positions. Only positions both
 * listings vouch for are returned: past the bound of a side that has more, that side's
 * entries are unknown, so the merge stops there and returns that bound.
 */
export function mergeSides(
  from: SideListing,
  to: SideListing,
): { entries: MergedEntry[]; bound: string | undefined } {
  const bound = lowerBound(from.bound, to.bound);
  const a = from.entries;
  const b = to.entries;
  const out: MergedEntry[] = [];
  const put = (entry: ListEntry, side: Side, target?: MergedEntry): MergedEntry => {
    const merged = target ?? { position: positionOf(entry), folder: isCommonPrefix(entry) };
    merged[side] = isCommonPrefix(entry) ? true : entry;
    return merged;
  };
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    const ea = a[i];
    const eb = b[j];
    const c = ea === undefined ? 1 : eb === undefined ? -1 : compareKeys(positionOf(ea), positionOf(eb));
    let merged: MergedEntry;
    if (c < 0) {
      merged = put(ea!, 'from');
      i++;
    } else if (c > 0) {
      merged = put(eb!, 'to');
      j++;
    } else {
      merged = put(eb!, 'to', put(ea!, 'from'));
      i++;
      j++;
    }
    if (bound !== undefined && compareKeys(merged.position, bound) > 0) break;
    out.push(merged);
  }
  return { entries: out, bound };
}
