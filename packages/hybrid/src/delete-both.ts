import type { DeleteManyResult } from '@stowage/core';
import type { Op } from './router.js';
import type { Side } from './routing.js';

/*
 * Deletes remove the key from both sides. One side failing still acknowledges the delete:
 * that side's copy is recorded stale (never served, cleaned later). Both failing throws,
 * and nothing is acknowledged. A store that follows a shared rollout is stricter: the
 * routed side must delete (only the other side's leftover may be recorded), so a settled
 * rollout can read the routed side alone.
 */

/**
 * Deletes `key` on both sides; the caller holds its exclusive lock.
 * @throws the backend's error when neither side deleted (following a rollout: when the
 * routed side did not); `Unavailable` when a leftover could not be recorded.
 */
export async function deleteBoth(op: Op, key: string, signal?: AbortSignal): Promise<void> {
  await op.resync(key);
  const options = signal === undefined ? {} : { signal };
  op.assertHeld();
  const [fromResult, toResult] = await Promise.allSettled([
    op.from.delete(key, options),
    op.to.delete(key, options),
  ]);
  await settleDelete(
    op,
    key,
    fromResult.status === 'fulfilled' ? undefined : fromResult.reason,
    toResult.status === 'fulfilled' ? undefined : toResult.reason,
  );
}

/**
 * Deletes a batch of valid, distinct keys on both sides with one `deleteMany` per side; the
 * caller holds the keys' exclusive locks. Per-key failures are reported, never thrown.
 */
export async function deleteBatchBoth(
  op: Op,
  keys: readonly string[],
  signal?: AbortSignal,
): Promise<DeleteManyResult> {
  const result: DeleteManyResult = { deleted: 0, errors: [] };
  if (keys.length === 0) return result;
  const ready: string[] = [];
  for (const key of keys) {
    try {
      await op.resync(key);
      ready.push(key);
    } catch (error) {
      result.errors.push({ key, error: error as Error });
    }
  }
  const options = signal === undefined ? {} : { signal };
  op.assertHeld();
  const perSide = await Promise.allSettled([
    op.from.deleteMany(ready, options),
    op.to.deleteMany(ready, options),
  ]);
  const [fromFailures, toFailures] = perSide.map((outcome) => {
    const failures = new Map<string, unknown>();
    if (outcome.status === 'rejected') {
      for (const key of ready) failures.set(key, outcome.reason);
    } else {
      for (const { key, error } of outcome.value.errors) failures.set(key, error);
    }
    return failures;
  }) as [Map<string, unknown>, Map<string, unknown>];
  await Promise.all(
    ready.map(async (key) => {
      try {
        await settleDelete(op, key, fromFailures.get(key), toFailures.get(key));
        result.deleted++;
      } catch (error) {
        result.errors.push({ key, error: error instanceof Error ? error : new Error(String(error)) });
      }
    }),
  );
  return result;
}

/** Records the outcome of deleting `key` on both sides. @throws the failure when the delete does not hold. */
async function settleDelete(op: Op, key: string, fromError: unknown, toError: unknown): Promise<void> {
  const { index } = op;
  if (fromError === undefined && toError === undefined) {
    await index.clear(key);
    return;
  }
  if (fromError !== undefined && toError !== undefined) {
    index.noteFailure(key, fromError);
    throw fromError;
  }
  const failed: Side = fromError !== undefined ? 'from' : 'to';
  const error = fromError ?? toError;
  index.noteFailure(key, error);
  if (op.routedDeletes && failed === op.routeOf(key)) throw error;
  if (index.staleSide(key) !== failed) await index.markStale(key, failed, 'delete');
  op.logger.warn('hybrid: delete left a stale copy for cleanup', {
    key,
    side: failed,
    error: String(error),
  });
}
