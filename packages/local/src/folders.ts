import { lstat, opendir, rm, rmdir, unlink } from 'node:fs/promises';
import { StorageError } from '@stowage/core';
import { errnoCode } from './fs-errors.js';
import { walkKeys } from './list-walk.js';
import type { BodyStats } from './object-entries.js';
import { dirOf } from './paths.js';
import { isJournalName, journalName } from './reserved-names.js';
import { symlinkRefused } from './safe-paths.js';

// On a filesystem a key cannot be both an object and a folder of other keys
// (`capabilities.fileFolderConflict`): what writes find at a key's path, and the errors.

export function folderConflict(key: string): StorageError {
  return new StorageError(
    'Conflict',
    `${JSON.stringify(key)} is a folder holding other keys; on a filesystem a key cannot also be a folder`,
    { key },
  );
}

/** A rename or link onto `key` that failed because a directory stands there: Conflict. */
export function conflictOr(error: unknown, key: string): unknown {
  const code = errnoCode(error);
  if (code === 'EISDIR' || code === 'ENOTEMPTY' || code === 'EEXIST') return folderConflict(key);
  return error;
}

/**
 * What is at `path` (the body path of `key`) now: the stats of the regular file there, or
 * undefined when there is nothing (a directory holding no keys, only debris of crashed
 * writes, is removed).
 * @throws Conflict when `key` is a folder of other keys, PermissionDenied for a symlink.
 */
export async function currentBody(root: string, key: string, path: string): Promise<BodyStats | undefined> {
  let st: Awaited<ReturnType<typeof lstat>> & BodyStats;
  try {
    st = await lstat(path, { bigint: true });
  } catch (error) {
    if (errnoCode(error) === 'ENOENT') return undefined;
    throw error;
  }
  if (st.isSymbolicLink()) throw symlinkRefused(key);
  if (st.isDirectory()) {
    if (await removeIfNoKeys(root, key, path)) return undefined;
    throw folderConflict(key);
  }
  if (!st.isFile())
    throw new StorageError('Conflict', `${JSON.stringify(key)} is not a regular file`, { key });
  return st;
}

/**
 * A directory standing where an object should go, but holding no keys (only leftovers of
 * crashed writes): removes it so the write can proceed. False when it holds keys.
 */
async function removeIfNoKeys(root: string, key: string, path: string): Promise<boolean> {
  for await (const _ of walkKeys(root, `${key}/`, undefined, undefined)) return false;
  await rm(path, { recursive: true, force: true });
  return true;
}

/** What holds journal files open (`EtagJournal`): told before one is removed. */
export interface JournalHolder {
  forget(dir: string): void;
}

/**
 * Removes now-empty directories from `dir` up to (not including) the root. A directory
 * holding nothing but its etag journal (a cache of its bodies' etags) counts as empty.
 */
export async function pruneEmptyDirs(root: string, dir: string, journal?: JournalHolder): Promise<void> {
  while (dir.length > root.length && dir.startsWith(`${root}/`)) {
    if (!(await removeDir(dir, journal))) return; // not empty (or already gone, or recreated): stop
    dir = dirOf(dir);
  }
}

/** rmdir, and when that fails only because the journal is left, the journal and rmdir again. */
export async function removeDir(dir: string, journal?: JournalHolder): Promise<boolean> {
  try {
    await rmdir(dir);
    return true;
  } catch (error) {
    if (errnoCode(error) !== 'ENOTEMPTY' && errnoCode(error) !== 'EEXIST') return false;
  }
  if (!(await holdsOnlyJournal(dir))) return false;
  journal?.forget(dir);
  await unlink(`${dir}/${journalName()}`).catch(() => {});
  return rmdir(dir).then(
    () => true,
    () => false,
  );
}

/** Whether the journal is the only entry of `dir` (reads at most the first few entries). */
async function holdsOnlyJournal(dir: string): Promise<boolean> {
  let handle: Awaited<ReturnType<typeof opendir>> | undefined;
  try {
    handle = await opendir(dir, { bufferSize: 4 });
    let journal = false;
    for (let n = 0; n < 2; n++) {
      const entry = await handle.read();
      if (entry === null) break;
      if (!isJournalName(entry.name)) return false;
      journal = true;
    }
    return journal;
  } catch {
    return false;
  } finally {
    await handle?.close().catch(() => {});
  }
}
