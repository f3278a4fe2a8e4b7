import { Readable } from 'node:stream';
import type { Progress } from '@stowage/core';
import { sha256Hex } from '@stowage/kit';
import { expect } from 'vitest';
import { deterministicBytes, deterministicStream } from '../../helpers/deterministic-stream.js';
import { sha256OfStream } from '../../helpers/sha256-of-stream.js';
import { expectObjectInfo, expectStorageError, getBytes } from '../assertions.js';
import type { Harness } from '../harness.js';

const MiB = 1024 * 1024;

/** A web ReadableStream handing out `chunks` one pull at a time. */
function webStream(chunks: Uint8Array[]): ReadableStream<Uint8Array> {
  let i = 0;
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      const chunk = chunks[i++];
      if (chunk === undefined) controller.close();
      else controller.enqueue(chunk);
    },
  });
}

export function registerWriteCases(h: Harness): void {
  h.case('put a Buffer', async ({ store, key }) => {
    const k = key('buffer');
    const body = deterministicBytes(10_000, 11);
    const info = await store.put(k, body);
    expectObjectInfo(info, k, body.length);
    expect((await getBytes(store, k)).equals(body)).toBe(true);
  });

  h.case(
    'put a Uint8Array copies it: changing the array afterwards changes nothing stored',
    async ({ store, key }) => {
      const k = key('u8');
      const body = new Uint8Array([1, 2, 3, 4, 5]);
      await store.put(k, body);
      body.fill(9);
      expect([...(await getBytes(store, k))]).toEqual([1, 2, 3, 4, 5]);
    },
  );

  h.case('put a Uint8Array view stores only the viewed bytes', async ({ store, key }) => {
    const k = key('view');
    const backing = new Uint8Array([0, 0, 10, 20, 30, 0, 0]);
    await store.put(k, backing.subarray(2, 5));
    expect([...(await getBytes(store, k))]).toEqual([10, 20, 30]);
    expect((await store.head(k)).size).toBe(3);
  });

  h.case('put a string stores its UTF-8 bytes', async ({ store, key }) => {
    const k = key('string');
    const text = 'Grüße, 世界 🌍';
    const info = await store.put(k, text);
    expect(info.size).toBe(Buffer.byteLength(text, 'utf8'));
    expect((await getBytes(store, k)).equals(Buffer.from(text, 'utf8'))).toBe(true);
  });

  h.case('put a Node Readable', async ({ store, key }) => {
    const k = key('node-stream');
    const info = await store.put(k, Readable.from([Buffer.from('ab'), Buffer.from('cd'), Buffer.from('ef')]));
    expect(info.size).toBe(6);
    expect((await getBytes(store, k)).toString()).toBe('abcdef');
  });

  h.case('put a web ReadableStream', async ({ store, key }) => {
    const k = key('web-stream');
    const chunks = [new Uint8Array([1, 2]), new Uint8Array([3]), new Uint8Array([4, 5, 6])];
    const info = await store.put(k, webStream(chunks));
    expect(info.size).toBe(6);
    expect([...(await getBytes(store, k))]).toEqual([1, 2, 3, 4, 5, 6]);
  });

  h.case('put an unknown-length stream of several MiB', async ({ store, key }) => {
    const k = key('unknown-length');
    const size = 6 * MiB + 123;
    const info = await store.put(k, deterministicStream(size, 21));
    expect(info.size).toBe(size);
    const got = await sha256OfStream((await store.get(k)).body);
    expect(got).toEqual({ sha256: sha256Hex(deterministicBytes(size, 21)), bytes: size });
  });

  h.case('put a known-length stream with contentLength', async ({ store, key }) => {
    const k = key('known-length');
    const size = 300_000;
    const info = await store.put(k, deterministicStream(size, 22), { contentLength: size });
    expect(info.size).toBe(size);
    expect((await getBytes(store, k)).equals(deterministicBytes(size, 22))).toBe(true);
    // A matching contentLength on an in-memory body is accepted as well.
    await store.put(key('known-buffer'), Buffer.from('12345'), { contentLength: 5 });
    expect((await store.head(key('known-buffer'))).size).toBe(5);
  });

  h.case('put an empty object from a Buffer, a string and a stream', async ({ store, key }) => {
    for (const [name, body] of [
      ['empty-buffer', Buffer.alloc(0)],
      ['empty-string', ''],
      ['empty-stream', Readable.from([])],
    ] as const) {
      const k = key(name);
      const info = await store.put(k, body);
      expectObjectInfo(info, k, 0);
      const head = await store.head(k);
      expectObjectInfo(head, k, 0);
      expect((await getBytes(store, k)).length).toBe(0);
    }
  });

  h.case(
    'a large object streams in and out intact (sha256 while streaming)',
    { timeout: 600_000 },
    async ({ store, key, options, caps }) => {
      const size = options.largeObjectBytes ?? 64 * MiB;
      if (caps.maxObjectSize !== undefined && caps.maxObjectSize < size) {
        throw new Error(
          `largeObjectBytes ${size} exceeds maxObjectSize ${caps.maxObjectSize}; lower largeObjectBytes`,
        );
      }
      const k = key('large.bin');
      const expected = await sha256OfStream(deterministicStream(size, 64));
      const info = await store.put(k, deterministicStream(size, 64));
      expect(info.size).toBe(size);
      expect((await store.head(k)).size).toBe(size);
      const got = await sha256OfStream((await store.get(k)).body);
      expect(got).toEqual(expected);
    },
  );

  h.case('overwriting replaces content and metadata', async ({ store, key, caps }) => {
    const k = key('overwrite');
    await store.put(k, 'first version', {
      contentType: 'text/plain',
      ...(caps.userMetadata ? { metadata: { a: '1' } } : {}),
      ...(caps.contentHeaders ? { cacheControl: 'max-age=60' } : {}),
    });
    const first = await store.head(k);
    const second = await store.put(k, Buffer.from([1, 2, 3]), { contentType: 'application/x-custom' });
    const head = await store.head(k);
    expect([...(await getBytes(store, k))]).toEqual([1, 2, 3]);
    expect(head.size).toBe(3);
    expect(head.contentType).toBe('application/x-custom');
    expect(head.metadata).toEqual({});
    expect(head.cacheControl).toBeUndefined();
    expect(head.etag).toBe(second.etag);
    expect(head.etag).not.toBe(first.etag);
  });

  h.case('body shorter than contentLength is Integrity and stores nothing', async ({ store, key }) => {
    const k = key('short');
    await expectStorageError(
      () => store.put(k, Readable.from([Buffer.alloc(1000, 1)]), { contentLength: 2000 }),
      'Integrity',
      { key: k },
    );
    expect(await store.exists(k)).toBe(false);
  });

  h.case('body longer than contentLength is Integrity and stores nothing', async ({ store, key }) => {
    const k = key('long');
    await expectStorageError(
      () =>
        store.put(k, Readable.from([Buffer.alloc(1000, 1), Buffer.alloc(1000, 2)]), { contentLength: 1500 }),
      'Integrity',
      { key: k },
    );
    expect(await store.exists(k)).toBe(false);
  });

  h.case(
    'contentLength mismatch on an in-memory body is Integrity and keeps the old object',
    async ({ store, key }) => {
      const k = key('mismatch');
      await store.put(k, 'old');
      await expectStorageError(() => store.put(k, 'new body', { contentLength: 3 }), 'Integrity', { key: k });
      expect((await getBytes(store, k)).toString()).toBe('old');
    },
  );

  h.case('negative or fractional contentLength is InvalidInput', async ({ store, key }) => {
    const k = key('bad-length');
    await expectStorageError(() => store.put(k, 'x', { contentLength: -1 }), 'InvalidInput');
    await expectStorageError(() => store.put(k, 'x', { contentLength: 1.5 }), 'InvalidInput');
    expect(await store.exists(k)).toBe(false);
  });

  h.case('onProgress reports non-decreasing loaded bytes ending at the size', async ({ store, key }) => {
    const k = key('progress');
    const size = 3 * MiB + 17;
    const events: Progress[] = [];
    await store.put(k, deterministicStream(size, 5), { onProgress: (p) => events.push({ ...p }) });
    expect(events.length).toBeGreaterThan(0);
    for (let i = 1; i < events.length; i++) {
      expect(events[i]!.loaded, `event ${i}`).toBeGreaterThanOrEqual(events[i - 1]!.loaded);
    }
    expect(events.at(-1)!.loaded).toBe(size);
    for (const e of events) {
      expect(e.loaded).toBeLessThanOrEqual(size);
      if (e.total !== undefined) expect(e.total).toBe(size);
    }
  });

  h.case('onProgress on an in-memory body ends at its size', async ({ store, key }) => {
    const k = key('progress-buffer');
    const body = deterministicBytes(200_000, 6);
    const events: Progress[] = [];
    await store.put(k, body, { onProgress: (p) => events.push({ ...p }) });
    expect(events.length).toBeGreaterThan(0);
    expect(events.at(-1)!.loaded).toBe(body.length);
  });

  h.case('a body that is not bytes, text or a stream is InvalidInput', async ({ store, key }) => {
    const k = key('not-a-body');
    await expectStorageError(() => store.put(k, 42 as unknown as string), 'InvalidInput');
    await expectStorageError(() => store.put(k, { hello: 'world' } as unknown as string), 'InvalidInput');
    expect(await store.exists(k)).toBe(false);
  });
}
