import {
  type PresignedRequest,
  type PresignGetOptions,
  type PresignPutOptions,
  StorageError,
} from '@stowage/core';
import { sideHolding } from './read-routed.js';
import { relocateLocked } from './relocate.js';
import type { Router } from './router.js';

/**
 * A URL on the side that holds the object now (the routed side when it does not exist).
 * A URL issued before the key migrates answers 404 once the old copy is removed: ask again.
 */
export function presignGetRouted(router: Router, key: string, options: PresignGetOptions): Promise<string> {
  return router.shared(key, 'presignGet', async (op) =>
    op.backend(await sideHolding(op, key)).presignGet(key, options),
  );
}

/**
 * A PUT to the routed side. An upload through it bypasses the router, so the router cannot
 * remove the other side's copy afterwards; instead, before signing, it moves any existing
 * copy to the routed side (verified, as the Migrator does) and removes stale copies, so the
 * upload replaces the only copy in place and no older version is left to resurface on rollback.
 * @throws as `relocate` when an existing copy could not be moved; `Unavailable` when a
 * stale copy could not be removed yet.
 */
export function presignPutRouted(
  router: Router,
  key: string,
  options: PresignPutOptions,
): Promise<PresignedRequest> {
  return router.exclusive([key], 'presignPut', async (op) => {
    const side = op.routeOf(key);
    await relocateLocked(op, key, {});
    if (op.index.staleSide(key) !== undefined) {
      throw new StorageError('Unavailable', 'A stale copy of this key could not be removed yet; retry', {
        key,
      });
    }
    return op.backend(side).presignPut(key, options);
  });
}
