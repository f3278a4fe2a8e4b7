import { createHash } from 'node:crypto';
import { expect } from 'vitest';
import { deterministicBytes } from '../../helpers/deterministic-stream.js';
import { expectStorageError } from '../../object-store/assertions.js';
import { WEIRD_KEY_NAMES } from '../../object-store/keys.js';
import { bodyOf } from '../assertions.js';
import type { CdnCases } from '../harness.js';
import { INVALID_CDN_KEYS } from './public-url.js';

const sha = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

export function registerFetchCases(cases: CdnCases): void {
  cases.case('fetch returns a 200 response with the stored bytes', async ({ cdn, key, publish }) => {
    const k = key('hello.txt');
    const bytes = await publish(k, 'hello through the CDN');
    const response = await cdn.fetch(k);
    expect(response).toBeInstanceOf(Response);
    expect(response.status).toBe(200);
    expect(await bodyOf(response)).toEqual(Buffer.from(bytes));
  });

  cases.case('fetch of weird keys gives each its own bytes', async ({ cdn, key, publish }) => {
    const keys = WEIRD_KEY_NAMES.map((n) => key(n));
    for (const k of keys) await publish(k, `body of ${k}`);
    for (const k of keys) expect((await bodyOf(await cdn.fetch(k))).toString('utf8'), k).toBe(`body of ${k}`);
  });

  cases.case('fetch of a 1 MiB object gives every byte', async ({ cdn, key, publish }) => {
    const k = key('large.bin');
    const bytes = await publish(k, deterministicBytes(1024 * 1024 + 7, 3));
    const got = await bodyOf(await cdn.fetch(k));
    expect(got.length).toBe(bytes.length);
    expect(sha(got)).toBe(sha(bytes));
  });

  cases.case(
    'fetch sends the given headers: a Range read is 206 with the slice',
    async ({ cdn, key, publish, edge }) => {
      const k = key('ranged.bin');
      const bytes = await publish(k, deterministicBytes(100, 5));
      const response = await cdn.fetch(k, { headers: { range: 'bytes=10-19' } });
      expect(response.status).toBe(206);
      expect(await bodyOf(response)).toEqual(Buffer.from(bytes.subarray(10, 20)));
      expect(edge.requestsFor(k).at(-1)?.headers.range).toBe('bytes=10-19');
    },
  );

  cases.case('a missing key is NotFound naming the key, not retryable', async ({ cdn, key }) => {
    const k = key('missing.txt');
    const error = await expectStorageError(() => cdn.fetch(k), 'NotFound', { key: k });
    expect(error.retryable).toBe(false);
  });

  cases.case('fetch of an invalid key is InvalidKey, and nothing is requested', async ({ cdn, edge }) => {
    const before = edge.requests.length;
    for (const bad of INVALID_CDN_KEYS) {
      await expectStorageError(() => cdn.fetch(bad), 'InvalidKey').catch((error: unknown) => {
        throw new Error(`${JSON.stringify(bad)}: ${(error as Error).message}`);
      });
    }
    expect(edge.requests.length - before, 'requests sent').toBe(0);
  });
}
