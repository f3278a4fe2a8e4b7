import { StorageError } from '@stowage/core';

/** SeaweedFS TTL units (seconds each); a TTL is a count of 1–255 of one unit. */
const UNITS: ReadonlyArray<readonly [suffix: string, seconds: number]> = [
  ['m', 60],
  ['h', 3600],
  ['d', 86_400],
  ['w', 604_800],
  ['M', 2_592_000],
  ['y', 31_536_000],
];
const MAX_COUNT = 255;

/**
 * The SeaweedFS TTL for at least `seconds`: the finest unit that can express it, rounded up
 * to a whole count (SeaweedFS stores a count of up to 255 of one unit).
 * @throws InvalidInput below one minute (the filer's granularity) or above 255 years.
 */
export function seaweedTtl(
  seconds: number,
  ctx: { operation?: string; key?: string; backend?: string } = {},
): { text: string; seconds: number } {
  if (!Number.isSafeInteger(seconds) || seconds < 60) {
    throw new StorageError(
      'InvalidInput',
      `ttlSeconds must be a whole number of seconds, at least 60; got ${seconds}`,
      ctx,
    );
  }
  for (const [suffix, unit] of UNITS) {
    const count = Math.ceil(seconds / unit);
    if (count <= MAX_COUNT) return { text: `${count}${suffix}`, seconds: count * unit };
  }
  throw new StorageError(
    'InvalidInput',
    `ttlSeconds ${seconds} exceeds SeaweedFS's longest TTL (255 years)`,
    ctx,
  );
}
