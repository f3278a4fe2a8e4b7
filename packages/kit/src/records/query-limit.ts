import { StorageError } from '@stowage/core';

export const DEFAULT_QUERY_LIMIT = 100;
export const MAX_QUERY_LIMIT = 1000;

/** A repository page size: default 100. @throws InvalidInput unless an integer from 1 to 1000. */
export function resolveQueryLimit(
  limit: number | undefined,
  ctx: { operation?: string; backend?: string },
): number {
  if (limit === undefined) return DEFAULT_QUERY_LIMIT;
  if (!Number.isSafeInteger(limit) || limit < 1 || limit > MAX_QUERY_LIMIT) {
    throw new StorageError(
      'InvalidInput',
      `limit must be an integer from 1 to ${MAX_QUERY_LIMIT}; got ${limit}`,
      ctx,
    );
  }
  return limit;
}
