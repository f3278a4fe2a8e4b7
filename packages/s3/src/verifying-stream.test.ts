import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { isStorageError } from '@stowage/core';
import { sha256Hex } from '@stowage/kit';
import { describe, expect, it } from 'vitest';
import { VerifyingStream } from './verifying-stream.js';

const ctx = { operation: 'put', key: 'k', backend: 'test' };

/** Runs `chunks` through a VerifyingStream; what came out, whether it ended, and its error. */
async function run(
  chunks: Array<Buffer | string>,
  options: ConstructorParameters<typeof VerifyingStream>[0],
) {
  const verifying = new VerifyingStream({ context: ctx, ...options });
  const out: Buffer[] = [];
  let ended = false;
  const error = await pipeline(Readable.from(chunks), verifying, async (source: AsyncIterable<Buffer>) => {
    for await (const chunk of source) out.push(chunk);
    ended = true;
  }).then(
    () => undefined,
    (e: unknown) => e,
  );
  return { out: Buffer.concat(out), ended, error, result: verifying.result() };
}

describe('VerifyingStream', () => {
  const body = ['hello ', Buffer.from('world')];
  const sha = sha256Hex('hello world');

  it('passes the bytes through and ends when sha256 and length match', async () => {
    const r = await run(body, { sha256: sha, contentLength: 11 });
    expect(r.error).toBeUndefined();
    expect(r.ended).toBe(true);
    expect(r.out.toString()).toBe('hello world');
    expect(r.result).toEqual({ sha256: sha, bytes: 11 });
  });

  it('without expectations it only computes the digest', async () => {
    expect((await run(body, {})).result).toEqual({ sha256: sha, bytes: 11 });
  });

  it('a wrong sha256 errors instead of ending (Integrity, with context)', async () => {
    const r = await run(body, { sha256: sha256Hex('other') });
    expect(r.ended).toBe(false);
    expect(isStorageError(r.error, 'Integrity')).toBe(true);
    expect(r.error).toMatchObject({ key: 'k', operation: 'put', backend: 'test' });
    expect(r.result).toBeUndefined();
  });

  it('too few bytes error at the end; too many as soon as they exceed contentLength', async () => {
    const short = await run(body, { contentLength: 12 });
    expect(short.ended).toBe(false);
    expect(isStorageError(short.error, 'Integrity')).toBe(true);
    const long = await run(['hello ', 'world', 'and more'], { contentLength: 8 });
    expect(isStorageError(long.error, 'Integrity')).toBe(true);
    // Failed at the second chunk: the third never came through.
    expect(long.out.length).toBeLessThanOrEqual(6);
  });

  it('more than maxSize is PayloadTooLarge', async () => {
    const r = await run(body, { maxSize: 10 });
    expect(isStorageError(r.error, 'PayloadTooLarge')).toBe(true);
  });

  it('a chunk that is not bytes is InvalidInput', async () => {
    const verifying = new VerifyingStream({ context: ctx });
    const error = await pipeline(
      Readable.from([{ not: 'bytes' }], { objectMode: true }),
      verifying,
      async (s) => {
        for await (const _ of s) {
          // drain
        }
      },
    ).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(isStorageError(error, 'InvalidInput')).toBe(true);
  });
});
