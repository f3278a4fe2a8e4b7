import { constants } from 'node:fs';
import { type FileHandle, open, unlink } from 'node:fs/promises';
import {
  abortedError,
  type Body,
  HashingStream,
  isInMemoryBody,
  isStorageError,
  md5Hex,
  type PutOptions,
  StorageError,
  sha256Hex,
  toBuffer,
  toReadable,
} from '@stowage/core';
import type { Ctx } from './fs-errors.js';
import { assertOpenedAt } from './safe-paths.js';
import { type BodyIdentity, identityOf } from './sidecar.js';

const CREATE_FLAGS = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | (constants.O_NOFOLLOW ?? 0);

export interface WrittenTemp {
  path: string;
  id: BodyIdentity;
  size: number;
  sha256: string;
  md5: string;
  /**
   * The file's fsync and close, still running: the caller overlaps it with writing the
   * sidecar and must await it before renaming the file into place.
   */
  settled: Promise<void>;
}

/**
 * Streams `body` into a new file at `path` while hashing it, checks length and sha256,
 * reports its identity and starts its fsync (when asked; see `settled`). On any failure
 * before that the file is removed.
 * @throws Integrity for a length or sha256 mismatch, Aborted when the signal fires.
 */
export async function writeTemp(
  path: string,
  body: Body,
  options: Pick<PutOptions, 'contentLength' | 'sha256' | 'signal' | 'onProgress'>,
  fsync: boolean,
  ctx: Ctx,
): Promise<WrittenTemp> {
  const fh = await open(path, CREATE_FLAGS, 0o644);
  try {
    await assertOpenedAt(fh, path, ctx);
    const { size, sha256, md5 } = isInMemoryBody(body)
      ? await writeBytes(fh, toBuffer(body), options)
      : await writeStream(fh, body, options, ctx);
    if (options.contentLength !== undefined && size !== options.contentLength) {
      throw new StorageError(
        'Integrity',
        `Body is ${size} bytes but contentLength says ${options.contentLength}`,
        ctx,
      );
    }
    if (options.sha256 !== undefined && sha256 !== options.sha256) {
      throw new StorageError(
        'Integrity',
        `Body sha256 ${sha256} does not match the expected ${options.sha256}`,
        ctx,
      );
    }
    if (options.signal?.aborted) throw abortedError(options.signal, ctx);
    // No write follows, so the identity (inode, size, mtime) is final before the fsync.
    const id = identityOf(await fh.stat({ bigint: true }));
    const settled = (async () => {
      try {
        if (fsync) await fh.sync();
      } finally {
        await fh.close();
      }
    })();
    settled.catch(() => {}); // observed by the caller; this only keeps Node from calling it unhandled
    return { path, id, size, sha256, md5, settled };
  } catch (error) {
    await fh.close().catch(() => {});
    await unlink(path).catch(() => {});
    throw error;
  }
}

async function writeAll(fh: FileHandle, buf: Buffer): Promise<void> {
  let offset = 0;
  while (offset < buf.length) {
    const { bytesWritten } = await fh.write(buf, offset, buf.length - offset);
    offset += bytesWritten;
  }
}

async function writeBytes(
  fh: FileHandle,
  buf: Buffer,
  options: Pick<PutOptions, 'signal' | 'onProgress'>,
): Promise<{ size: number; sha256: string; md5: string }> {
  // The write runs on the libuv pool while this thread hashes: the two overlap.
  const writing = writeAll(fh, buf);
  const sha256 = sha256Hex(buf);
  const md5 = md5Hex(buf);
  await writing;
  options.onProgress?.({ loaded: buf.length, total: buf.length });
  return { size: buf.length, sha256, md5 };
}

async function writeStream(
  fh: FileHandle,
  body: Body,
  options: Pick<PutOptions, 'contentLength' | 'signal' | 'onProgress'>,
  ctx: Ctx,
): Promise<{ size: number; sha256: string; md5: string }> {
  const { signal, onProgress, contentLength } = options;
  const source = toReadable(body);
  const hashing = new HashingStream();
  const onAbort = () => source.destroy(abortedError(signal, ctx));
  if (signal?.aborted) onAbort();
  signal?.addEventListener('abort', onAbort, { once: true });
  source.once('error', (error) => hashing.destroy(error));
  source.pipe(hashing);
  let reported = false;
  let writeError: unknown;
  try {
    for await (const chunk of hashing) {
      const buf = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : (chunk as Buffer);
      if (!(buf instanceof Uint8Array)) {
        throw new StorageError('InvalidInput', `Body stream yielded a ${typeof chunk}, not bytes`, ctx);
      }
      if (contentLength !== undefined && hashing.bytes > contentLength) {
        throw new StorageError('Integrity', `Body is longer than contentLength ${contentLength}`, ctx);
      }
      await writeAll(fh, buf).catch((error: unknown) => {
        writeError = error;
        throw error;
      });
      onProgress?.({
        loaded: hashing.bytes,
        ...(contentLength !== undefined ? { total: contentLength } : {}),
      });
      reported = true;
    }
  } catch (error) {
    source.destroy();
    if (signal?.aborted) throw abortedError(signal, ctx);
    // A failing disk (ENOSPC, EIO) is the store's failure, mapped by the caller; not the body's.
    if (isStorageError(error) || error === writeError) throw error;
    throw new StorageError(
      'Unexpected',
      `Reading the body failed: ${(error as Error)?.message ?? String(error)}`,
      {
        ...ctx,
        cause: error,
      },
    );
  } finally {
    signal?.removeEventListener('abort', onAbort);
  }
  if (!reported)
    onProgress?.({ loaded: 0, ...(contentLength !== undefined ? { total: contentLength } : {}) });
  const { sha256, md5, bytes } = hashing.result();
  return { size: bytes, sha256, md5 };
}
