import { link, rename, unlink } from 'node:fs/promises';
import { type Body, type ObjectInfo, StorageError } from '@stowage/core';
import { type CheckedPutOptions, etagsMatch } from '@stowage/kit';
import { conflictOr, currentBody, pruneEmptyDirs } from './folders.js';
import { errnoCode } from './fs-errors.js';
import type { LocalContext } from './local-context.js';
import { SIDECAR_FREE_MAX, toInfo } from './object-entries.js';
import { baseOf, bodyPath, dirChain, dirOf, keyOfPath, sidecarPathOf } from './paths.js';
import { tempName } from './reserved-names.js';
import { dirsReady, ensureDirs, fsyncDir } from './safe-paths.js';
import { etagFromSha256 } from './sha256-etag.js';
import { mergeEntries, readSidecar, type SidecarEntry, writeSidecar } from './sidecar.js';
import { type WrittenTemp, writeTemp } from './write-temp.js';

/** What a new entry says besides the body's identity and lastModified. */
export type EntryFields = Omit<SidecarEntry, 'id' | 'lastModified'>;

/**
 * Writes an object: the body streams into a temp file beside the target (hashed, length
 * and sha256 checked, fsync started), then `commit` makes it the object under the key's lock.
 * A failed write leaves the old object, no temp file and no directory it created.
 * @throws Integrity, Aborted, AlreadyExists / PreconditionFailed (conditions), Conflict
 *   (a folder of other keys), PermissionDenied (a symlink on the way).
 */
export async function writeObject(
  cx: LocalContext,
  key: string,
  body: Body,
  options: CheckedPutOptions,
): Promise<ObjectInfo> {
  const path = bodyPath(cx.root, key);
  let committed = false;
  let temp: WrittenTemp | undefined;
  try {
    temp = await writeNewTemp(cx, key, (tmp) => writeTemp(tmp, key, body, options, cx.fsync));
    const fields: EntryFields = {
      etag: etagFromSha256(temp.sha256),
      sha256: temp.sha256,
      contentType: options.contentType,
      metadata: options.metadata,
      visibility: options.visibility,
    };
    if (options.cacheControl !== undefined) fields.cacheControl = options.cacheControl;
    if (options.contentDisposition !== undefined) fields.contentDisposition = options.contentDisposition;
    const written = temp;
    const info = await cx.locks.with(key, true, () => commit(cx, key, written, fields, options));
    committed = true;
    return info;
  } finally {
    if (!committed) {
      if (temp !== undefined) {
        await temp.settled.catch(() => {});
        await unlink(temp.path).catch(() => {});
      }
      await pruneEmptyDirs(cx.root, dirOf(path), cx.journal);
    }
  }
}

/**
 * Creates a temp file next to the target of `key` (making directories as needed) and fills
 * it. A concurrent delete may prune a directory just made; then it is made again.
 */
export async function writeNewTemp(
  cx: LocalContext,
  key: string,
  fill: (tempPath: string) => Promise<WrittenTemp>,
): Promise<WrittenTemp> {
  const dir = dirOf(bodyPath(cx.root, key));
  const dirs = dirChain(cx.root, key);
  const keyOfDir = (d: string) => keyOfPath(cx.root, d);
  for (let attempt = 0; ; attempt++) {
    // After a failure, take the careful path: it reports a file standing in for a folder.
    if (attempt === 0) await dirsReady(dirs, key, keyOfDir);
    else await ensureDirs(dirs, key, keyOfDir);
    try {
      return await fill(`${dir}/${tempName()}`);
    } catch (error) {
      const code = errnoCode(error);
      if ((code === 'ENOENT' || code === 'ENOTDIR') && attempt < 5) continue;
      throw error;
    }
  }
}

/**
 * Makes `temp` the object at `key`, honouring preconditions. Sidecar first (new entry plus
 * the current body's), then the body: at every instant the body on disk has its entry.
 * Called with the key's lock held.
 */
export async function commit(
  cx: LocalContext,
  key: string,
  temp: WrittenTemp,
  fields: EntryFields,
  conditions: { ifMatch?: string | undefined; ifNoneMatch?: '*' | undefined },
): Promise<ObjectInfo> {
  const path = bodyPath(cx.root, key);
  const current = await currentBody(cx.root, key, path);
  if (conditions.ifNoneMatch === '*' && current !== undefined) {
    throw new StorageError('AlreadyExists', `${JSON.stringify(key)} already exists`, { key });
  }
  if (conditions.ifMatch !== undefined) {
    if (current === undefined) {
      throw new StorageError('PreconditionFailed', `${JSON.stringify(key)} does not exist (ifMatch)`, {
        key,
      });
    }
    const { etag } = await cx.entries.entryFor(key, path, current);
    if (!etagsMatch(etag, conditions.ifMatch)) {
      throw new StorageError('PreconditionFailed', `ETag ${etag} does not match ${conditions.ifMatch}`, {
        key,
      });
    }
  }
  const entry: SidecarEntry = { ...fields, id: temp.id, lastModified: cx.entries.lastModifiedOf(temp.id) };
  const dir = dirOf(path);
  const sidecar = sidecarPathOf(path);
  const derived = cx.entries.derivable(key, entry);
  if (derived) {
    // Nothing needs to be durable besides the body: should the sidecar be missing or
    // stale after a crash, the object is read back with exactly this entry.
    await temp.settled;
  } else {
    // With no body there, older entries describe nothing, unless a create-only race in
    // another process is linking its body in right now: keep its entry then.
    const previous =
      current === undefined && conditions.ifNoneMatch !== '*' ? [] : await readSidecar(sidecar);
    // Both fsyncs at once (the body's started when its last byte was written).
    await Promise.all([
      temp.settled,
      writeSidecar(dir, sidecar, baseOf(path), mergeEntries(entry, previous), cx.fsync),
    ]);
  }
  if (conditions.ifNoneMatch === '*') {
    // link() refuses an existing name: an atomic create-only, also against other processes.
    await link(temp.path, path).catch((error: unknown) => {
      if (errnoCode(error) === 'EEXIST')
        throw new StorageError('AlreadyExists', `${JSON.stringify(key)} already exists`, { key });
      throw error;
    });
    await unlink(temp.path);
  } else {
    await rename(temp.path, path).catch((error: unknown) => {
      throw conflictOr(error, key);
    });
  }
  // Stale sidecar entries are removed so that none can ever be taken for the new body. Not
  // needed when nothing was there, or when this process saw the replaced body as plain and
  // small too: our own puts of such bodies removed the sidecar, and an entry computed fresh
  // means none in the sidecar matched. (Entries left by another process's failed write name
  // a temp inode with an earlier mtime; matching the new body would need the same inode,
  // size and nanosecond mtime.)
  const nothingStale =
    derived &&
    entry.id.size <= SIDECAR_FREE_MAX &&
    (current === undefined || cx.entries.hadNoSidecar(key, path, current));
  cx.entries.set(path, entry);
  // The listing's record of this body (etag-journal.ts), beside the directory's fsync: a
  // cache, never fsynced itself, but awaited so nothing of the put outlives it.
  await Promise.all([
    cx.journal.append(dir, entry.id, entry),
    cx.fsync ? fsyncDir(dir) : undefined,
    derived && !nothingStale ? refreshDerivedSidecar(dir, sidecar, baseOf(path), entry) : undefined,
  ]);
  return toInfo(key, entry, temp.size);
}

/**
 * After a derivable entry's body is in place: a small body keeps no sidecar (a stale one,
 * of an older body, is removed so it can never be mistaken for this one), a bigger one gets
 * its entry cached in a sidecar without fsync. Best effort: the object is already correct.
 */
async function refreshDerivedSidecar(
  dir: string,
  sidecar: string,
  name: string,
  entry: SidecarEntry,
): Promise<void> {
  if (entry.id.size <= SIDECAR_FREE_MAX) await unlink(sidecar).catch(() => {});
  else await writeSidecar(dir, sidecar, name, [entry], false).catch(() => {});
}
