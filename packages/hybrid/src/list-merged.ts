import type { ListEntry, ListOptions, ListPageOptions, ObjectStore, ObjectSummary } from '@stowage/core';
import { assertPageProgress, type ListQuery, PEEK_BELOW } from '@stowage/kit';
import {
  type MergedEntry,
  mergeSides,
  type SideListing,
  sideListing,
  unionListings,
} from './merge-listing.js';
import type { Router } from './router.js';
import { otherSide, type Side } from './routing.js';

/** Side page size of `list()` without a `pageSize`. */
const DEFAULT_CHUNK = 1000;
/** The largest page a side accepts. */
const MAX_CHUNK = 10_000;

/**
 * The hybrid listing: both sides merged in byte order without duplicates (a key on both
 * sides is listed once, from its fresh side; a recorded stale copy is never listed, nor a
 * folder holding only stale copies). It advances by chunks; each chunk lists `from`, then
 * `to`, then `from` again, one after the other, from the same position. Objects only ever
 * move by "write the new side, then delete the old one", so this order sees every object
 * that exists throughout, whichever way it is moving. Positions are portable key
 * positions (`startAfter` on both sides), so paging survives writes, migrations and
 * percentage changes. The checked layer builds `list()` and `listPage()` on this.
 * @throws Unexpected when a side's page goes backwards (it would make the merge repeat
 * keys or never end); a side's own listing errors pass through.
 */
export async function* listMerged(router: Router, query: ListQuery): AsyncGenerator<ListEntry> {
  await router.ready();
  try {
    // A page of `limit` is taken with one entry more, to tell whether more follow.
    const size = Math.min(
      query.limit === undefined
        ? (query.pageSize ?? DEFAULT_CHUNK)
        : query.limit + (query.limit < PEEK_BELOW ? 1 : 0),
      MAX_CHUNK,
    );
    let after = query.after;
    for (;;) {
      const sideOptions: ListPageOptions = { limit: size };
      if (query.prefix !== '') sideOptions.prefix = query.prefix;
      if (query.delimiter !== undefined) sideOptions.delimiter = query.delimiter;
      if (after !== undefined) sideOptions.startAfter = after;
      if (query.signal !== undefined) sideOptions.signal = query.signal;
      const listSide = async (store: ObjectStore): Promise<SideListing> => {
        const page = await store.listPage(sideOptions);
        assertPageProgress(page, after, sideOptions, { operation: 'list', backend: store.name });
        return sideListing(page);
      };
      const fromFirst = await listSide(router.from);
      const toListing = await listSide(router.to);
      const fromAgain = await listSide(router.from);
      const { entries, bound } = mergeSides(unionListings(fromFirst, fromAgain), toListing);
      for (const entry of entries) {
        if (entry.folder) {
          if (await folderShown(router, entry, query.signal)) yield { prefix: entry.position };
        } else {
          const summary = freshSummary(router, entry);
          if (summary !== undefined) yield summary;
        }
      }
      if (bound === undefined) return;
      after = bound;
    }
  } finally {
    router.afterOperation();
  }
}

/** The fresh side's summary of a key: the routed side's when both hold one, never a recorded stale copy. */
function freshSummary(router: Router, entry: MergedEntry): ObjectSummary | undefined {
  const stale = router.index.staleSide(entry.position);
  const routed = router.routeOf(entry.position);
  const pick = (side: Side): ObjectSummary | undefined => {
    const found = entry[side];
    return found === undefined || found === true || stale === side ? undefined : found;
  };
  return pick(routed) ?? pick(otherSide(routed));
}

/** Whether a folder is listed: some side holding it holds a key in it that is not a recorded stale copy. */
async function folderShown(
  router: Router,
  entry: MergedEntry,
  signal: AbortSignal | undefined,
): Promise<boolean> {
  for (const side of ['from', 'to'] as const) {
    if (entry[side] === undefined) continue;
    if (!router.index.hasStaleUnder(side, entry.position)) return true;
    if (await folderHasFreshKey(router, side, entry.position, signal)) return true;
  }
  return false;
}

async function folderHasFreshKey(
  router: Router,
  side: Side,
  folder: string,
  signal: AbortSignal | undefined,
): Promise<boolean> {
  const options: ListOptions = { prefix: folder };
  if (signal !== undefined) options.signal = signal;
  for await (const entry of router.backend(side).list(options)) {
    if ('key' in entry && router.index.staleSide(entry.key) !== side) return true;
  }
  return false;
}
