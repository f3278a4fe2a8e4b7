import { StorageError } from '@stowage/core';

/**
 * The check of an `expectedVersion` (compare-and-set; 0: must not exist yet) that job state
 * and rollout stores make before any I/O.
 * @throws InvalidInput unless undefined or a non-negative safe integer.
 */
export function assertExpectedVersion(
  expectedVersion: number | undefined,
  ctx: { operation?: string; key?: string; backend?: string },
): void {
  if (expectedVersion !== undefined && (!Number.isSafeInteger(expectedVersion) || expectedVersion < 0)) {
    throw new StorageError(
      'InvalidInput',
      `expectedVersion must be a non-negative integer; got ${expectedVersion}`,
      ctx,
    );
  }
}
