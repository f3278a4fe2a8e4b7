import { compareKeys, type ListPage, StorageError } from '@stowage/core';
import { decodeKeyCursor } from './cursor.js';
import { mergePage } from './merge-page.js';
import { levelFolder } from './page-from-sorted.js';

/**
 * Checks that a page moves forward from the position it was asked for: entries strictly
 * ascending, all after `after`, and a cursor past `after`. Whoever follows cursors runs
 * this on every page, so a store that repeats or reorders entries fails loudly with
 * `Unexpected` instead of looping forever or listing a key twice.
 *
 * With a delimiter, a start position below the listed level may come back as the folder
 * that holds it (`bo/` for `bo/x`), first in the page.
 * @throws Unexpected naming the store and both positions.
 */
export function assertPageProgress(
  page: ListPage,
  after: string | undefined,
  query: { prefix?: string; delimiter?: string },
  ctx: { operation?: string; backend?: string } = {},
): void {
  const fail = (what: string): never => {
    throw new StorageError(
      'Unexpected',
      `${ctx.backend ?? 'The store'} returned a listing page that ${what}`,
      ctx,
    );
  };
  let floor = after;
  for (const [i, entry] of mergePage(page).entries()) {
    const position = 'key' in entry ? entry.key : entry.prefix;
    if (
      floor !== undefined &&
      compareKeys(position, floor) <= 0 &&
      !(i === 0 && encloses(position, after, query))
    ) {
      fail(`goes backwards: ${JSON.stringify(position)} is not after ${JSON.stringify(floor)}`);
    }
    floor = position;
  }
  if (page.cursor !== undefined && after !== undefined) {
    const cursor = decodeKeyCursor(page.cursor, ctx);
    if (compareKeys(cursor, after) <= 0 && !encloses(cursor, after, query)) {
      fail(`does not advance: its cursor ${JSON.stringify(cursor)} is not after ${JSON.stringify(after)}`);
    }
  }
}

/** Whether `position` is the folder of the listed level that holds the start position `after`. */
function encloses(
  position: string,
  after: string | undefined,
  query: { prefix?: string; delimiter?: string },
): boolean {
  return (
    query.delimiter !== undefined &&
    after !== undefined &&
    after !== position &&
    after.startsWith(position) &&
    levelFolder(query.prefix ?? '', position, query.delimiter) === position
  );
}
