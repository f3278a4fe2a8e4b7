import type { DeleteManyResult } from '@stowage/core';
import type { Router } from './router.js';
import type { Side } from './routing.js';

/*
 * Deletes remove the key from both sides. One side failing still acknowledges the delete:
 * that side's copy is recorded stale (never served, cleaned later). Both failing throws,
 * and nothing is acknowledged.
 */

/**
 * Deletes `key` on both sides; the caller holds its exclusive lock.
 * @throws the backend's error when neither side deleted; `Unavailable` when a leftover
 * could not be recorded.
 */
export async function deleteBoth(router: Router, key: string, signal?: AbortSignal): Promise<void> {
  await router.index.resync(key);
  const options = signal === undefined ? {} : { signal };
  const [fromResult, toResult] = await Promise.allSettled([
    router.from.delete(key, options),
    router.to.delete(key, options),
  ]);
  await settleDelete(
    router,
    key,
    fromResult.status === 'fulfilled' ? undefined : fromResult.reason,
    toResult.status === 'fulfilled' ? undefined : toResult.reason,
  );
}

/**
 * Deletes a batch of valid, distinct keys on both sides with one `deleteMany` per side,
 * under the keys' exclusive locks. Per-key failures are reported, never thrown.
 */
export async function deleteBatchBoth(
  router: Router,
  keys: readonly string[],
  signal?: AbortSignal,
): Promise<DeleteManyResult> {
  const result: DeleteManyResult = { deleted: 0, errors: [] };
  if (keys.length === 0) return result;
  const release = await router.locks.acquireMany(keys.map((key) => ({ key, exclusive: true })));
  try {
    const ready: string[] = [];
    for (const key of keys) {
      try {
        await router.index.resync(key);
        ready.push(key);
      } catch (error) {
        result.errors.push({ key, error: error as Error });
      }
    }
    const options = signal === undefined ? {} : { signal };
    const perSide = await Promise.allSettled([
      router.from.deleteMany(ready, options),
      router.to.deleteMany(ready, options),
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
          await settleDelete(router, key, fromFailures.get(key), toFailures.get(key));
          result.deleted++;
        } catch (error) {
          result.errors.push({ key, error: error instanceof Error ? error : new Error(String(error)) });
        }
      }),
    );
  } finally {
    release();
  }
  return result;
}

/** Records the outcome of deleting `key` on both sides. @throws the failure when neither side deleted. */
async function settleDelete(
  router: Router,
  key: string,
  fromError: unknown,
  toError: unknown,
): Promise<void> {
  const { index } = router;
  if (fromError === undefined && toError === undefined) {
    await index.clear(key);
    return;
  }
  if (fromError !== undefined && toError !== undefined) {
    index.noteFailure(key, fromError);
    throw fromError;
  }
  const failed: Side = fromError !== undefined ? 'from' : 'to';
  index.noteFailure(key, fromError ?? toError);
  if (index.staleSide(key) !== failed) await index.markStale(key, failed, 'delete');
  router.logger.warn('hybrid: delete left a stale copy for cleanup', {
    key,
    side: failed,
    error: String(fromError ?? toError),
  });
}
