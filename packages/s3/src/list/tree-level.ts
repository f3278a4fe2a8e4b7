import { compareKeys, type ObjectSummary, StorageError } from '@stowage/core';
import { ContinuationTokens, type ListRequest, type ListServer } from './list-server.js';
import { treeLevelStart } from './tree-position.js';

/**
 * One level of a delimited listing, in byte order, from a server that lists in tree order.
 *
 * Within a level such a server sorts a folder by its bare name: `a/` comes before `a!`,
 * which byte order puts first. A folder is therefore held until the next name shows that
 * nothing continues its name with a byte below "/". Held folders form a chain of names that
 * each extend the one before (`a`, `a!`, `a!!`, …), so at most one segment's length (255)
 * are ever held.
 */
export async function* treeLevelEntries(
  server: ListServer,
  prefix: string,
  after: string | undefined,
  pageSizes: { first: number; rest: number },
): AsyncGenerator<ObjectSummary | string> {
  const startAfter = treeLevelStart(prefix, after);
  if (startAfter === null) return;
  const held: string[] = [];
  const tokens = new ContinuationTokens();
  let token: string | undefined;
  let first = true;
  // The server starts a little before `after` (see `treeLevelStart`): what precedes it is dropped.
  function* emit(entry: ObjectSummary | string): Generator<ObjectSummary | string> {
    const position = typeof entry === 'string' ? entry : entry.key;
    if (after !== undefined && compareKeys(position, after) <= 0) return;
    yield entry;
  }
  function* release(bound: string | undefined): Generator<ObjectSummary | string> {
    while (held.length > 0 && (bound === undefined || compareKeys(held.at(-1)!, bound) < 0)) {
      yield* emit(held.pop()!);
    }
  }
  do {
    const request: ListRequest = {
      prefix,
      delimiter: '/',
      maxKeys: first ? pageSizes.first : pageSizes.rest,
    };
    if (token !== undefined) request.token = token;
    else if (startAfter !== undefined) request.startAfter = startAfter;
    first = false;
    const response = await server(request);
    for (const entry of serverOrder(response.keys, response.folders)) {
      const position = typeof entry === 'string' ? entry : entry.key;
      if (!position.startsWith(prefix)) {
        throw new StorageError(
          'Unexpected',
          `The server listed ${JSON.stringify(position)} outside the prefix`,
        );
      }
      // A folder `x/` is bounded by its bare name `x`, as a key `x` is by itself.
      yield* release(typeof entry === 'string' ? entry.slice(0, -1) : entry.key);
      if (typeof entry === 'string') held.push(entry);
      else yield* emit(entry);
    }
    token = tokens.next(response.next);
  } while (token !== undefined);
  yield* release(undefined);
}

/** A page's objects and folders in the server's own order: by name, a folder by its bare name, after a key of that name. */
function serverOrder(keys: ObjectSummary[], folders: string[]): Array<ObjectSummary | string> {
  const out: Array<ObjectSummary | string> = [];
  let i = 0;
  let j = 0;
  while (i < keys.length || j < folders.length) {
    const key = keys[i];
    const folder = folders[j];
    if (folder === undefined || (key !== undefined && compareKeys(key.key, folder.slice(0, -1)) <= 0)) {
      out.push(key!);
      i++;
    } else {
      out.push(folder);
      j++;
    }
  }
  return out;
}
