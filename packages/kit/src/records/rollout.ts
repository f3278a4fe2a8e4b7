import { StorageError } from '@stowage/core';
import { assertExpectedVersion } from './expected-version.js';

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

/** @throws InvalidInput for a rollout name, percentage or expected version a RolloutState refuses. */
export function checkRolloutSet(
  name: string,
  percentage: number,
  expectedVersion: number | undefined,
  ctx: { operation: string; backend: string },
): void {
  if (typeof name !== 'string' || !NAME.test(name)) {
    throw new StorageError(
      'InvalidInput',
      'A rollout name is 1–128 of letters, digits, ".", "_" and "-"',
      ctx,
    );
  }
  if (!Number.isInteger(percentage) || percentage < 0 || percentage > 100) {
    throw new StorageError(
      'InvalidInput',
      `percentage must be an integer from 0 to 100; got ${percentage}`,
      ctx,
    );
  }
  assertExpectedVersion(expectedVersion, ctx);
}
