import { createHash } from 'node:crypto';
import { StorageError } from '@stowage/core';

/** One of the two backends of a hybrid store. */
export type Side = 'from' | 'to';

export function otherSide(side: Side): Side {
  return side === 'from' ? 'to' : 'from';
}

/**
 * The routing bucket of a key, 0–99: the first four bytes of sha256 over the key's UTF-8
 * bytes, read as a big-endian unsigned integer, modulo 100.
 *
 * This is a published, frozen formula: every process, every version of this package and
 * any other language computes the same bucket for the same key, so a rollout percentage
 * means the same keys everywhere. sha256 rather than a faster non-cryptographic hash
 * because it is available everywhere with identical output, spreads similar keys
 * ("img-0001", "img-0002") evenly, and costs ~1 µs against a storage round trip.
 * (2^32 mod 100 = 96, so the modulo bias is below 3e-8.)
 */
export function routingBucket(key: string): number {
  const digest = createHash('sha256').update(key, 'utf8').digest();
  return digest.readUInt32BE(0) % 100;
}

/** Keys whose bucket is below `percentage` go to `to`; the rest stay on `from`. */
export function routeFor(key: string, percentage: number): Side {
  return routingBucket(key) < percentage ? 'to' : 'from';
}

/** @throws InvalidInput unless `percentage` is an integer from 0 to 100. */
export function assertPercentage(
  percentage: unknown,
  ctx: { operation?: string; backend?: string } = {},
): asserts percentage is number {
  if (typeof percentage !== 'number' || !Number.isInteger(percentage) || percentage < 0 || percentage > 100) {
    throw new StorageError(
      'InvalidInput',
      `percentage must be an integer from 0 to 100; got ${String(percentage)}`,
      ctx,
    );
  }
}
