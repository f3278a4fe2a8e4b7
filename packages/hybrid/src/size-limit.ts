import { Transform, type TransformCallback } from 'node:stream';
import { type Body, knownLength, StorageError, toReadable } from '@stowage/core';

/**
 * Enforces the hybrid's declared `maxObjectSize` (the smaller of its two backends') on the
 * side that would accept more, so the limit a caller reads from `capabilities` holds
 * whichever side a key routes to.
 * @throws PayloadTooLarge when the body is known to exceed the limit (a stream fails as it crosses it).
 */
export function limitBody(
  body: Body,
  limit: number | undefined,
  sideLimit: number | undefined,
  ctx: { operation: string; key: string; backend: string },
): Body {
  if (limit === undefined || (sideLimit !== undefined && sideLimit <= limit)) return body;
  const length = knownLength(body);
  if (length !== undefined) {
    if (length > limit) throw tooLarge(length, limit, ctx);
    return body;
  }
  let seen = 0;
  const guard = new Transform({
    transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback) {
      seen += chunk.length;
      if (seen > limit) cb(tooLarge(seen, limit, ctx));
      else cb(null, chunk);
    },
  });
  const source = toReadable(body);
  source.on('error', (error) => guard.destroy(error));
  guard.on('error', () => source.destroy());
  return source.pipe(guard);
}

function tooLarge(
  size: number,
  limit: number,
  ctx: { operation: string; key: string; backend: string },
): StorageError {
  return new StorageError(
    'PayloadTooLarge',
    `Object of ${size}+ bytes exceeds this store's limit of ${limit}`,
    ctx,
  );
}
