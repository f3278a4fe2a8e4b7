import { compareKeys, isCommonPrefix, type ListEntry, StorageError } from '@stowage/core';
import { levelFolder } from './page-from-sorted.js';

/**
 * Passes a listing through, failing with `Unexpected` as soon as it goes backwards: every
 * entry must come after the previous one and after the start position (except, first, the
 * folder of the listed level that holds a start position below it). A backend that repeats
 * or reorders entries then fails loudly instead of making a caller loop or list a key twice.
 * `hint`, when given, is appended to the message (what a misconfigured backend should change).
 */
export async function* guardProgress(
  entries: AsyncIterable<ListEntry>,
  query: { prefix?: string; delimiter?: string; after?: string },
  ctx: { operation?: string; backend?: string } = {},
  hint?: string,
): AsyncGenerator<ListEntry> {
  const check = progressGuard(query, ctx, hint);
  for await (const entry of entries) {
    check(entry);
    yield entry;
  }
}

/**
 * The check `guardProgress` applies, as a function to call on each entry in order: for a
 * loop that does more per entry, so the listing needs no generator of its own.
 * @throws Unexpected (from the returned function) when an entry does not move forward.
 */
export function progressGuard(
  query: { prefix?: string; delimiter?: string; after?: string },
  ctx: { operation?: string; backend?: string } = {},
  hint?: string,
): (entry: ListEntry) => void {
  const { after, delimiter } = query;
  let floor = after;
  let first = true;
  return (entry) => {
    const position = isCommonPrefix(entry) ? entry.prefix : entry.key;
    if (floor !== undefined && compareKeys(position, floor) <= 0) {
      const enclosing =
        first &&
        delimiter !== undefined &&
        after !== undefined &&
        after !== position &&
        after.startsWith(position) &&
        levelFolder(query.prefix ?? '', position, delimiter) === position;
      if (!enclosing) {
        throw new StorageError(
          'Unexpected',
          `${ctx.backend ?? 'The store'} listed ${JSON.stringify(position)} after ${JSON.stringify(floor)}: a listing must move forward in byte order${hint === undefined ? '' : `; ${hint}`}`,
          ctx,
        );
      }
    }
    floor = position;
    first = false;
  };
}
