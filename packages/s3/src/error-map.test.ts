import { inspect } from 'node:util';
import { isStorageError, StorageError } from '@stowage/core';
import { describe, expect, it } from 'vitest';
import {
  classifyS3Error,
  mapS3Error,
  NETWORK_ERROR_TABLE,
  rekind,
  S3_ERROR_TABLE,
  S3ErrorCause,
} from './error-map.js';

const ctx = { operation: 'get', key: 'a/b', backend: 's3' };

/** The shape the SDK gives its service errors: name = S3 error code, $metadata with status and request id. */
function sdkError(name: string, status?: number, requestId = 'REQ123') {
  return Object.assign(new Error(`${name} happened`), {
    name,
    $fault: 'client',
    $metadata: { httpStatusCode: status, requestId },
  });
}

describe('S3 error table', () => {
  it.each([
    ['NoSuchKey', 404, 'NotFound', false],
    ['NotFound', 404, 'NotFound', false],
    ['NoSuchBucket', 404, 'NotFound', false],
    ['PreconditionFailed', 412, 'PreconditionFailed', false],
    ['ConditionalRequestConflict', 409, 'Conflict', true],
    ['BucketNotEmpty', 409, 'Conflict', false],
    ['BucketAlreadyOwnedByYou', 409, 'AlreadyExists', false],
    ['BucketAlreadyExists', 409, 'AlreadyExists', false],
    ['AccessDenied', 403, 'PermissionDenied', false],
    ['SignatureDoesNotMatch', 403, 'PermissionDenied', false],
    ['SlowDown', 503, 'RateLimited', true],
    ['ServiceUnavailable', 503, 'Unavailable', true],
    ['InternalError', 500, 'Unavailable', true],
    ['RequestTimeout', 400, 'Timeout', true],
    ['InvalidRange', 416, 'InvalidInput', false],
    ['EntityTooLarge', 400, 'PayloadTooLarge', false],
    ['BadDigest', 400, 'Integrity', false],
    ['KeyTooLongError', 400, 'InvalidKey', false],
    ['NotImplemented', 501, 'Unsupported', false],
  ] as const)('%s (HTTP %i) → %s, retryable %s', (code, status, kind, retryable) => {
    const error = mapS3Error(sdkError(code, status), ctx);
    expect(error.kind).toBe(kind);
    expect(error.retryable).toBe(retryable);
    expect(error.status).toBe(status);
    expect(error.requestId).toBe('REQ123');
    expect(error).toMatchObject({ operation: 'get', key: 'a/b', backend: 's3' });
    expect(error.message).toContain(code);
    expect(isStorageError(error)).toBe(true);
  });

  it('every table entry names a kind core knows', () => {
    for (const rule of [...Object.values(S3_ERROR_TABLE), ...Object.values(NETWORK_ERROR_TABLE)]) {
      expect(() => new StorageError(rule.kind, 'x')).not.toThrow();
    }
  });

  it('unknown codes fall back to the HTTP status', () => {
    expect(classifyS3Error(sdkError('WeirdVendorError', 503)).kind).toBe('Unavailable');
    expect(classifyS3Error(sdkError('WeirdVendorError', 404)).kind).toBe('NotFound');
    expect(classifyS3Error(sdkError('WeirdVendorError', 429)).kind).toBe('RateLimited');
    expect(classifyS3Error(sdkError('WeirdVendorError', 418)).kind).toBe('Unexpected');
  });

  it('network errors before any response map by their Node code', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' });
    const mapped = mapS3Error(refused, ctx);
    expect(mapped.kind).toBe('Unavailable');
    expect(mapped.retryable).toBe(true);
    expect(mapped.cause).toBeInstanceOf(S3ErrorCause);
    expect(mapped.cause).toMatchObject({ code: 'ECONNREFUSED', message: refused.message });
    expect(classifyS3Error(Object.assign(new Error('t'), { code: 'ETIMEDOUT' })).kind).toBe('Timeout');
  });

  it("smithy's TimeoutError for a reset or broken pipe is Unavailable; its ETIMEDOUT stays Timeout", () => {
    // NodeHttpHandler renames these request errors to TimeoutError and keeps the Node code.
    const renamed = (code: string, message: string) =>
      Object.assign(new Error(message), { name: 'TimeoutError', code });
    const reset = mapS3Error(renamed('ECONNRESET', 'socket hang up'), ctx);
    expect(reset).toMatchObject({ kind: 'Unavailable', retryable: true });
    expect(reset.message).toContain('ECONNRESET');
    expect(classifyS3Error(renamed('EPIPE', 'write EPIPE')).kind).toBe('Unavailable');
    expect(classifyS3Error(renamed('ETIMEDOUT', 'connect ETIMEDOUT')).kind).toBe('Timeout');
    // The socket-inactivity timeout has no code: a slow server.
    expect(classifyS3Error(Object.assign(new Error('idle'), { name: 'TimeoutError' })).kind).toBe('Timeout');
    // A server's own error code still wins over a network code.
    const server = Object.assign(sdkError('SlowDown', 503), { code: 'ECONNRESET' });
    expect(classifyS3Error(server).kind).toBe('RateLimited');
  });

  it("the SDK's AbortError is Aborted and not retryable", () => {
    const abort = Object.assign(new Error('Request aborted'), { name: 'AbortError' });
    const mapped = mapS3Error(abort, ctx);
    expect(mapped.kind).toBe('Aborted');
    expect(mapped.retryable).toBe(false);
  });

  it('a StorageError passes through, gaining missing context only', () => {
    const original = new StorageError('Integrity', 'bad body', { operation: 'put' });
    const mapped = mapS3Error(original, ctx);
    expect(mapped.kind).toBe('Integrity');
    expect(mapped.operation).toBe('put');
    expect(mapped.key).toBe('a/b');
  });

  it('rekind keeps status, request id and cause', () => {
    const base = mapS3Error(sdkError('PreconditionFailed', 412), ctx);
    const again = rekind(base, 'AlreadyExists');
    expect(again).toMatchObject({ kind: 'AlreadyExists', status: 412, requestId: 'REQ123', key: 'a/b' });
    expect(again.cause).toBe(base.cause);
  });

  it('keeps a sanitised cause: name, message, code, status, request id; never the request details', () => {
    // What the SDK builds from a SignatureDoesNotMatch answer: every XML element becomes a field.
    const sdk = Object.assign(sdkError('SignatureDoesNotMatch', 403), {
      Code: 'SignatureDoesNotMatch',
      AWSAccessKeyId: 'AKIAIOSFODNN7EXAMPLE',
      StringToSign: 'AWS4-HMAC-SHA256\n20260101T000000Z\nsecret-scope',
      CanonicalRequest: 'GET\n/bucket/key\nX-Amz-Credential=AKIAIOSFODNN7EXAMPLE',
      SignatureProvided: 'deadbeef',
      $response: { headers: { authorization: 'AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/…' } },
    });
    const mapped = mapS3Error(sdk, ctx);
    expect(mapped.kind).toBe('PermissionDenied');
    const cause = mapped.cause as S3ErrorCause;
    expect(cause).toBeInstanceOf(S3ErrorCause);
    expect(cause).toMatchObject({
      name: 'SignatureDoesNotMatch',
      code: 'SignatureDoesNotMatch',
      status: 403,
    });
    expect(cause.requestId).toBe('REQ123');
    for (const text of [
      inspect(mapped, { depth: 10, showHidden: true }),
      inspect(cause, { depth: 10, showHidden: true }),
      JSON.stringify(mapped),
      JSON.stringify(cause),
      String(mapped),
      mapped.stack ?? '',
    ]) {
      for (const leak of ['AKIAIOSFODNN7EXAMPLE', 'secret-scope', 'deadbeef', 'X-Amz-Credential']) {
        expect(text).not.toContain(leak);
      }
    }
  });

  it('under an aborted signal the abort wins: Timeout for a timed-out signal, Aborted otherwise', async () => {
    const sdkAbort = Object.assign(new Error('Request aborted'), { name: 'AbortError' });
    const timedOut = AbortSignal.timeout(1);
    await new Promise((resolve) => setTimeout(resolve, 20));
    const timeout = mapS3Error(sdkAbort, ctx, timedOut);
    expect(timeout).toMatchObject({ kind: 'Timeout', retryable: true, operation: 'get', key: 'a/b' });
    const aborted = mapS3Error(sdkAbort, ctx, AbortSignal.abort());
    expect(aborted).toMatchObject({ kind: 'Aborted', retryable: false });
  });

  it('non-Error throwables still become StorageErrors', () => {
    expect(mapS3Error('boom', ctx).kind).toBe('Unexpected');
    expect(mapS3Error(undefined, ctx).kind).toBe('Unexpected');
  });
});
