import { MAX_KEY_BYTES } from '@stowage/core';
import { expect } from 'vitest';
import { WEIRD_KEY_NAMES } from '../../object-store/keys.js';
import { bodyOf, expectThrownStorageError } from '../assertions.js';
import type { CdnCases } from '../harness.js';

/** Keys no store accepts (DESIGN.md "Keys"). */
export const INVALID_CDN_KEYS: readonly string[] = [
  '',
  '/leading-slash',
  'double//slash',
  'trailing/',
  'dot/./segment',
  'dot/../segment',
  'back\\slash',
  'control\u0001char',
  'lone\ud800surrogate',
  'x'.repeat(MAX_KEY_BYTES + 1),
];

/** Characters that may stand unencoded in a path segment: RFC 3986 unreserved, and "%" escapes. */
const ENCODED_PATH = /^[A-Za-z0-9\-._~%/]*$/;

export function registerPublicUrlCases(cases: CdnCases): void {
  cases.case('publicUrl is an absolute http(s) URL, the same on every call', async ({ cdn, key }) => {
    for (const k of [key('a.txt'), key('dir/with space/b.bin')]) {
      const url = cdn.publicUrl(k);
      expect(['http:', 'https:']).toContain(new URL(url).protocol);
      expect(cdn.publicUrl(k)).toBe(url);
    }
  });

  cases.case(
    'publicUrl percent-encodes every segment: decoding them gives the key back',
    async ({ cdn, key }) => {
      for (const name of WEIRD_KEY_NAMES) {
        const k = key(name);
        const url = new URL(cdn.publicUrl(k));
        expect(url.hash, `${k}: no fragment`).toBe('');
        expect(url.pathname, `${k}: only unreserved characters and escapes`).toMatch(ENCODED_PATH);
        const segments = url.pathname.split('/');
        const tail = segments.slice(segments.length - k.split('/').length);
        expect(tail.map(decodeURIComponent).join('/'), k).toBe(k);
      }
    },
  );

  cases.case(
    'publicUrl of weird keys, fetched over HTTP, gives the stored bytes back',
    async ({ cdn, key, publish, fetch }) => {
      const keys = WEIRD_KEY_NAMES.map((n) => key(n));
      for (const k of keys) await publish(k, `body of ${k}`);
      for (const k of keys) {
        const response = await fetch(cdn.publicUrl(k));
        expect(response.status, k).toBe(200);
        expect((await bodyOf(response)).toString('utf8'), k).toBe(`body of ${k}`);
      }
    },
  );

  cases.case('publicUrl of an invalid key throws InvalidKey at once', async ({ cdn }) => {
    for (const bad of INVALID_CDN_KEYS)
      expectThrownStorageError(() => cdn.publicUrl(bad), 'InvalidKey', JSON.stringify(bad));
  });
}
