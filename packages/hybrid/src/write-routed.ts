import { isStorageError, type ObjectInfo, type ObjectStore, StorageError } from '@stowage/core';
import { etagsMatch } from '@stowage/kit';
import { type Location, locate } from './read-routed.js';
import type { Op } from './router.js';
import { otherSide, type Side } from './routing.js';
import type { StaleReason } from './stale-copies.js';

/** The conditions a write hands its routed backend (the backend enforces them there). */
export interface PassedConditions {
  ifNoneMatch?: '*' | undefined;
  ifMatch?: string | undefined;
}

/**
 * The write protocol (put, and the destination of copy and move), under the key's
 * exclusive lock:
 * 1. evaluate conditions against the fresh copy, wherever it is (`ifNoneMatch: '*'` fails if
 *    either side holds a fresh copy; `ifMatch` compares with the fresh copy's etag);
 * 2. write the routed side, passing on what its backend enforces itself;
 * 3. if the routed side was recorded stale, re-point the record at the other side (its copy
 *    is now the older one) before touching it;
 * 4. delete the other side's copy; on failure record it as stale before acknowledging.
 * @throws AlreadyExists, PreconditionFailed, Conflict (file/folder) before anything is written;
 * `Unavailable` when a stale copy could not be recorded (the write is then not acknowledged).
 */
export async function writeRouted(
  op: Op,
  key: string,
  reason: StaleReason,
  conditions: {
    ifNoneMatch?: '*' | undefined;
    ifMatch?: string | undefined;
    signal?: AbortSignal | undefined;
  },
  write: (store: ObjectStore, pass: PassedConditions) => Promise<ObjectInfo>,
): Promise<ObjectInfo> {
  const { index } = op;
  await op.resync(key);
  const side = op.routeOf(key);
  const other = otherSide(side);
  const stale = index.staleSide(key);
  const target = op.backend(side);
  const signalOpt = conditions.signal === undefined ? {} : { signal: conditions.signal };
  if (op.from.capabilities.fileFolderConflict || op.to.capabilities.fileFolderConflict) {
    await assertNoFolderConflict(op, key, side, signalOpt);
  }
  // Conditions the caller gave are evaluated here; only these reach the backend.
  const pass: PassedConditions = { ifNoneMatch: undefined, ifMatch: undefined };
  if (conditions.ifNoneMatch === '*') {
    if (stale !== other && (await op.backend(other).exists(key, signalOpt))) {
      throw new StorageError('AlreadyExists', 'An object already exists under this key', { key });
    }
    // A recorded stale copy on the routed side does not count as existing: overwrite it.
    if (stale !== side) pass.ifNoneMatch = '*';
  } else if (conditions.ifMatch !== undefined) {
    let current: Location | undefined;
    try {
      current = await locate(op, key, conditions.signal);
    } catch (error) {
      if (!isStorageError(error, 'NotFound')) throw error;
    }
    if (current === undefined) {
      throw new StorageError('PreconditionFailed', 'No object under this key to match', { key });
    }
    if (current.side === side) {
      pass.ifMatch = conditions.ifMatch;
    } else if (!etagsMatch(current.info.etag, conditions.ifMatch)) {
      throw new StorageError(
        'PreconditionFailed',
        `ETag ${current.info.etag} does not match ${conditions.ifMatch}`,
        { key },
      );
    } else if (stale !== side && target.capabilities.writeIfNoneMatch) {
      // The matched object is on the other side; nothing may appear on the routed side meanwhile.
      pass.ifNoneMatch = '*';
    }
  }
  op.assertHeld();
  const info = await write(target, pass);
  await removeOtherCopy(op, key, side, reason);
  return info;
}

/**
 * Steps 3 and 4 of the write protocol: `side` now holds the fresh copy.
 * @returns whether the other copy is gone (false: it is recorded stale, for cleanup).
 * @throws Unavailable when the stale copy could not be recorded.
 */
export async function removeOtherCopy(
  op: Op,
  key: string,
  side: Side,
  reason: StaleReason,
): Promise<boolean> {
  const { index } = op;
  const other = otherSide(side);
  if (index.staleSide(key) === side) await index.markStale(key, other, reason);
  op.assertHeld();
  try {
    await op.backend(other).delete(key);
  } catch (error) {
    index.noteFailure(key, error);
    if (index.staleSide(key) !== other) await index.markStale(key, other, reason);
    op.logger.warn('hybrid: stale copy left for cleanup', { key, side: other, error: String(error) });
    return false;
  }
  await index.clear(key);
  return true;
}

/**
 * With a filesystem-like side, "a" and "a/b" cannot both exist, and the router keeps that
 * rule across sides too (else a later migration could never bring them together). A side
 * that enforces it itself is trusted for its own contents.
 * @throws Conflict when an ancestor of `key` is an object, or `key` is a folder, on either side.
 */
export async function assertNoFolderConflict(
  op: Op,
  key: string,
  routed: Side,
  signalOpt: { signal?: AbortSignal },
): Promise<void> {
  const { index } = op;
  const segments = key.split('/');
  const ancestors = segments.slice(1).map((_, i) => segments.slice(0, i + 1).join('/'));
  await Promise.all(
    (['from', 'to'] as const).map(async (side) => {
      const store = op.backend(side);
      if (side === routed && store.capabilities.fileFolderConflict) return;
      const [present, page] = await Promise.all([
        Promise.all(ancestors.map((ancestor) => store.exists(ancestor, signalOpt))),
        store.listPage({ prefix: `${key}/`, limit: 10, ...signalOpt }),
      ]);
      const clash = ancestors.find((ancestor, i) => present[i] && index.staleSide(ancestor) !== side);
      if (clash !== undefined) {
        throw new StorageError(
          'Conflict',
          `${JSON.stringify(clash)} is an object, so it cannot also be a folder`,
          { key },
        );
      }
      if (page.items.some((item) => index.staleSide(item.key) !== side)) {
        throw new StorageError(
          'Conflict',
          `${JSON.stringify(key)} is a folder of other keys, so it cannot also be an object`,
          { key },
        );
      }
    }),
  );
}
