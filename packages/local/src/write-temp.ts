import { createHash } from 'node:crypto';
import { constants } from 'node:fs';
import { type FileHandle, open, unlink } from 'node:fs/promises';
import {
  abortedError,
  type Body,
  isInMemoryBody,
  isStorageError,
  type PutOptions,
  StorageError,
  toBuffer,
  toReadable,
} from '@stowage/core';
import { assertBodyLength, assertBodySha256 } from '@stowage/kit';
import { assertOpenedAt } from './safe-paths.js';
import { INLINE_HASH_LIMIT, Sha256Sink } from './sha256-sink.js';
import { type BodyIdentity, identityOf } from './sidecar.js';

const CREATE_FLAGS = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | (constants.O_NOFOLLOW ?? 0);
/**
 * In-memory bodies are written in slices of this size (as `fs.writeFile` does): one `write()`
 * of a whole 64 MiB buffer holds a pool thread and the page cache's dirty budget for the
 * whole body at once, and slicing lets each slice be hashed while the next write runs.
 */
const WRITE_SLICE = 512 * 1024;

export interface WrittenTemp {
  path: string;
  id: BodyIdentity;
  size: number;
  sha256: string;
  /**
   * The file's fsync and close, still running: the caller overlaps it with writing the
   * sidecar and must await it before renaming the file into place.
   */
  settled: Promise<void>;
}

/**
 * Streams `body` into a new file at `path` while hashing it, checks length and sha256,
 * reports its identity and starts its fsync (when asked; see `settled`). On any failure
 * the file is removed.
 *
 * The pipeline: bytes are written on the libuv pool while they are hashed (an in-memory
 * body on this thread, one slice while the previous one is written; a large stream on a
 * worker thread; small bodies inline), and the fsync starts as soon as the last byte is
 * written, so a large write costs about max(write, hash) + fsync, not their sum.
 * @throws Integrity for a length or sha256 mismatch, Aborted when the signal fires.
 */
export async function writeTemp(
  path: string,
  key: string,
  body: Body,
  options: Pick<PutOptions, 'contentLength' | 'sha256' | 'signal' | 'onProgress'>,
  fsync: boolean,
): Promise<WrittenTemp> {
  const fh = await open(path, CREATE_FLAGS, 0o644);
  const sink = new Sha256Sink();
  let settled: Promise<void> | undefined;
  try {
    await assertOpenedAt(fh, path, key);
    const { size, sha256: hashing } = isInMemoryBody(body)
      ? await writeBytes(fh, toBuffer(body), sink, options)
      : await writeStream(fh, body, sink, options);
    assertBodyLength(size, options.contentLength);
    // No write follows, so the identity (inode, size, mtime) is final before the fsync,
    // and the fsync need not wait for the hash.
    const id = identityOf(await fh.stat({ bigint: true }));
    settled = (async () => {
      try {
        if (fsync) await fh.sync();
      } finally {
        await fh.close();
      }
    })();
    settled.catch(() => {}); // observed by the caller; this only keeps Node from calling it unhandled
    const sha256 = await hashing;
    assertBodySha256(sha256, options.sha256);
    if (options.signal?.aborted) throw abortedError(options.signal);
    return { path, id, size, sha256, settled };
  } catch (error) {
    sink.cancel();
    if (settled === undefined) await fh.close().catch(() => {});
    else await settled.catch(() => {});
    await unlink(path).catch(() => {});
    throw error;
  }
}

async function writeAll(fh: FileHandle, buf: Uint8Array): Promise<void> {
  let offset = 0;
  while (offset < buf.length) {
    const { bytesWritten } = await fh.write(buf, offset, buf.length - offset);
    offset += bytesWritten;
  }
}

/**
 * Writes `buf` in bounded slices (on the libuv pool) and hashes each slice on this thread
 * while its write runs: no copy of the body and no round trip to the hashing worker, and
 * the event loop is never held for more than one slice's hash (well under a millisecond).
 */
async function writeBytes(
  fh: FileHandle,
  buf: Buffer,
  sink: Sha256Sink,
  options: Pick<PutOptions, 'onProgress'>,
): Promise<{ size: number; sha256: Promise<string> }> {
  if (buf.length <= INLINE_HASH_LIMIT) {
    await writeAll(fh, buf);
    sink.update(buf);
  } else {
    const hash = createHash('sha256');
    for (let offset = 0; offset < buf.length; offset += WRITE_SLICE) {
      const slice = buf.subarray(offset, offset + WRITE_SLICE);
      const writing = writeAll(fh, slice);
      hash.update(slice);
      await writing;
    }
    options.onProgress?.({ loaded: buf.length, total: buf.length });
    return { size: buf.length, sha256: Promise.resolve(hash.digest('hex')) };
  }
  const sha256 = sink.digest();
  sha256.catch(() => {}); // awaited by writeTemp
  options.onProgress?.({ loaded: buf.length, total: buf.length });
  return { size: buf.length, sha256 };
}

/** Writes the stream chunk by chunk, feeding each chunk to the hash; the digest may still be running. */
async function writeStream(
  fh: FileHandle,
  body: Body,
  sink: Sha256Sink,
  options: Pick<PutOptions, 'contentLength' | 'signal' | 'onProgress'>,
): Promise<{ size: number; sha256: Promise<string> }> {
  const { signal, onProgress, contentLength } = options;
  const source = toReadable(body);
  const onAbort = () => source.destroy(abortedError(signal));
  if (signal?.aborted) onAbort();
  signal?.addEventListener('abort', onAbort, { once: true });
  let size = 0;
  let reported = false;
  let writeError: unknown;
  try {
    for await (const chunk of source) {
      const buf = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : (chunk as Buffer);
      if (!(buf instanceof Uint8Array)) {
        throw new StorageError('InvalidInput', `Body stream yielded a ${typeof chunk}, not bytes`);
      }
      size += buf.length;
      if (contentLength !== undefined && size > contentLength) {
        throw new StorageError('Integrity', `Body is longer than contentLength ${contentLength}`);
      }
      const behind = sink.update(buf);
      await writeAll(fh, buf).catch((error: unknown) => {
        writeError = error;
        throw error;
      });
      if (behind !== undefined) await behind;
      onProgress?.({ loaded: size, ...(contentLength !== undefined ? { total: contentLength } : {}) });
      reported = true;
    }
  } catch (error) {
    source.destroy();
    if (signal?.aborted) throw abortedError(signal);
    // A failing disk (ENOSPC, EIO) is the store's failure, mapped by the caller; not the body's.
    if (isStorageError(error) || error === writeError) throw error;
    throw new StorageError(
      'Unexpected',
      `Reading the body failed: ${(error as Error)?.message ?? String(error)}`,
      { cause: error },
    );
  } finally {
    signal?.removeEventListener('abort', onAbort);
  }
  if (!reported)
    onProgress?.({ loaded: 0, ...(contentLength !== undefined ? { total: contentLength } : {}) });
  const sha256 = sink.digest();
  sha256.catch(() => {}); // awaited by writeTemp
  return { size, sha256 };
}
