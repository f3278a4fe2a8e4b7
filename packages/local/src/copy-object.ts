import { constants } from 'node:fs';
import { copyFile, link, lstat, open, rename, unlink } from 'node:fs/promises';
import { type ObjectInfo, StorageError } from '@stowage/core';
import { type CheckedCopyOptions, etagsMatch } from '@stowage/kit';
import { conflictOr, currentBody, pruneEmptyDirs } from './folders.js';
import { errnoCode } from './fs-errors.js';
import type { LocalContext } from './local-context.js';
import { toInfo } from './object-entries.js';
import { baseOf, bodyPath, dirChain, dirOf, keyOfPath, sidecarPathOf } from './paths.js';
import { openObject } from './read-object.js';
import { ensureDirs, fsyncDir } from './safe-paths.js';
import {
  identityOf,
  mergeEntries,
  readSidecar,
  type SidecarEntry,
  sameIdentity,
  writeSidecar,
} from './sidecar.js';
import { commit, type EntryFields, writeNewTemp } from './write-object.js';
import type { WrittenTemp } from './write-temp.js';

/**
 * Copies `from` to `to`: the file is copied (a reflink where the filesystem can) into a temp
 * file beside the target and committed like a put, with the source's entry and the option
 * overrides. Onto itself, only the metadata changes.
 * @throws NotFound, PreconditionFailed (ifMatch on the source), AlreadyExists (ifNoneMatch),
 *   Conflict, PermissionDenied; Unavailable when the source keeps changing during the copy.
 */
export async function copyObject(
  cx: LocalContext,
  from: string,
  to: string,
  options: CheckedCopyOptions,
): Promise<ObjectInfo> {
  const srcPath = bodyPath(cx.root, from);
  // Bodies are never changed in place, so if the source path still names the same inode
  // after the copy, the copy holds exactly the bytes the source entry describes.
  for (let attempt = 0; ; attempt++) {
    const { fh, entry: source } = await openObject(cx, from);
    await fh.close();
    checkSourceEtag(source, options);
    const temp = await writeNewTemp(cx, to, (tmp) => copyInto(srcPath, tmp, cx.fsync));
    try {
      const now = await lstat(srcPath, { bigint: true }).catch(() => undefined);
      if (now === undefined || !sameIdentity(identityOf(now), source.id)) {
        if (now === undefined) throw new StorageError('NotFound', `No object at ${JSON.stringify(from)}`);
        if (attempt < 3) continue;
        throw new StorageError('Unavailable', `${JSON.stringify(from)} kept changing during the copy`);
      }
      const fields = copiedFields(source, options);
      return await cx.locks.with(to, true, () =>
        commit(cx, to, temp, fields, { ifNoneMatch: options.ifNoneMatch }),
      );
    } finally {
      await unlink(temp.path).catch(() => {});
    }
  }
}

/**
 * Moves `from` to another key with both keys locked: a rename (or link + unlink for
 * create-only), so the bytes never move and the body keeps its identity.
 * @throws as `copyObject`.
 */
export async function moveObject(
  cx: LocalContext,
  from: string,
  to: string,
  options: CheckedCopyOptions,
): Promise<ObjectInfo> {
  const release = await cx.locks.acquireMany([
    { key: from, exclusive: true },
    { key: to, exclusive: true },
  ]);
  try {
    return await moveLocked(cx, from, to, options);
  } finally {
    release();
  }
}

async function moveLocked(
  cx: LocalContext,
  from: string,
  to: string,
  options: CheckedCopyOptions,
): Promise<ObjectInfo> {
  const { root } = cx;
  const srcPath = bodyPath(root, from);
  const dstPath = bodyPath(root, to);
  const { fh, entry: source } = await openObject(cx, from);
  await fh.close();
  checkSourceEtag(source, options);
  await ensureDirs(dirChain(root, to), to, (dir) => keyOfPath(root, dir));
  const current = await currentBody(root, to, dstPath);
  if (options.ifNoneMatch === '*' && current !== undefined) {
    throw new StorageError('AlreadyExists', `Destination ${JSON.stringify(to)} already exists`, { key: to });
  }
  // A rename keeps the inode, size and mtime: the body identity moves with the file.
  const entry: SidecarEntry = {
    ...copiedFields(source, options),
    id: source.id,
    lastModified: cx.clock.now().getTime(),
  };
  const dstDir = dirOf(dstPath);
  const dstSidecar = sidecarPathOf(dstPath);
  await writeSidecar(
    dstDir,
    dstSidecar,
    baseOf(dstPath),
    mergeEntries(entry, await readSidecar(dstSidecar)),
    cx.fsync,
  );
  if (options.ifNoneMatch === '*') {
    await link(srcPath, dstPath).catch((error: unknown) => {
      throw errnoCode(error) === 'EEXIST'
        ? new StorageError('AlreadyExists', `Destination ${JSON.stringify(to)} already exists`, { key: to })
        : error;
    });
    await unlink(srcPath);
  } else {
    await rename(srcPath, dstPath).catch((error: unknown) => {
      throw conflictOr(error, to);
    });
  }
  cx.entries.set(dstPath, entry);
  cx.entries.forget(srcPath);
  const recorded = cx.journal.append(dstDir, entry.id, entry);
  await unlink(sidecarPathOf(srcPath)).catch(() => {});
  await Promise.all([
    recorded,
    cx.fsync ? fsyncDir(dstDir) : undefined,
    cx.fsync ? fsyncDir(dirOf(srcPath)) : undefined,
  ]);
  await pruneEmptyDirs(root, dirOf(srcPath), cx.journal);
  return toInfo(to, entry, entry.id.size);
}

/** Copies `src` into the new file `dest` (reflink where the filesystem can), fsyncs it and reports it. */
async function copyInto(src: string, dest: string, fsync: boolean): Promise<WrittenTemp> {
  await copyFile(src, dest, constants.COPYFILE_EXCL | constants.COPYFILE_FICLONE);
  try {
    const fh = await open(dest, constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0));
    try {
      if (fsync) await fh.sync();
      const st = await fh.stat({ bigint: true });
      const id = identityOf(st);
      // The copy's entry takes the source's sha256 (the bytes are the same).
      return { path: dest, id, size: id.size, sha256: '', settled: Promise.resolve() };
    } finally {
      await fh.close();
    }
  } catch (error) {
    await unlink(dest).catch(() => {});
    throw error;
  }
}

function checkSourceEtag(source: SidecarEntry, options: CheckedCopyOptions): void {
  if (options.ifMatch !== undefined && !etagsMatch(source.etag, options.ifMatch)) {
    throw new StorageError(
      'PreconditionFailed',
      `Source ETag ${source.etag} does not match ${options.ifMatch}`,
    );
  }
}

function copiedFields(source: SidecarEntry, options: CheckedCopyOptions): EntryFields {
  const fields: EntryFields = {
    etag: source.etag,
    contentType: options.contentType ?? source.contentType,
    metadata: options.metadata ?? { ...source.metadata },
    sha256: source.sha256,
    visibility: options.visibility ?? source.visibility,
  };
  const cacheControl = options.cacheControl ?? source.cacheControl;
  if (cacheControl !== undefined) fields.cacheControl = cacheControl;
  const contentDisposition = options.contentDisposition ?? source.contentDisposition;
  if (contentDisposition !== undefined) fields.contentDisposition = contentDisposition;
  return fields;
}
