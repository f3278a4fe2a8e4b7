import { compareKeys, isCommonPrefix, type ListEntry, StorageError } from '@stowage/core';
import { levelFolder } from './page-from-sorted.js';

/**
 * Passes a listing through, failing with `Unexpected` as soon as it goes backwards: every
 * entry must come after the previous one and after the start position (except, first, the
 * folder of the listed level that holds a start position below it). A backend that repeats
 * or reorders entries then fails loudly instead of making a caller loop or list a key twice.
 */
export async function* guardProgress(
  entries: AsyncIterable<ListEntry>,
  query: { prefix?: string; delimiter?: string; after?: string },
  ctx: { operation?: string; backend?: string } = {},
): AsyncGenerator<ListEntry> {
  let floor = query.after;
  let first = true;
  for await (const entry of entries) {
    const position = isCommonPrefix(entry) ? entry.prefix : entry.key;
    if (floor !== undefined && compareKeys(position, floor) <= 0) {
      const enclosing =
        first &&
        query.delimiter !== undefined &&
        query.after !== undefined &&
        query.after !== position &&
        query.after.startsWith(position) &&
        levelFolder(query.prefix ?? '', position, query.delimiter) === position;
      if (!enclosing) {
        throw new StorageError(
          'Unexpected',
          `${ctx.backend ?? 'The store'} listed ${JSON.stringify(position)} after ${JSON.stringify(floor)}: a listing must move forward in byte order`,
          ctx,
        );
      }
    }
    floor = position;
    first = false;
    yield entry;
  }
}
