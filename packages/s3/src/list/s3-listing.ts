import { compareKeys, type ListEntry, type ObjectSummary } from '@stowage/core';
import { levelFolder } from '@stowage/kit';
import type { ListOrder } from '../profiles.js';
import { ContinuationTokens, type ListServer } from './list-server.js';
import { treeLevelEntries } from './tree-level.js';
import { dirOf } from './tree-position.js';
import { treeOrderedKeys } from './tree-walk.js';

/** Appended to the layer's message when a listing under a lexicographic profile goes backwards. */
export const LEXICOGRAPHIC_ORDER_HINT =
  "a server that lists in tree order (like SeaweedFS) needs the profile override listOrder: 'tree'";

export interface S3ListQuery {
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
 * The checked layer guards the result (it fails with `Unexpected` if the listing ever goes
 * backwards, e.g. a lexicographic profile on a tree-order server) and pages it; this yields
 * what the server has, in the right order. Errors are the SDK's: the caller maps them.
 * @throws Unexpected when the server repeats a continuation token or lists outside the prefix.
 */
export function listEntries(
  server: ListServer,
  order: ListOrder,
  query: S3ListQuery,
): AsyncGenerator<ListEntry> {
  const folder =
    query.delimiter !== undefined && query.after !== undefined
      ? enclosingFolder(query.prefix, query.after)
      : undefined;
  // No wrapper around the usual case: each generator in between costs every entry a hop.
  if (folder === undefined) return entriesAfter(server, order, query);
  return afterEnclosingFolder(server, order, query, folder);
}

/**
 * A start position below the listed level ("bo/x" when listing "") still lists its folder
 * ("bo/") when keys in it follow the position (moto leaves such a folder out, S3 lists it);
 * then the level goes on after the folder.
 */
async function* afterEnclosingFolder(
  server: ListServer,
  order: ListOrder,
  query: S3ListQuery,
  folder: string,
): AsyncGenerator<ListEntry> {
  const inside = flatKeys(server, order, { ...query, prefix: folder, pageSize: 1, firstPageSize: 1 });
  const more = await inside.next();
  await inside.return(undefined);
  // Listed although it sorts before the position: keys in it follow the position.
  if (!more.done) yield { prefix: folder };
  yield* entriesAfter(server, order, { ...query, after: folder });
}

function entriesAfter(server: ListServer, order: ListOrder, query: S3ListQuery): AsyncGenerator<ListEntry> {
  return query.delimiter === undefined ? flatKeys(server, order, query) : levelEntries(server, order, query);
}

/** The folder of `prefix`'s level that holds `after`, when `after` lies below the level. */
function enclosingFolder(prefix: string, after: string): string | undefined {
  if (!after.startsWith(prefix)) return undefined;
  const dir = dirOf(prefix);
  const slash = after.indexOf('/', dir.length);
  if (slash < 0 || slash === after.length - 1) return undefined;
  return after.slice(0, slash + 1);
}

function flatKeys(server: ListServer, order: ListOrder, query: S3ListQuery): AsyncGenerator<ObjectSummary> {
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

function levelEntries(server: ListServer, order: ListOrder, query: S3ListQuery): AsyncGenerator<ListEntry> {
  if (order === 'lexicographic') return lexicographicEntries(server, query);
  return treeLevel(server, query);
}

async function* treeLevel(server: ListServer, query: S3ListQuery): AsyncGenerator<ListEntry> {
  const pageSizes = { first: treeFirstPage(query), rest: query.pageSize };
  for await (const entry of treeLevelEntries(server, query.prefix, query.after, pageSizes)) {
    yield typeof entry === 'string' ? { prefix: entry } : entry;
  }
}

/** A byte-order server's listing, page by page with its continuation tokens. */
async function* lexicographicEntries(server: ListServer, query: S3ListQuery): AsyncGenerator<ListEntry> {
  // After a folder of this level, S3 lists that folder again (its keys sort after it): skip it.
  const skipFolder = levelFolder(query.prefix, query.after, query.delimiter);
  let token: string | undefined;
  let first = true;
  const tokens = new ContinuationTokens();
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
    token = tokens.next(response.next);
  } while (token !== undefined);
}

/**
 * A tree walk holds the last folder it reached until the next name shows up, so a page of
 * `n` entries usually needs a few more keys than `n`: asking for twice as many (and ten
 * more) up front saves a second request per small page.
 */
function treeFirstPage(query: S3ListQuery): number {
  const first = query.firstPageSize ?? query.pageSize;
  return first >= query.pageSize ? first : Math.min(query.pageSize, first * 2 + 10);
}
