import { compareKeys, StorageError } from '@stowage/core';

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

export const DEFAULT_QUERY_LIMIT = 100;
export const MAX_QUERY_LIMIT = 1000;

/** @throws InvalidInput for a limit that is not an integer from 1 to 1000. */
export function resolveLimit(
  limit: number | undefined,
  ctx: { operation?: string; backend?: string },
): number {
  if (limit === undefined) return DEFAULT_QUERY_LIMIT;
  if (!Number.isSafeInteger(limit) || limit < 1 || limit > MAX_QUERY_LIMIT) {
    throw new StorageError(
      'InvalidInput',
      `limit must be an integer from 1 to ${MAX_QUERY_LIMIT}; got ${limit}`,
      ctx,
    );
  }
  return limit;
}
