import { isStorageError, type ObjectInfo, type ObjectStore } from '@stowage/core';
import type { Op } from './router.js';
import { otherSide, type Side } from './routing.js';
import type { StaleReason } from './stale-copies.js';
import { assertNoFolderConflict, type PassedConditions } from './write-routed.js';

/*
 * The fast path of a settled rollout version (README, "Several processes"): no per-key
 * locks and no round trip to the job state store, except on a read miss and when a
 * leftover must be recorded. It is safe because, once the Migrator settled the version
 * every process operates at:
 * - every acknowledged version of every key is on the side it routes to, and no stale-copy
 *   record names a routed side (so the routed side alone answers reads);
 * - a copy on the other side is recorded stale, or left by an operation that was never
 *   acknowledged and that no acknowledged operation followed, or uploaded through a URL
 *   presigned under an earlier percentage — never older than an acknowledged operation.
 * Operations that need more (copy, move, deleteMany, presign, relocate) still take locks.
 */

/** The routed side; on NotFound the other side, unless its copy is recorded stale. @throws NotFound */
export async function fastRead<T>(
  op: Op,
  key: string,
  read: (store: ObjectStore, side: Side) => Promise<T>,
): Promise<T> {
  const routed = op.routeOf(key);
  try {
    return await read(op.backend(routed), routed);
  } catch (error) {
    if (!isStorageError(error, 'NotFound')) throw error;
    const other = otherSide(routed);
    // The record first, then the copy: a cleanup deletes the copy before the record.
    if ((await op.index.durableStaleSide(key)) === other) throw error;
    return read(op.backend(other), other);
  }
}

export async function fastExists(op: Op, key: string, options: { signal?: AbortSignal }): Promise<boolean> {
  const routed = op.routeOf(key);
  if (await op.backend(routed).exists(key, options)) return true;
  const other = otherSide(routed);
  if ((await op.index.durableStaleSide(key)) === other) return false;
  return op.backend(other).exists(key, options);
}

/**
 * Writes the routed side (the backend enforces `ifNoneMatch`/`ifMatch`: the fresh copy is
 * there), then removes any other copy, recording it stale before acknowledging if that fails.
 * @throws as the backend's put; Unavailable when a leftover could not be recorded.
 */
export async function fastWrite(
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
  const side = op.routeOf(key);
  const other = otherSide(side);
  if (op.from.capabilities.fileFolderConflict || op.to.capabilities.fileFolderConflict) {
    await assertNoFolderConflict(
      op,
      key,
      side,
      conditions.signal === undefined ? {} : { signal: conditions.signal },
    );
  }
  op.assertHeld();
  const info = await write(op.backend(side), {
    ifNoneMatch: conditions.ifNoneMatch,
    ifMatch: conditions.ifMatch,
  });
  await removeOrRecord(op, key, other, reason);
  return info;
}

/**
 * Deletes the routed side (it must succeed: the delete is not acknowledged otherwise), then
 * the other side, recording its copy stale before acknowledging if that fails.
 */
export async function fastDelete(op: Op, key: string, signal?: AbortSignal): Promise<void> {
  const routed = op.routeOf(key);
  const options = signal === undefined ? {} : { signal };
  op.assertHeld();
  await op.backend(routed).delete(key, options);
  await removeOrRecord(op, key, otherSide(routed), 'delete');
}

async function removeOrRecord(op: Op, key: string, side: Side, reason: StaleReason): Promise<void> {
  op.assertHeld();
  try {
    await op.backend(side).delete(key);
  } catch (error) {
    await op.index.recordStale(key, side, reason);
    op.logger.warn('hybrid: stale copy left for cleanup', { key, side, error: String(error) });
  }
}
