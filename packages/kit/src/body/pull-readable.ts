import { Readable } from 'node:stream';
import { StorageError } from '@stowage/core';

/**
 * A byte stream that pulls its chunks from `pull` (null ends it) as the consumer reads, and
 * that settles its `destroy` at once, handing the error to `release` (which destroys the
 * source the chunks come from).
 *
 * `Readable.from(asyncGenerator)` looks the same but is not: its destroy waits for the
 * generator to stop, and a generator parked on a source that no longer flows (a stalled
 * upload) never stops, so an aborted write hung forever and kept its key locked. Every
 * wrapper that checks, hashes or limits a body on its way to a backend is built on this.
 */
export function pullReadable(
  pull: () => Promise<Uint8Array | null>,
  release: (error: Error | null) => void,
): Readable {
  return new Readable({
    async read() {
      let chunk: Uint8Array | null;
      try {
        chunk = await pull();
      } catch (error) {
        this.destroy(error as Error);
        return;
      }
      if (!this.destroyed) this.push(chunk);
    },
    destroy(error, callback) {
      try {
        release(error);
      } finally {
        callback(error);
      }
    },
  });
}

/**
 * A stream of `source`'s bytes that passes each chunk through `inspect` (which may throw to
 * fail the stream) and calls `atEnd` (which may throw too) before it ends. Reads `source`
 * only as it is read; destroying it destroys `source`.
 */
export function inspectStream(
  source: Readable,
  inspect: (chunk: Buffer) => void,
  atEnd?: () => void,
): Readable {
  const iterator = source[Symbol.asyncIterator]() as AsyncIterator<unknown>;
  // An error after the consumer gave up (say the source failing as it is destroyed) has nobody to reach.
  source.on('error', () => {});
  return pullReadable(
    async () => {
      const next = await iterator.next();
      if (next.done) {
        atEnd?.();
        return null;
      }
      const chunk = asBuffer(next.value);
      inspect(chunk);
      return chunk;
    },
    (error) => {
      if (!source.destroyed) source.destroy(error ?? undefined);
    },
  );
}

function asBuffer(value: unknown): Buffer {
  if (Buffer.isBuffer(value)) return value;
  if (typeof value === 'string') return Buffer.from(value, 'utf8');
  if (value instanceof Uint8Array) return Buffer.from(value.buffer, value.byteOffset, value.byteLength);
  throw new StorageError(
    'InvalidInput',
    `Body stream yielded ${Object.prototype.toString.call(value)}, not bytes`,
  );
}
