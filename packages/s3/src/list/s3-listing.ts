import {
  compareKeys,
  isCommonPrefix,
  type ListEntry,
  type ListPage,
  type ObjectSummary,
  StorageError,
} from '@stowage/core';
import { encodeKeyCursor, levelFolder } from '@stowage/kit';
import type { ListOrder } from '../profiles.js';
import type { ListServer } from './list-server.js';
import { treeLevelEntries } from './tree-level.js';
import { dirOf } from './tree-position.js';
import { treeOrderedKeys } from './tree-walk.js';

export interface ListQuery {
  prefix: string;
  delimiter?: '/';
  /** Entries strictly after this position (a key, or with a delimiter also a folder). */
  after?: string;
  /** Server page size once the listing is under way (at most 1000). */
  pageSize: number;
  /** Server page size of the first request, when the caller needs only a few entries. */
  firstPageSize?: number;
  /** Tree order only: keys held per folder level before a probe (tests lower it). */
  budget?: number;
}

/**
 * Every entry of a listing in byte order, whatever order the server uses, fetched lazily.
 * @throws Unexpected when the server's results go backwards (a lexicographic profile on a
 *   tree-order server, or a broken server): a listing never repeats or loops.
 */
export async function* listEntries(
  server: ListServer,
  order: ListOrder,
  query: ListQuery,
): AsyncGenerator<ListEntry> {
  let after = query.after;
  let last: string | undefined;
  const check = (position: string): void => {
    const floor = last ?? after;
    if (floor !== undefined && compareKeys(position, floor) <= 0) {
      const hint =
        order === 'lexicographic'
          ? "; a server that lists in tree order (like SeaweedFS) needs the profile override listOrder: 'tree'"
          : '';
      throw new StorageError(
        'Unexpected',
        `The server listed ${JSON.stringify(position)} after ${JSON.stringify(floor)}, out of byte order${hint}`,
      );
    }
    last = position;
  };
  if (query.delimiter !== undefined && after !== undefined) {
    // A start position below this level ("bo/x" when listing "") still lists its folder ("bo/")
    // when keys in it follow the position; then the level goes on after the folder.
    const folder = enclosingFolder(query.prefix, after);
    if (folder !== undefined) {
      const inside = flatKeys(server, order, { ...query, prefix: folder, pageSize: 1, firstPageSize: 1 });
      const more = await inside.next();
      await inside.return(undefined);
      if (!more.done) {
        // Listed although it sorts before the position: keys in it follow the position.
        last = folder;
        yield { prefix: folder };
      }
      after = folder;
    }
  }
  const entries =
    query.delimiter === undefined
      ? flatKeys(server, order, { ...query, after })
      : levelEntries(server, order, { ...query, after });
  for await (const entry of entries) {
    check(isCommonPrefix(entry) ? entry.prefix : entry.key);
    yield entry;
  }
}

/**
 * Takes one page from a listing: up to `limit` entries and a cursor when more may follow.
 * With `peek`, one more entry is read to leave out the cursor of a last page that is exactly
 * full; worth it only when that entry is already fetched (the first request asked for more
 * than `limit`), else the peek costs the request the next page would make anyway.
 */
export async function takePage(
  entries: AsyncGenerator<ListEntry>,
  limit: number,
  peek = true,
): Promise<ListPage> {
  const page: ListPage = { items: [], prefixes: [] };
  let last: string | undefined;
  try {
    for (let n = 0; n < limit; n++) {
      const next = await entries.next();
      if (next.done) return page;
      if (isCommonPrefix(next.value)) {
        page.prefixes.push(next.value.prefix);
        last = next.value.prefix;
      } else {
        page.items.push(next.value);
        last = next.value.key;
      }
    }
    const more = peek ? !(await entries.next()).done : true;
    if (more && last !== undefined) page.cursor = encodeKeyCursor(last);
    return page;
  } finally {
    await entries.return(undefined);
  }
}

/** The folder of `prefix`'s level that holds `after`, when `after` lies below the level. */
function enclosingFolder(prefix: string, after: string): string | undefined {
  if (!after.startsWith(prefix)) return undefined;
  const dir = dirOf(prefix);
  const slash = after.indexOf('/', dir.length);
  if (slash < 0 || slash === after.length - 1) return undefined;
  return after.slice(0, slash + 1);
}

function flatKeys(server: ListServer, order: ListOrder, query: ListQuery): AsyncGenerator<ObjectSummary> {
  if (order === 'tree') {
    return treeOrderedKeys(server, query.prefix, query.after, {
      pageSize: query.pageSize,
      firstPageSize: treeFirstPage(query),
      ...(query.budget === undefined ? {} : { budget: query.budget }),
    });
  }
  const { delimiter: _, ...flat } = query;
  return lexicographicEntries(server, flat) as AsyncGenerator<ObjectSummary>;
}

async function* levelEntries(
  server: ListServer,
  order: ListOrder,
  query: ListQuery,
): AsyncGenerator<ListEntry> {
  if (order === 'lexicographic') {
    yield* lexicographicEntries(server, query);
    return;
  }
  const pageSizes = { first: treeFirstPage(query), rest: query.pageSize };
  for await (const entry of treeLevelEntries(server, query.prefix, query.after, pageSizes)) {
    yield typeof entry === 'string' ? { prefix: entry } : entry;
  }
}

/** A byte-order server's listing, page by page with its continuation tokens. */
async function* lexicographicEntries(server: ListServer, query: ListQuery): AsyncGenerator<ListEntry> {
  // After a folder of this level, S3 lists that folder again (its keys sort after it): skip it.
  const skipFolder = levelFolder(query.prefix, query.after, query.delimiter);
  let token: string | undefined;
  let first = true;
  const tokens = new Set<string>();
  do {
    const response = await server({
      prefix: query.prefix,
      ...(query.delimiter === undefined ? {} : { delimiter: query.delimiter }),
      ...(token === undefined ? (query.after === undefined ? {} : { startAfter: query.after }) : { token }),
      maxKeys: first ? (query.firstPageSize ?? query.pageSize) : query.pageSize,
    });
    first = false;
    let i = 0;
    let j = 0;
    const { keys, folders } = response;
    // Each list is sorted; a page is the first entries of their merge.
    while (i < keys.length || j < folders.length) {
      const key = keys[i];
      const folder = folders[j];
      if (folder === undefined || (key !== undefined && compareKeys(key.key, folder) < 0)) {
        yield key!;
        i++;
      } else {
        if (folder !== skipFolder) yield { prefix: folder };
        j++;
      }
    }
    token = response.next;
    if (token !== undefined) {
      if (tokens.has(token))
        throw new StorageError('Unexpected', 'The server repeated a listing continuation token');
      tokens.add(token);
    }
  } while (token !== undefined);
}

/**
 * A tree walk holds the last folder it reached until the next name shows up, so a page of
 * `n` entries usually needs a few more keys than `n`: asking for twice as many (and ten
 * more) up front saves a second request per small page.
 */
function treeFirstPage(query: ListQuery): number {
  const first = query.firstPageSize ?? query.pageSize;
  return first >= query.pageSize ? first : Math.min(query.pageSize, first * 2 + 10);
}
