import { StorageError } from '@stowage/core';
import { decodeKeyCursor } from '../list/cursor.js';
import { assertExpectedVersion } from './expected-version.js';
import { jsonClone } from './json-value.js';
import { resolveQueryLimit } from './query-limit.js';

type Context = { operation?: string; key?: string; backend?: string };

/** @throws InvalidInput unless a job's kind and id are non-empty strings. */
export function assertJobName(kind: unknown, id: unknown, ctx: Context): void {
  if (typeof kind !== 'string' || kind === '' || typeof id !== 'string' || id === '') {
    throw new StorageError('InvalidInput', 'Job kind and id must be non-empty strings', ctx);
  }
}

/**
 * What every JobStateStore checks before a save touches its state: the expected version, then
 * the data. Returns the data as JSON text: a copy of exactly what was given.
 * @throws InvalidInput for a bad `expectedVersion`, or data JSON cannot represent (`undefined`
 *   included; see `jsonClone`).
 */
export function checkJobSave(data: unknown, expectedVersion: number | undefined, ctx: Context): string {
  assertExpectedVersion(expectedVersion, ctx);
  if (data === undefined)
    throw new StorageError('InvalidInput', 'data is not JSON-serialisable (undefined)', ctx);
  return JSON.stringify(jsonClone(data, 'data', ctx));
}

/** The Conflict of a job save whose `expectedVersion` is not the stored version (0: no job). */
export function jobVersionConflict(
  kind: string,
  id: string,
  currentVersion: number,
  expectedVersion: number | undefined,
  ctx: Context,
): StorageError {
  return new StorageError(
    'Conflict',
    `Job ${kind}/${id} is at version ${currentVersion}, not the expected ${expectedVersion}`,
    ctx,
  );
}

/**
 * What every JobStateStore checks before listing a kind: the page size (default 100) and the
 * id to list after, from the cursor.
 * @throws InvalidInput for an empty kind, a limit that is not an integer from 1 to 1000, or a
 *   malformed cursor.
 */
export function checkJobList(
  kind: unknown,
  options: { cursor?: string; limit?: number },
  ctx: Context,
): { limit: number; after: string | undefined } {
  if (typeof kind !== 'string' || kind === '')
    throw new StorageError('InvalidInput', 'kind must be a non-empty string', ctx);
  const limit = resolveQueryLimit(options.limit, ctx);
  const after = options.cursor === undefined ? undefined : decodeKeyCursor(options.cursor, ctx);
  return { limit, after };
}
