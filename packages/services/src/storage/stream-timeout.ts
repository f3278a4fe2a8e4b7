import type { Readable } from 'node:stream';
import { StorageError } from '@stowage/core';
import { pullReadable } from '@stowage/kit';

/**
 * `body` with a stall timeout: when the reader asks for bytes and none arrive for `idleMs`,
 * the stream fails with `Timeout` (retryable) and the source is destroyed, freeing its socket
 * or file. A slow reader is not a stall: the clock runs only while the reader is waiting.
 */
export function withStallTimeout(
  body: Readable,
  idleMs: number,
  ctx: { operation: string; key: string; backend: string },
): Readable {
  const chunks = body[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  body.on('error', () => {}); // surfaced through the iterator
  return pullReadable(
    async () => {
      let timer: NodeJS.Timeout | undefined;
      const stalled = new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new StorageError('Timeout', `No byte of the body arrived for ${idleMs} ms`, ctx)),
          idleMs,
        );
      });
      try {
        const next = await Promise.race([chunks.next(), stalled]);
        return next.done ? null : next.value;
      } finally {
        clearTimeout(timer);
      }
    },
    (error) => {
      if (!body.destroyed) body.destroy(error ?? undefined);
    },
  );
}
