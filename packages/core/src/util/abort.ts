import { StorageError } from '../errors/storage-error.js';

/** @throws Aborted when the signal has aborted. */
export function throwIfAborted(
  signal: AbortSignal | undefined,
  ctx: { operation?: string; key?: string; backend?: string } = {},
): void {
  if (signal?.aborted) throw abortedError(signal, ctx);
}

export function abortedError(
  signal: AbortSignal | undefined,
  ctx: { operation?: string; key?: string; backend?: string } = {},
): StorageError {
  return new StorageError('Aborted', 'Operation aborted', { ...ctx, cause: signal?.reason });
}
