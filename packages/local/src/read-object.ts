import type { BigIntStats } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { type GetOptions, type GetResult, type ObjectInfo, StorageError } from '@stowage/core';
import { destroyOnAbort, etagsMatch, resolveRange } from '@stowage/kit';
import type { LocalContext } from './local-context.js';
import { toInfo } from './object-entries.js';
import { bodyPath } from './paths.js';
import { openBody } from './safe-paths.js';
import type { SidecarEntry } from './sidecar.js';

/** Bytes per read of a body stream. */
const READ_CHUNK = 256 * 1024;
/** Bodies (or ranges) below this are read in one call when opened, not streamed from the file. */
const SMALL_READ = 64 * 1024;

async function readExactly(fh: FileHandle, position: number, length: number): Promise<Buffer> {
  const buf = Buffer.allocUnsafe(length);
  let filled = 0;
  while (filled < length) {
    const { bytesRead } = await fh.read(buf, filled, length - filled, position + filled);
    // Bodies are never changed in place (writes rename a new file over them): a short file is damage.
    if (bytesRead === 0)
      throw new StorageError('Unexpected', `The body ended ${length - filled} bytes early`);
    filled += bytesRead;
  }
  return buf;
}

/** Scratch buffers for the first read of a get, reused: the bytes are copied out at their size. */
const scratch: Buffer[] = [];
const SCRATCH_KEPT = 16;

/** The first `SMALL_READ` bytes (or fewer: all there are) of the open body, in a buffer of their size. */
async function readHead(fh: FileHandle): Promise<Buffer> {
  const buf = scratch.pop() ?? Buffer.allocUnsafeSlow(SMALL_READ);
  try {
    const { bytesRead } = await fh.read(buf, 0, SMALL_READ, 0);
    return Buffer.from(buf.subarray(0, bytesRead));
  } finally {
    if (scratch.length < SCRATCH_KEPT) scratch.push(buf);
  }
}

/** A byte stream (not object mode) of one buffer. */
function bytesStream(buf: Buffer): Readable {
  const body = new Readable({ read() {} });
  body.push(buf);
  body.push(null);
  return body;
}

function notFound(key: string): StorageError {
  return new StorageError('NotFound', `No object at ${JSON.stringify(key)}`);
}

/** @throws NotFound when `st` is not a regular file (a folder, a FIFO, a device). */
function assertRegularFile(key: string, st: BigIntStats): void {
  if (!st.isFile()) {
    const what = st.isDirectory() ? 'a folder' : 'not a regular file';
    throw new StorageError('NotFound', `No object at ${JSON.stringify(key)} (it is ${what})`);
  }
}

/**
 * Opens the object for reading and resolves its entry. The caller owns the handle. With
 * `head`, its first 64 KiB are read beside the stat: for a small body that is all of it
 * (`bytes`), so a whole-object get waits for one pool round trip fewer, and a cold entry is
 * hashed from those bytes instead of read again.
 * @throws NotFound, PermissionDenied (a symlink on the way).
 */
export async function openObject(
  cx: LocalContext,
  key: string,
  options: { head?: boolean } = {},
): Promise<{ fh: FileHandle; entry: SidecarEntry; size: number; bytes?: Buffer }> {
  const path = bodyPath(cx.root, key);
  const fh = await openBody(path, key);
  if (fh === undefined) throw notFound(key);
  try {
    const [stat, head] = await Promise.allSettled([
      fh.stat({ bigint: true }),
      options.head ? readHead(fh) : Promise.resolve(undefined),
    ]);
    if (stat.status === 'rejected') throw stat.reason;
    const st = stat.value;
    assertRegularFile(key, st);
    const size = Number(st.size);
    const bytes = head.status === 'fulfilled' && head.value?.length === size ? head.value : undefined;
    const entry = await cx.entries.entryFor(key, path, st, fh, bytes);
    return bytes === undefined ? { fh, entry, size } : { fh, entry, size, bytes };
  } catch (error) {
    await fh.close().catch(() => {});
    throw error;
  }
}

/**
 * The object's info and a stream of its bytes (or of the range), read from the descriptor
 * opened here: a replacement of the file after this returns does not change what is read.
 *
 * The body holds that descriptor until it ends, fails or is destroyed (an abort of `signal`
 * destroys it); a body that is never read nor destroyed holds it until garbage collection.
 * Bodies (and ranges) under 64 KiB are read here and hold no descriptor.
 * @throws NotFound, PermissionDenied, PreconditionFailed (ifMatch).
 */
export async function readObject(cx: LocalContext, key: string, options: GetOptions): Promise<GetResult> {
  // Small gets are latency-bound: a whole-object get reads its head beside the stat.
  const { fh, entry, size, bytes: known } = await openObject(cx, key, { head: options.range === undefined });
  try {
    if (options.ifMatch !== undefined && !etagsMatch(entry.etag, options.ifMatch)) {
      throw new StorageError('PreconditionFailed', `ETag ${entry.etag} does not match ${options.ifMatch}`);
    }
    const range = options.range === undefined ? undefined : resolveRange(options.range, size);
    const start = range?.start ?? 0;
    const end = range?.end ?? size - 1;
    let body: Readable;
    if (end < start) {
      closeSoon(fh);
      body = Readable.from([]);
    } else if (end - start < SMALL_READ) {
      // Read at once, the descriptor let go: no file stream to set up, and no descriptor
      // left to a caller who never reads.
      body = bytesStream(known ?? (await readExactly(fh, start, end - start + 1)));
      closeSoon(fh);
    } else {
      // autoClose: the descriptor closes when the stream ends, fails or is destroyed.
      body = fh.createReadStream({ start, end, autoClose: true, highWaterMark: READ_CHUNK });
    }
    destroyOnAbort(body, options.signal);
    const info = toInfo(key, entry, size);
    return range === undefined ? { info, body } : { info, body, range };
  } catch (error) {
    await fh.close().catch(() => {});
    throw error;
  }
}

/**
 * Closes a read-only descriptor whose bytes are all read, without waiting: nothing a close
 * could report matters to the reader, and the get returns one pool round trip sooner.
 */
function closeSoon(fh: FileHandle): void {
  fh.close().catch(() => {});
}

/** @throws NotFound, PermissionDenied. */
export async function headObject(cx: LocalContext, key: string): Promise<ObjectInfo> {
  const { fh, entry, size } = await openObject(cx, key);
  await fh.close();
  return toInfo(key, entry, size);
}

/** Whether a regular file is at the key. @throws PermissionDenied (a symlink on the way). */
export async function objectExists(cx: LocalContext, key: string): Promise<boolean> {
  const fh = await openBody(bodyPath(cx.root, key), key);
  if (fh === undefined) return false;
  try {
    return (await fh.stat()).isFile();
  } finally {
    await fh.close();
  }
}
