import { assertValidKey, type ObjectRecordInput, StorageError } from '@stowage/core';
import { jsonClone } from './json-value.js';

/**
 * Checks a record for `MetadataRepository.upsert` and returns a clean copy (attributes deep-
 * copied through JSON). Every repository runs it before writing anything.
 * @throws InvalidKey for an invalid key; InvalidInput for a malformed field.
 */
export function checkObjectRecord(
  input: ObjectRecordInput,
  ctx: { operation: string; backend: string },
): ObjectRecordInput {
  if (typeof input !== 'object' || input === null)
    throw new StorageError('InvalidInput', 'record must be an object', ctx);
  assertValidKey(input.key, ctx);
  const keyCtx = { ...ctx, key: input.key };
  const bad = (message: string) => new StorageError('InvalidInput', message, keyCtx);
  if (typeof input.backend !== 'string' || input.backend === '')
    throw bad('backend must be a non-empty string');
  if (!Number.isSafeInteger(input.size) || input.size < 0)
    throw bad(`size must be a non-negative integer; got ${input.size}`);
  if (typeof input.contentType !== 'string' || input.contentType === '')
    throw bad('contentType must be a non-empty string');
  if (typeof input.etag !== 'string') throw bad('etag must be a string');
  if (input.visibility !== 'public' && input.visibility !== 'private')
    throw bad(`visibility must be 'public' or 'private'`);
  for (const name of ['bucket', 'sha256', 'category', 'owner'] as const) {
    if (input[name] !== undefined && typeof input[name] !== 'string') throw bad(`${name} must be a string`);
  }
  const attributes = jsonClone(input.attributes ?? {}, 'attributes', keyCtx);
  if (typeof attributes !== 'object' || attributes === null || Array.isArray(attributes)) {
    throw bad('attributes must be a plain object');
  }
  const out: ObjectRecordInput = {
    key: input.key,
    backend: input.backend,
    size: input.size,
    contentType: input.contentType,
    etag: input.etag,
    visibility: input.visibility,
    attributes,
  };
  for (const name of ['bucket', 'sha256', 'category', 'owner'] as const) {
    if (input[name] !== undefined) out[name] = input[name];
  }
  return out;
}
