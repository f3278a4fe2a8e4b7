import type { Readable } from 'node:stream';
import { abortedError } from '@stowage/core';

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
