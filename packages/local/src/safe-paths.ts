import { constants, existsSync, readlinkSync } from 'node:fs';
import { type FileHandle, lstat, mkdir, open, realpath, stat } from 'node:fs/promises';
import { StorageError } from '@stowage/core';
import { errnoCode } from './fs-errors.js';

const PROC_FD = '/proc/self/fd';
// Linux tells exactly which file an fd refers to; elsewhere we fall back to realpath + inode.
const HAS_PROC_FD = existsSync(PROC_FD);

// O_NONBLOCK does nothing to regular files, but keeps an open of a FIFO planted at a key's
// path from blocking a threadpool thread forever (it is then refused as not a file).
const READ_FLAGS = constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0) | (constants.O_NONBLOCK ?? 0);

/**
 * The error for a symbolic link on a key's path. It names the key, never the path on disk:
 * the message may reach an HTTP client of the local server.
 */
export function symlinkRefused(key: string): StorageError {
  return new StorageError(
    'PermissionDenied',
    `Refusing ${JSON.stringify(key)}: a symbolic link lies on its path, and the local store never follows symbolic links (they could lead outside the root)`,
    { key },
  );
}

/**
 * Checks that an open file is exactly `expected` (an absolute real path), i.e. that no
 * symlink anywhere on the way redirected the open. On Linux this asks the kernel which
 * file the descriptor refers to, so there is no window between check and use.
 * @throws PermissionDenied when the file lies elsewhere.
 */
export async function assertOpenedAt(fh: FileHandle, expected: string, key: string): Promise<void> {
  let actual: string;
  if (HAS_PROC_FD) {
    // Synchronous on purpose: procfs answers from the descriptor's in-memory dentry and never
    // waits on a disk, so a thread-pool round trip would cost more than the call itself.
    actual = readlinkSync(`${PROC_FD}/${fh.fd}`);
    // A file unlinked (or replaced by a rename) after we opened it: still the file we asked for.
    if (actual !== expected && actual.endsWith(' (deleted)')) actual = actual.slice(0, -' (deleted)'.length);
  } else {
    actual = await realpath(expected).catch(() => '');
    if (actual === expected) {
      const [a, b] = await Promise.all([fh.stat({ bigint: true }), stat(expected, { bigint: true })]);
      if (a.ino !== b.ino || a.dev !== b.dev) actual = '';
    }
  }
  if (actual !== expected) throw symlinkRefused(key);
}

/**
 * Opens a body for reading without following symlinks (O_NOFOLLOW on the file, fd check for
 * the directories). Returns undefined when there is no file there (missing, a directory, or
 * a parent that is a file).
 * @throws PermissionDenied for a symlink on the way.
 */
export async function openBody(path: string, key: string): Promise<FileHandle | undefined> {
  let fh: FileHandle;
  try {
    fh = await open(path, READ_FLAGS);
  } catch (error) {
    const code = errnoCode(error);
    if (code === 'ENOENT' || code === 'ENOTDIR' || code === 'EISDIR') return undefined;
    if (code === 'ELOOP') throw symlinkRefused(key);
    throw error;
  }
  try {
    await assertOpenedAt(fh, path, key);
    return fh;
  } catch (error) {
    await fh.close().catch(() => {});
    throw error;
  }
}

/**
 * Creates the directories of `dirs` (absolute paths, outermost first, all below the root)
 * one by one, refusing symlinks instead of following them as `mkdir -p` would.
 * @throws PermissionDenied for a symlink, Conflict where a file stands in for a directory.
 */
export async function ensureDirs(
  dirs: readonly string[],
  key: string,
  keyOfDir: (dir: string) => string,
): Promise<void> {
  for (const dir of dirs) {
    try {
      await mkdir(dir);
      continue;
    } catch (error) {
      if (errnoCode(error) !== 'EEXIST') throw error;
    }
    const st = await lstat(dir);
    if (st.isDirectory()) continue;
    if (st.isSymbolicLink()) throw symlinkRefused(key);
    throw new StorageError(
      'Conflict',
      `Cannot store below ${JSON.stringify(keyOfDir(dir))}: it is an object, and on a filesystem a key cannot also be a folder`,
      { key },
    );
  }
}

/** Directories whose real path was found to be themselves, and when (see `dirsReady`). */
const recentlyReal = new Map<string, number>();
const REAL_FOR_MS = 1000;
const REAL_MAX = 4096;

/**
 * `ensureDirs`, with a fast path for the common case: when the innermost directory already
 * exists and its real path is exactly itself, no directory on the way is a symlink. That
 * answer is reused for a second, so a burst of puts into one folder resolves it once. This
 * is a first filter only (a swap after it is a race it cannot close): the file opened in
 * the directory is checked again through its descriptor (`assertOpenedAt`).
 */
export async function dirsReady(
  dirs: readonly string[],
  key: string,
  keyOfDir: (dir: string) => string,
): Promise<void> {
  const last = dirs.at(-1);
  if (last === undefined) return;
  const now = Date.now();
  const seen = recentlyReal.get(last);
  if (seen !== undefined && now - seen < REAL_FOR_MS) return;
  // (If it is a file instead, creating the temp file in it fails with ENOTDIR and the
  // caller retries through ensureDirs, which reports the Conflict.)
  if ((await realpath(last).catch(() => undefined)) === last) {
    if (recentlyReal.size >= REAL_MAX) recentlyReal.clear();
    recentlyReal.set(last, now);
    return;
  }
  recentlyReal.delete(last);
  await ensureDirs(dirs, key, keyOfDir);
}

/**
 * Whether all of `dirs` exist as real directories (no symlinks).
 * @throws PermissionDenied for a symlink.
 */
export async function dirsExist(dirs: readonly string[], key: string): Promise<boolean> {
  for (const dir of dirs) {
    let st: Awaited<ReturnType<typeof lstat>>;
    try {
      st = await lstat(dir);
    } catch (error) {
      const code = errnoCode(error);
      if (code === 'ENOENT' || code === 'ENOTDIR') return false;
      throw error;
    }
    if (st.isSymbolicLink()) throw symlinkRefused(key);
    if (!st.isDirectory()) return false;
  }
  return true;
}

/**
 * fsyncs a directory so renames and unlinks in it survive a power failure. A directory
 * already gone (pruned by a concurrent delete) has nothing left to make durable.
 */
export async function fsyncDir(dir: string): Promise<void> {
  let fh: FileHandle;
  try {
    fh = await open(dir, constants.O_RDONLY | (constants.O_DIRECTORY ?? 0));
  } catch (error) {
    if (errnoCode(error) === 'ENOENT') return;
    throw error;
  }
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}
