import { isStorageError, type ObjectInfo, type ObjectStore } from '@stowage/core';
import type { Op } from './router.js';
import type { Side } from './routing.js';

/** Where an object currently lives. */
export interface Location {
  side: Side;
  store: ObjectStore;
  info: ObjectInfo;
}

/*
 * Reads: the routed side first, then the other side on NotFound only (any other error
 * propagates, so a failing side never makes an older copy visible), never a side recorded
 * as stale. Callers hold the key's shared (or exclusive) lock, or run on a settled
 * rollout's fast path (`fast-path.ts`).
 */

/** The first side's answer, in `op.readOrder`. @throws the last NotFound when no side has it. */
export async function readFirst<T>(
  op: Op,
  key: string,
  read: (store: ObjectStore, side: Side) => Promise<T>,
): Promise<T> {
  let notFound: unknown;
  for (const side of op.readOrder(key)) {
    try {
      return await read(op.backend(side), side);
    } catch (error) {
      if (!isStorageError(error, 'NotFound')) throw error;
      notFound = error;
    }
  }
  throw notFound;
}

/** Whether a side the key may be read from holds it. */
export async function existsOnReadableSide(
  op: Op,
  key: string,
  options: { signal?: AbortSignal },
): Promise<boolean> {
  for (const side of op.readOrder(key)) {
    if (await op.backend(side).exists(key, options)) return true;
  }
  return false;
}

/** The fresh copy's side, backend and info. @throws NotFound when neither side holds one. */
export function locate(op: Op, key: string, signal?: AbortSignal): Promise<Location> {
  return readFirst(op, key, async (store, side) => ({
    side,
    store,
    info: await store.head(key, signal === undefined ? {} : { signal }),
  }));
}

/** The side holding the fresh copy, or the side a read would try first when there is none. */
export async function sideHolding(op: Op, key: string, signal?: AbortSignal): Promise<Side> {
  try {
    return (await locate(op, key, signal)).side;
  } catch (error) {
    if (isStorageError(error, 'NotFound')) return op.readOrder(key)[0]!;
    throw error;
  }
}
