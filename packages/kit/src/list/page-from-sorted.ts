import {
  assertValidPrefix,
  compareKeys,
  type ListPage,
  type ListPageOptions,
  type ObjectSummary,
  StorageError,
} from '@stowage/core';
import { decodeKeyCursor, encodeKeyCursor } from './cursor.js';

export const DEFAULT_PAGE_LIMIT = 1000;

/** Validates listing options shared by every adapter and resolves where the page starts. */
export function resolveListStart(
  options: ListPageOptions,
  ctx: { operation?: string; backend?: string } = {},
): { prefix: string; after: string | undefined; limit: number } {
  const prefix = options.prefix ?? '';
  assertValidPrefix(prefix, ctx);
  if (options.delimiter !== undefined && options.delimiter !== '/') {
    throw new StorageError(
      'InvalidInput',
      `Only "/" is a portable delimiter; got ${JSON.stringify(options.delimiter)}`,
      ctx,
    );
  }
  const limit = options.limit ?? DEFAULT_PAGE_LIMIT;
  if (!Number.isSafeInteger(limit) || limit < 1 || limit > 10_000) {
    throw new StorageError('InvalidInput', `limit must be an integer from 1 to 10000; got ${limit}`, ctx);
  }
  let after = options.startAfter;
  if (options.cursor !== undefined) {
    const fromCursor = decodeKeyCursor(options.cursor, ctx);
    // A cursor on the folder that holds startAfter (listed because keys in it follow
    // startAfter) is past startAfter in listing order, though before it in byte order.
    const enclosing =
      after?.startsWith(fromCursor) && levelFolder(prefix, fromCursor, options.delimiter) === fromCursor;
    if (after === undefined || compareKeys(fromCursor, after) > 0 || enclosing) after = fromCursor;
  }
  return { prefix, after, limit };
}

/**
 * With a delimiter, a position naming a folder of the listed level (the cursor after a
 * folder entry) stands for the whole folder: the folder's keys are behind it too. Returns
 * that folder, or undefined when `after` is a plain byte position.
 */
export function levelFolder(
  prefix: string,
  after: string | undefined,
  delimiter: string | undefined,
): string | undefined {
  if (delimiter === undefined || after === undefined || !after.endsWith(delimiter)) return undefined;
  const dir = prefix.slice(0, prefix.lastIndexOf(delimiter) + 1);
  if (!after.startsWith(dir)) return undefined;
  const rest = after.slice(dir.length);
  return rest.length > delimiter.length && rest.indexOf(delimiter) === rest.length - delimiter.length
    ? after
    : undefined;
}

/** Whether `key` comes after the position `after`; keys in `skipFolder` (see `levelFolder`) never do. */
export function isAfter(key: string, after: string | undefined, skipFolder?: string): boolean {
  if (after === undefined) return true;
  if (skipFolder !== undefined && key.startsWith(skipFolder)) return false;
  return compareKeys(key, after) > 0;
}

/** Index of the first element whose key is > `after` in byte order (binary search). */
export function firstIndexAfter(sorted: readonly { key: string }[], after: string | undefined): number {
  if (after === undefined) return 0;
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (compareKeys(sorted[mid]!.key, after) <= 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * Every entry of a listing over objects already sorted by key in byte order, lazily: keys
 * under `prefix` after `after`, with a delimiter folded into folders. Stores that hold an
 * index (memory) list with it, and `pageFromSorted` (the reference the conformance suite
 * compares every store with) pages with it.
 */
export function* entriesFromSorted<T extends { key: string }>(
  sorted: readonly T[],
  query: { prefix: string; delimiter?: string | undefined; after?: string | undefined },
): Generator<T | { prefix: string }> {
  const { prefix, delimiter, after } = query;
  const skipFolder = levelFolder(prefix, after, delimiter);
  let last: string | undefined;
  let start = firstIndexAfter(sorted, after === undefined || compareKeys(after, prefix) < 0 ? prefix : after);
  // firstIndexAfter is exclusive; a key equal to the prefix itself must still be listed.
  if (
    start > 0 &&
    sorted[start - 1]!.key === prefix &&
    (after === undefined || compareKeys(prefix, after) > 0)
  ) {
    start--;
  }
  for (let i = start; i < sorted.length; i++) {
    const entry = sorted[i]!;
    if (!entry.key.startsWith(prefix)) {
      if (compareKeys(entry.key, prefix) > 0) return;
      continue;
    }
    if (!isAfter(entry.key, after, skipFolder)) continue;
    if (delimiter !== undefined) {
      const rest = entry.key.slice(prefix.length);
      const at = rest.indexOf(delimiter);
      if (at >= 0) {
        const folder = prefix + rest.slice(0, at + delimiter.length);
        if (folder === last) continue;
        last = folder;
        yield { prefix: folder };
        continue;
      }
    }
    last = entry.key;
    yield entry;
  }
}

/** One listing page over objects already sorted by key in byte order (the reference pager). */
export function pageFromSorted(
  sorted: readonly ObjectSummary[],
  options: ListPageOptions,
  ctx: { operation?: string; backend?: string } = {},
): ListPage {
  const { prefix, after, limit } = resolveListStart(options, ctx);
  const page: ListPage = { items: [], prefixes: [] };
  let count = 0;
  let last: string | undefined;
  for (const entry of entriesFromSorted(sorted, { prefix, delimiter: options.delimiter, after })) {
    if (count === limit) return { ...page, cursor: encodeKeyCursor(last!) };
    if ('key' in entry) {
      page.items.push(entry);
      last = entry.key;
    } else {
      page.prefixes.push(entry.prefix);
      last = entry.prefix;
    }
    count++;
  }
  return page;
}
