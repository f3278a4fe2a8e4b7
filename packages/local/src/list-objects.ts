import { lstat } from 'node:fs/promises';
import { isStorageError, type ListEntry, type ObjectSummary, throwIfAborted } from '@stowage/core';
import type { ListQuery } from '@stowage/kit';
import { errnoCode } from './fs-errors.js';
import { type WalkEntry, walkKeys } from './list-walk.js';
import type { LocalContext } from './local-context.js';
import type { BodyStats } from './object-entries.js';
import { dirChain } from './paths.js';
import { dirsExist } from './safe-paths.js';
import type { SidecarEntry } from './sidecar.js';

/** Files looked up in parallel while listing. */
const LIST_BATCH = 64;

/**
 * The listing straight from the directory tree (`walkKeys`, in byte order after
 * `query.after`), files resolved to summaries a batch at a time, in parallel. The first
 * batch is no bigger than the page asked for (plus one, to tell whether more follow).
 * A symlink on the way to the prefix means nothing there is an object: the listing is empty.
 */
export async function* listObjects(cx: LocalContext, query: ListQuery): AsyncGenerator<ListEntry> {
  const { root } = cx;
  const { prefix } = query;
  const cut = prefix.lastIndexOf('/');
  if (cut > 0) {
    const reachable = await dirsExist(dirChain(root, `${prefix.slice(0, cut)}/x`), prefix).catch(
      (error: unknown) => {
        if (isStorageError(error, 'PermissionDenied')) return false;
        throw error;
      },
    );
    if (!reachable) return;
  }
  const walk = walkKeys(root, prefix, query.after, query.delimiter);
  let want = Math.min(LIST_BATCH, query.limit === undefined ? LIST_BATCH : query.limit + 1);
  try {
    for (;;) {
      const batch: WalkEntry[] = [];
      while (batch.length < want) {
        const next = await walk.next();
        if (next.done) break;
        batch.push(next.value);
      }
      if (batch.length === 0) return;
      throwIfAborted(query.signal);
      const resolved = await Promise.all(
        batch.map((e) => (e.kind === 'file' ? summarize(cx, e.key, e.path) : { prefix: e.prefix })),
      );
      for (const entry of resolved) {
        if (entry !== undefined) yield entry; // undefined: vanished between readdir and stat
      }
      if (batch.length < want) return;
      want = LIST_BATCH;
    }
  } finally {
    await walk.return(undefined);
  }
}

async function summarize(cx: LocalContext, key: string, path: string): Promise<ObjectSummary | undefined> {
  let st: Awaited<ReturnType<typeof lstat>> & BodyStats;
  try {
    st = await lstat(path, { bigint: true });
  } catch (error) {
    if (errnoCode(error) === 'ENOENT' || errnoCode(error) === 'ENOTDIR') return undefined;
    throw error;
  }
  if (!st.isFile()) return undefined;
  let entry: SidecarEntry;
  try {
    entry = await cx.entries.entryFor(key, path, st);
  } catch (error) {
    // Replaced or deleted while we looked: the next page (or a fresh listing) shows the new state.
    if (isStorageError(error, 'NotFound') || isStorageError(error, 'Unavailable')) return undefined;
    throw error;
  }
  return { key, size: Number(st.size), etag: entry.etag, lastModified: new Date(entry.lastModified) };
}
