import { type Body, knownLength, StorageError, toReadable } from '@stowage/core';
import { inspectStream } from '@stowage/kit';

/**
 * Enforces the hybrid's declared `maxObjectSize` (the smaller of its two backends') on the
 * side that would accept more, so the limit a caller reads from `capabilities` holds
 * whichever side a key routes to. A stream is checked as it is read, and lazily: nothing
 * is pulled from it before the backend starts reading.
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
  return inspectStream(toReadable(body), (chunk) => {
    seen += chunk.length;
    if (seen > limit) throw tooLarge(seen, limit, ctx);
  });
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
