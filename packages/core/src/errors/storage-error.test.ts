import { describe, expect, it } from 'vitest';
import { isStorageError, StorageError } from './storage-error.js';

describe('StorageError', () => {
  it('carries its context and defaults retryable from the kind', () => {
    const cause = new Error('socket hang up');
    const e = new StorageError('Unavailable', 'backend down', {
      operation: 'get',
      key: 'a',
      backend: 's3',
      requestId: 'r1',
      status: 503,
      cause,
    });
    expect(e).toBeInstanceOf(Error);
    expect(e).toMatchObject({
      kind: 'Unavailable',
      operation: 'get',
      key: 'a',
      backend: 's3',
      requestId: 'r1',
    });
    expect(e.retryable).toBe(true);
    expect(e.cause).toBe(cause);
    expect(new StorageError('NotFound', 'x').retryable).toBe(false);
    expect(new StorageError('NotFound', 'x', { retryable: true }).retryable).toBe(true);
  });

  it('is recognised across package copies through a global symbol marker', () => {
    const foreign = Object.create(Error.prototype) as Record<PropertyKey, unknown>;
    foreign[Symbol.for('@stowage/core/StorageError')] = true;
    foreign.kind = 'NotFound';
    expect(isStorageError(foreign)).toBe(true);
    expect(isStorageError(foreign, 'NotFound')).toBe(true);
    expect(isStorageError(foreign, 'Conflict')).toBe(false);
    const lookalike = Object.assign(new Error('x'), { kind: 'NotFound' });
    expect(isStorageError(lookalike)).toBe(false);
    expect(isStorageError(null)).toBe(false);
  });

  it('fills in missing context without overwriting what is there', () => {
    const e = new StorageError('NotFound', 'gone', { key: 'k' });
    const withCtx = e.withContext({ operation: 'head', key: 'other', backend: 'local' });
    expect(withCtx).toMatchObject({ operation: 'head', key: 'k', backend: 'local', kind: 'NotFound' });
    expect(withCtx.withContext({ operation: 'head' })).toBe(withCtx);
  });

  it('serialises to JSON without the cause', () => {
    const json = JSON.parse(JSON.stringify(new StorageError('Timeout', 'slow', { cause: new Error('x') })));
    expect(json).toMatchObject({ name: 'StorageError', kind: 'Timeout', retryable: true });
    expect(json.cause).toBeUndefined();
  });
});

describe('StorageError under inspect', () => {
  it('shows its context and only the name and message of its cause', async () => {
    const { inspect } = await import('node:util');
    const cause = Object.assign(new Error('signature mismatch'), {
      name: 'SignatureDoesNotMatch',
      AWSAccessKeyId: 'AKIDEXAMPLE',
      CanonicalRequest: 'GET\n/bucket/key\n…',
    });
    const error = new StorageError('PermissionDenied', 'denied', {
      operation: 'get',
      key: 'k',
      backend: 's3',
      cause,
    });
    const text = inspect(error, { depth: 10, showHidden: true });
    expect(text).toContain('SignatureDoesNotMatch: signature mismatch');
    expect(text).toContain('operation: "get"');
    expect(text).not.toContain('AKIDEXAMPLE');
    expect(text).not.toContain('CanonicalRequest');
    expect(JSON.stringify(error)).not.toContain('AKIDEXAMPLE');
  });
});
