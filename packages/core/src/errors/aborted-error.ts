import { StorageError } from './storage-error.js';

type Ctx = { operation?: string; key?: string; backend?: string };

/**
 * The error for an aborted signal. One rule everywhere: a signal that timed out
 * (`AbortSignal.timeout()`, whose reason is a `TimeoutError`) is `Timeout`, retryable like
 * any timeout; every other abort is the caller's decision: `Aborted`, not retryable.
 */
export function abortedError(signal: AbortSignal | undefined, ctx: Ctx = {}): StorageError {
  const reason: unknown = signal?.reason;
  if (isTimeoutReason(reason)) {
    return new StorageError('Timeout', 'Operation timed out (its AbortSignal timed out)', {
      ...ctx,
      cause: reason,
    });
  }
  return new StorageError('Aborted', 'Operation aborted', { ...ctx, cause: reason });
}

/** @throws Aborted, or Timeout for a timed-out signal, when the signal has aborted. */
export function throwIfAborted(signal: AbortSignal | undefined, ctx: Ctx = {}): void {
  if (signal?.aborted) throw abortedError(signal, ctx);
}

/** Whether an abort reason says the signal timed out. */
export function isTimeoutReason(reason: unknown): boolean {
  return (
    typeof reason === 'object' && reason !== null && (reason as { name?: unknown }).name === 'TimeoutError'
  );
}
