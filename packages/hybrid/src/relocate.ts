import {
  type GetResult,
  isStorageError,
  type ObjectInfo,
  type PutOptions,
  StorageError,
} from '@stowage/core';
import { etagsMatch, hashingStream, sha256OfStream } from '@stowage/kit';
import { preservedPutOptions } from './copy-routed.js';
import type { Op } from './router.js';
import { otherSide, type Side } from './routing.js';
import { removeOtherCopy } from './write-routed.js';

/** Deleting a copy that failed verification is tried this many times before it is recorded stale. */
const DISCARD_ATTEMPTS = 3;

/** What `relocate` did with one key. */
export type RelocateOutcome =
  /** Only on the side it routes to (or nowhere): nothing to do. */
  | { status: 'in-place'; side: Side | undefined }
  /**
   * Copied to the routed side, verified by sha256, source removed (or its cleanup recorded).
   * `verifiedBy`: "destination" when the routed side checked the source's sha256 while
   * writing (see `RelocateOptions.reread`), "reread" when the copy was read back and hashed.
   */
  | {
      status: 'moved';
      from: Side;
      to: Side;
      bytes: number;
      sha256: string;
      verifiedBy: 'destination' | 'reread';
      cleanupPending: boolean;
    }
  /** A stale copy was removed; nothing needed copying. */
  | { status: 'cleaned'; side: Side }
  /** The routed side already held a version (written meanwhile); it is what reads return, so it was kept and the other copy removed. */
  | { status: 'kept-destination'; from: Side; to: Side; cleanupPending: boolean }
  /** Dry run: this key would be copied. */
  | { status: 'would-move'; from: Side; to: Side; bytes: number };

export interface RelocateOptions {
  signal?: AbortSignal | undefined;
  dryRun?: boolean | undefined;
  /**
   * Read every copy back from the destination and hash it, even when the destination
   * verified it while writing. By default a destination that declares `sha256` (it verifies
   * `sha256` on put) and was given the source's recorded sha256 is trusted: it refused the
   * put had the bytes it stored differed, so the read-back would only repeat that check.
   */
  reread?: boolean | undefined;
}

/**
 * Moves `key` to the side it routes to, if it is elsewhere; the caller holds the key's
 * exclusive lock. Streams the source to the routed side through a sha256 hasher
 * (`ifNoneMatch: '*'` there, metadata preserved), verifies the copy — by the destination's
 * own sha256 check on the put, or by re-reading it (see `RelocateOptions.reread`; etags
 * differ across backends and multipart) — while re-checking the source's etag, and only
 * then removes the source (or records it stale). Nothing is buffered whole.
 * Stale copies met on the way are removed.
 * @throws Integrity when the copy does not verify (the source is kept, the copy removed).
 * @throws Conflict when the source changed during the copy (only possible from another process).
 */
export async function relocateLocked(
  op: Op,
  key: string,
  options: RelocateOptions,
): Promise<RelocateOutcome> {
  const { index } = op;
  await op.resync(key);
  const dest = op.routeOf(key);
  const src = otherSide(dest);
  const stale = index.staleSide(key);
  const srcStore = op.backend(src);
  const destStore = op.backend(dest);
  const signalOpt = options.signal === undefined ? {} : { signal: options.signal };

  const clean = async (side: Side): Promise<RelocateOutcome> => {
    if (!options.dryRun) {
      op.assertHeld();
      await op.backend(side).delete(key, signalOpt);
      await index.clear(key);
    }
    return { status: 'cleaned', side };
  };
  if (stale === src) return clean(src);
  // Nothing to copy: a deleted key whose routed side still holds a stale copy, or in place.
  const missing = async (): Promise<RelocateOutcome> =>
    stale === dest
      ? clean(dest)
      : { status: 'in-place', side: (await destStore.exists(key, signalOpt)) ? dest : undefined };
  const readSource = async <T>(read: () => Promise<T>): Promise<T | undefined> => {
    try {
      return await read();
    } catch (error) {
      if (isStorageError(error, 'NotFound')) return undefined;
      throw error;
    }
  };
  if (options.dryRun) {
    const info = await readSource(() => srcStore.head(key, signalOpt));
    return info === undefined ? missing() : { status: 'would-move', from: src, to: dest, bytes: info.size };
  }
  const got: GetResult | undefined = await readSource(() => srcStore.get(key, signalOpt));
  if (got === undefined) return missing();

  const useIfNoneMatch = stale !== dest && destStore.capabilities.writeIfNoneMatch;
  if (stale !== dest && !useIfNoneMatch) {
    let occupied: boolean;
    try {
      occupied = await destStore.exists(key, signalOpt);
    } catch (error) {
      got.body.destroy();
      throw error;
    }
    if (occupied) {
      got.body.destroy();
      return resolveDuplicate(op, key, src, dest);
    }
  }
  // The hasher fails the last read (Integrity) when the source is short or does not match
  // its recorded sha256, so the destination never commits such a copy.
  const hashed = hashingStream(got.body, { contentLength: got.info.size, sha256: got.info.sha256 }, { key });
  const putOptions: PutOptions = {
    ...preservedPutOptions(got.info, destStore.capabilities),
    contentLength: got.info.size,
    ...signalOpt,
  };
  if (useIfNoneMatch) putOptions.ifNoneMatch = '*';
  if (got.info.sha256 !== undefined && destStore.capabilities.sha256) putOptions.sha256 = got.info.sha256;
  let written: ObjectInfo;
  try {
    op.assertHeld();
    written = await destStore.put(key, hashed.body, putOptions);
  } catch (error) {
    // Destroying the hasher destroys the source body too, whatever state the put left it in.
    hashed.body.destroy();
    if (isStorageError(error, 'AlreadyExists')) return resolveDuplicate(op, key, src, dest);
    throw error;
  }
  hashed.body.destroy();
  // Past this point the copy exists: finish verification and cleanup even if aborted, so no
  // unverified duplicate is left behind.
  const copied = hashed.result();
  const discardCopy = async (why: StorageError): Promise<never> => {
    if (stale !== dest) {
      // A few attempts: a copy recorded stale on its routed side keeps a rollout from settling.
      for (let attempt = 1; ; attempt++) {
        try {
          await destStore.delete(key);
          break;
        } catch (error) {
          index.noteFailure(key, error);
          if (attempt >= DISCARD_ATTEMPTS) {
            await index.markStale(key, dest, 'migrate');
            break;
          }
          await new Promise((resolve) => setTimeout(resolve, 20 * attempt));
        }
      }
    }
    throw why;
  };
  if (copied.bytes !== got.info.size) {
    return discardCopy(
      new StorageError('Integrity', `Read ${copied.bytes} bytes of a ${got.info.size}-byte source`, { key }),
    );
  }
  // The destination checked the bytes it stored against the source's recorded sha256, which
  // the hasher checked the source's bytes against on the way: nothing is left to re-read.
  const verifiedBy =
    !options.reread &&
    putOptions.sha256 !== undefined &&
    copied.sha256 === putOptions.sha256 &&
    written.sha256 === copied.sha256 &&
    written.size === copied.bytes
      ? 'destination'
      : 'reread';
  // The verifying re-read and the source's etag re-check are independent: run them together.
  const [check, now] = await Promise.all([
    verifiedBy === 'destination' ? copied : destStore.get(key).then((reread) => sha256OfStream(reread.body)),
    srcStore.head(key).catch((error: unknown) => {
      if (isStorageError(error, 'NotFound')) return undefined;
      throw error;
    }),
  ]);
  if (check.sha256 !== copied.sha256 || check.bytes !== copied.bytes) {
    return discardCopy(
      new StorageError('Integrity', `Copy on ${destStore.name} does not match the source (sha256 differs)`, {
        key,
      }),
    );
  }
  if (now === undefined || !etagsMatch(now.etag, got.info.etag)) {
    return discardCopy(
      new StorageError('Conflict', 'The source changed during migration; it was kept', { key }),
    );
  }
  const removed = await removeOtherCopy(op, key, dest, 'migrate');
  return {
    status: 'moved',
    from: src,
    to: dest,
    bytes: copied.bytes,
    sha256: copied.sha256,
    verifiedBy,
    cleanupPending: !removed,
  };
}

/**
 * Both sides hold an unrecorded copy: left by an earlier attempt whose verification did not
 * finish, by a crash between a write and its cleanup, or by a write from another process.
 * Identical bytes (sha256 of both, streamed) complete the move; otherwise the routed side's
 * copy is the one reads already return, so it is kept and the other removed.
 */
async function resolveDuplicate(op: Op, key: string, src: Side, dest: Side): Promise<RelocateOutcome> {
  const digest = (side: Side) =>
    op
      .backend(side)
      .get(key)
      .then((got) => sha256OfStream(got.body));
  const [source, destination] = await Promise.all([digest(src), digest(dest)]);
  const removed = await removeOtherCopy(op, key, dest, 'migrate');
  if (source.sha256 === destination.sha256 && source.bytes === destination.bytes) {
    return {
      status: 'moved',
      from: src,
      to: dest,
      bytes: source.bytes,
      sha256: source.sha256,
      verifiedBy: 'reread',
      cleanupPending: !removed,
    };
  }
  return { status: 'kept-destination', from: src, to: dest, cleanupPending: !removed };
}
