import { compareKeys } from '@stowage/core';

/**
 * Index of the first key after `position` in byte order (`inclusive`: at or after), by
 * binary search over keys sorted with `compareKeys`.
 */
export function sortedIndexAfter(keys: readonly string[], position: string, inclusive: boolean): number {
  let lo = 0;
  let hi = keys.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const c = compareKeys(keys[mid]!, position);
    if (c < 0 || (c === 0 && !inclusive)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Inserts `key` keeping the order; no-op when present. */
export function insertSorted(keys: string[], key: string): void {
  const at = sortedIndexAfter(keys, key, true);
  if (keys[at] !== key) keys.splice(at, 0, key);
}

export function removeSorted(keys: string[], key: string): void {
  const at = sortedIndexAfter(keys, key, true);
  if (keys[at] === key) keys.splice(at, 1);
}
