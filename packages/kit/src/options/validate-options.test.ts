import { describe, expect, it } from 'vitest';
import { etagsMatch, quoteEtag } from '../util/etag.js';
import { assertBucketName } from './bucket-name.js';
import {
  assertPresignExpiry,
  assertPutOptions,
  normalizeMetadata,
  resolveRange,
} from './validate-options.js';

describe('option validation', () => {
  it('lower-cases metadata names and rejects bad entries', () => {
    expect(normalizeMetadata({ Author: 'Ann', 'x-id': '7' })).toEqual({ author: 'Ann', 'x-id': '7' });
    expect(() => normalizeMetadata({ 'bad name': 'x' })).toThrow(/Metadata name/);
    expect(() => normalizeMetadata({ a: 'naïve' })).toThrow(/printable ASCII/);
    expect(() => normalizeMetadata({ A: '1', a: '2' })).toThrow(/twice/);
    expect(() => normalizeMetadata({ a: 'x'.repeat(3000) })).toThrow(/limit is 2048/);
  });

  it('bounds presign expiry', () => {
    expect(() => assertPresignExpiry(60)).not.toThrow();
    for (const bad of [0, -1, 1.5, 8 * 24 * 3600])
      expect(() => assertPresignExpiry(bad)).toThrow(/expiresIn/);
  });

  it('checks put options', () => {
    expect(() => assertPutOptions({ ifNoneMatch: '*', ifMatch: '"x"' })).toThrow(/cannot be combined/);
    expect(() => assertPutOptions({ sha256: 'ABC' })).toThrow(/sha256/);
    expect(() => assertPutOptions({ contentLength: -1 })).toThrow(/contentLength/);
  });

  it('resolves ranges', () => {
    expect(resolveRange({ start: 2, end: 100 }, 10)).toEqual({ start: 2, end: 9 });
    expect(resolveRange({ start: 0 }, 10)).toEqual({ start: 0, end: 9 });
    expect(() => resolveRange({ start: 10 }, 10)).toThrow(/past the end/);
    expect(() => resolveRange({ start: 5, end: 4 }, 10)).toThrow(/Invalid byte range/);
  });

  it('validates bucket names', () => {
    expect(() => assertBucketName('my-bucket.v2')).not.toThrow();
    for (const bad of ['ab', 'UPPER', '-x-', 'a..b', '192.168.1.1', 'xn--abc', `${'a'.repeat(64)}`]) {
      expect(() => assertBucketName(bad)).toThrow(/Invalid bucket name/);
    }
  });

  it('compares etags ignoring quotes', () => {
    expect(quoteEtag('abc')).toBe('"abc"');
    expect(etagsMatch('"abc"', 'abc')).toBe(true);
    expect(etagsMatch('W/"abc"', '"abc"')).toBe(true);
    expect(etagsMatch('"abc"', '"abd"')).toBe(false);
  });
});
