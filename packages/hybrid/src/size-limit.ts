import { type Body, knownLength, StorageError, toReadable } from '@stowage/core';
import { inspectStream } from '@stowage/kit';

/**
 * Enforces the hybrid's declared `maxObjectSize` (the smaller of its two backends') on the
 * side that would accept more, so the limit a caller reads from `capabilities` holds
 * whichever side a key routes to. Bodies of known length were checked by the checked layer;
 * a stream is checked as it is read, and lazily: nothing is pulled from it before the
 * backend starts reading. Destroying the returned stream destroys the caller's at once, so
 * an aborted put settles and releases its key (issue 7).
 * @throws PayloadTooLarge (from the stream) as it crosses the limit.
 */
export function limitBody(
  body: Body,
  limit: number | undefined,
  sideLimit: number | undefined,
  ctx: { operation: string; key?: string; backend: string },
): Body {
  if (limit === undefined || (sideLimit !== undefined && sideLimit <= limit)) return body;
  if (knownLength(body) !== undefined) return body;
  let seen = 0;
  return inspectStream(toReadable(body), (chunk) => {
    seen += chunk.length;
    if (seen > limit) {
      throw new StorageError(
        'PayloadTooLarge',
        `Object of ${seen}+ bytes exceeds this store's limit of ${limit}`,
        ctx,
      );
    }
  });
}
