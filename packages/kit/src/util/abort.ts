import type { Readable } from 'node:stream';
import { StorageError } from '@stowage/core';

/** @throws Aborted (or Timeout, see `abortedError`) when the signal has aborted. */
export function throwIfAborted(
  signal: AbortSignal | undefined,
  ctx: { operation?: string; key?: string; backend?: string } = {},
): void {
  if (signal?.aborted) throw abortedError(signal, ctx);
}

/**
 * The error for an aborted signal. One rule everywhere: a signal that timed out
 * (`AbortSignal.timeout()`, whose reason is a `TimeoutError`) is `Timeout`, retryable like
 * any timeout; every other abort is the caller's decision, `Aborted`, not retryable.
 */
export function abortedError(
  signal: AbortSignal | undefined,
  ctx: { operation?: string; key?: string; backend?: string } = {},
): StorageError {
  const reason: unknown = signal?.reason;
  if (isTimeoutReason(reason)) {
    return new StorageError('Timeout', 'Operation timed out (its AbortSignal timed out)', {
      ...ctx,
      cause: reason,
    });
  }
  return new StorageError('Aborted', 'Operation aborted', { ...ctx, cause: reason });
}

/** Whether an abort reason says the signal timed out. */
export function isTimeoutReason(reason: unknown): boolean {
  return (
    typeof reason === 'object' && reason !== null && (reason as { name?: unknown }).name === 'TimeoutError'
  );
}

/**
 * Destroys a body handed to a caller with `Aborted` when `signal` aborts. The error reaches
 * whoever reads the body (a read started later sees it too, from the stream's `errored`
 * state); a body nobody is reading yet must not take the process down with an unhandled
 * 'error' event.
 */
export function destroyOnAbort(
  body: Readable,
  signal: AbortSignal | undefined,
  ctx: { operation?: string; key?: string; backend?: string } = {},
): void {
  if (signal === undefined) return;
  const onAbort = () => {
    if (body.destroyed) return;
    if (body.listenerCount('error') === 0) body.once('error', () => {});
    body.destroy(abortedError(signal, ctx));
  };
  if (signal.aborted) {
    onAbort();
    return;
  }
  signal.addEventListener('abort', onAbort, { once: true });
  body.once('close', () => signal.removeEventListener('abort', onAbort));
}
