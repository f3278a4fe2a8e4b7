import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { collect } from './collect.js';
import { deterministicBytes, deterministicStream } from './deterministic-stream.js';
import { mapLimit } from './map-limit.js';
import { createPrng } from './prng.js';
import { randomPrefix } from './random-prefix.js';
import { sha256OfStream } from './sha256-of-stream.js';

describe('deterministicStream', () => {
  it('gives the same bytes for the same seed whatever the chunk size, and other bytes for another seed', async () => {
    const a = Buffer.concat(await collect(deterministicStream(200_003, 5)));
    const b = Buffer.concat(await collect(deterministicStream(200_003, 5, { chunkSize: 1000 })));
    const c = Buffer.concat(await collect(deterministicStream(200_003, 6)));
    expect(a.length).toBe(200_003);
    expect(a.equals(b)).toBe(true);
    expect(a.equals(c)).toBe(false);
    expect(a.equals(deterministicBytes(200_003, 5))).toBe(true);
  });

  it('looks random (every byte value appears, no long runs of zeros)', () => {
    const bytes = deterministicBytes(65_536, 9);
    expect(new Set(bytes).size).toBe(256);
    expect(bytes.includes(Buffer.alloc(16))).toBe(false);
  });

  it('streams 64 MiB in chunks without holding it', async () => {
    let largest = 0;
    let total = 0;
    for await (const chunk of deterministicStream(64 * 1024 * 1024, 1)) {
      largest = Math.max(largest, (chunk as Buffer).length);
      total += (chunk as Buffer).length;
    }
    expect(total).toBe(64 * 1024 * 1024);
    expect(largest).toBeLessThanOrEqual(64 * 1024);
  });

  it('handles zero bytes and rejects nonsense sizes', async () => {
    expect(await collect(deterministicStream(0))).toEqual([]);
    expect(() => deterministicStream(-1)).toThrow(RangeError);
  });
});

describe('sha256OfStream', () => {
  it('hashes Node and web streams like createHash does', async () => {
    const data = deterministicBytes(100_000, 2);
    const expected = createHash('sha256').update(data).digest('hex');
    expect(await sha256OfStream(Readable.from([data.subarray(0, 10), data.subarray(10)]))).toEqual({
      sha256: expected,
      bytes: 100_000,
    });
    const web = new ReadableStream<Uint8Array>({
      start(c) {
        c.enqueue(new Uint8Array(data));
        c.close();
      },
    });
    expect((await sha256OfStream(web)).sha256).toBe(expected);
  });
});

describe('small helpers', () => {
  it('collect drains sync and async iterables', async () => {
    async function* gen() {
      yield 1;
      yield 2;
    }
    expect(await collect(gen())).toEqual([1, 2]);
    expect(await collect(new Set(['a']))).toEqual(['a']);
  });

  it('randomPrefix is fresh every time and ends with a slash', () => {
    const a = randomPrefix();
    expect(a).toMatch(/^stowage-test\/[0-9a-f]{12}\/$/);
    expect(randomPrefix()).not.toBe(a);
    expect(randomPrefix('x')).toMatch(/^x\//);
  });

  it('mapLimit keeps order and never exceeds the limit', async () => {
    let inFlight = 0;
    let peak = 0;
    const out = await mapLimit([5, 4, 3, 2, 1, 0], 2, async (n) => {
      peak = Math.max(peak, ++inFlight);
      await new Promise((r) => setTimeout(r, n));
      inFlight--;
      return n * 10;
    });
    expect(out).toEqual([50, 40, 30, 20, 10, 0]);
    expect(peak).toBe(2);
  });

  it('createPrng is deterministic per seed and within [0, 1)', () => {
    const a = createPrng(3);
    const b = createPrng(3);
    const xs = Array.from({ length: 1000 }, () => a());
    expect(xs).toEqual(Array.from({ length: 1000 }, () => b()));
    expect(xs.every((x) => x >= 0 && x < 1)).toBe(true);
  });
});
