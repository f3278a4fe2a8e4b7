import { lstat } from 'node:fs/promises';
import { isStorageError, type ListEntry, type ObjectSummary, throwIfAborted } from '@stowage/core';
import type { ListQuery } from '@stowage/kit';
import type { JournalRecord, JournalView } from './etag-journal.js';
import { errnoCode } from './fs-errors.js';
import { type WalkEntry, walkKeys } from './list-walk.js';
import type { LocalContext } from './local-context.js';
import type { BodyStats } from './object-entries.js';
import { dirChain, dirOf } from './paths.js';
import { dirsExist } from './safe-paths.js';
import { identityKey, identityOf } from './sidecar.js';

/** Files looked up in parallel while listing. */
const LIST_BATCH = 64;

/**
 * The listing straight from the directory tree (`walkKeys`, in byte order after
 * `query.after`), files resolved to summaries a batch at a time, in parallel. The first
 * batch is no bigger than the page asked for (plus one, to tell whether more follow).
 * A symlink on the way to the prefix means nothing there is an object: the listing is empty.
 *
 * A summary needs one `lstat` per file: the etag and lastModified come from this process's
 * cache or from the directory's etag journal (one read per directory), so a listing reads
 * no object's bytes and opens no file per key. Only a body with no record (a file dropped in
 * by hand, a record lost) is described from its sidecar or its bytes, and recorded then.
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
  const dirs = new Map<string, DirState>();
  // Records written for bodies described from their bytes, and compactions: awaited before
  // the listing ends, so no write of the store's outlives it.
  const journalWrites: Promise<void>[] = [];
  let completed = false;
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
        batch.map((e) =>
          e.kind === 'file' ? summarize(cx, e.key, e.path, dirs, journalWrites) : { prefix: e.prefix },
        ),
      );
      for (const entry of resolved) {
        if (entry !== undefined) yield entry; // undefined: vanished between readdir and stat
      }
      if (batch.length < want) {
        completed = true;
        return;
      }
      want = LIST_BATCH;
    }
  } finally {
    await walk.return(undefined);
    // A listing that walked whole directories knows every live body there: it lets the
    // journal drop the records of bodies overwritten or deleted since.
    if (completed && query.after === undefined) {
      const startDir = cut > 0 ? `${root}/${prefix.slice(0, cut)}` : root;
      const partial = prefix.slice(cut + 1) !== '';
      for (const [dir, state] of dirs) {
        if (state.view === undefined || (dir === startDir && partial)) continue;
        const view = await state.view;
        journalWrites.push(cx.journal.compactIfLarge(dir, view, state.live));
      }
    }
    await Promise.all(journalWrites);
  }
}

/** What a listing learnt about one directory: its journal (read when first needed), live bodies. */
interface DirState {
  view: Promise<JournalView> | undefined;
  live: Set<string>;
}

async function summarize(
  cx: LocalContext,
  key: string,
  path: string,
  dirs: Map<string, DirState>,
  journalWrites: Promise<void>[],
): Promise<ObjectSummary | undefined> {
  let st: Awaited<ReturnType<typeof lstat>> & BodyStats;
  try {
    st = await lstat(path, { bigint: true });
  } catch (error) {
    if (errnoCode(error) === 'ENOENT' || errnoCode(error) === 'ENOTDIR') return undefined;
    throw error;
  }
  if (!st.isFile()) return undefined;
  const dir = dirOf(path);
  let state = dirs.get(dir);
  if (state === undefined) {
    state = { view: undefined, live: new Set() };
    dirs.set(dir, state);
  }
  const id = identityOf(st);
  const idKey = identityKey(id);
  state.live.add(idKey);
  let found: JournalRecord | undefined = cx.entries.peek(path, id);
  if (found === undefined) {
    state.view ??= cx.journal.read(dir);
    found = (await state.view).records.get(idKey);
  }
  if (found === undefined) {
    try {
      found = await cx.entries.entryFor(key, path, st);
    } catch (error) {
      // Replaced or deleted while we looked: the next page (or a fresh listing) shows the new state.
      if (isStorageError(error, 'NotFound') || isStorageError(error, 'Unavailable')) return undefined;
      throw error;
    }
    journalWrites.push(cx.journal.append(dir, id, found));
  }
  return { key, size: Number(st.size), etag: found.etag, lastModified: new Date(found.lastModified) };
}
