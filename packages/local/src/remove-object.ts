import { lstat, unlink } from 'node:fs/promises';
import { type DeleteManyResult, throwIfAborted } from '@stowage/core';
import { pruneEmptyDirs } from './folders.js';
import { errnoCode, fromFsError } from './fs-errors.js';
import type { LocalContext } from './local-context.js';
import { bodyPath, dirChain, dirOf, sidecarPathOf } from './paths.js';
import { dirsExist, fsyncDir, symlinkRefused } from './safe-paths.js';

/** Deletes of a batch run this many at a time (each is a few syscalls, mostly waiting). */
const DELETE_CONCURRENCY = 16;

/**
 * Deletes the object under its lock (a missing key, or a folder, is nothing to delete) and
 * prunes the directories it leaves empty.
 * @throws PermissionDenied for a symlink on the way.
 */
export function removeObject(cx: LocalContext, key: string): Promise<void> {
  return cx.locks.with(key, true, () => removeLocked(cx, key));
}

/** Deletes a batch of keys, several at a time; each failure is reported with its key. */
export async function removeObjects(
  cx: LocalContext,
  keys: readonly string[],
  signal: AbortSignal | undefined,
  validate: (key: string) => void,
): Promise<DeleteManyResult> {
  const result: DeleteManyResult = { deleted: 0, errors: [] };
  let next = 0;
  const worker = async () => {
    while (next < keys.length) {
      throwIfAborted(signal);
      const key = keys[next++]!;
      try {
        validate(key);
        await removeObject(cx, key);
        result.deleted++;
      } catch (error) {
        result.errors.push({ key, error: fromFsError(error) as Error });
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(DELETE_CONCURRENCY, keys.length) }, worker));
  return result;
}

async function removeLocked(cx: LocalContext, key: string): Promise<void> {
  const { root } = cx;
  if (!(await dirsExist(dirChain(root, key), key))) return;
  const path = bodyPath(root, key);
  let st: Awaited<ReturnType<typeof lstat>>;
  try {
    st = await lstat(path);
  } catch (error) {
    if (errnoCode(error) === 'ENOENT' || errnoCode(error) === 'ENOTDIR') return;
    throw error;
  }
  if (st.isSymbolicLink()) throw symlinkRefused(key);
  if (!st.isFile()) return; // a folder (or something else): no object under this key
  await unlink(path).catch((error: unknown) => {
    if (errnoCode(error) !== 'ENOENT') throw error;
  });
  cx.entries.forget(path);
  await unlink(sidecarPathOf(path)).catch(() => {});
  if (cx.fsync) await fsyncDir(dirOf(path));
  await pruneEmptyDirs(root, dirOf(path), cx.journal);
}
