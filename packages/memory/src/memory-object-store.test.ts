import { Readable } from 'node:stream';
import {
  compareKeys,
  type ErrorKind,
  isCommonPrefix,
  isStorageError,
  readBytes,
  readText,
} from '@stowage/core';
import { describe, expect, it } from 'vitest';
import { ManualClock } from './manual-clock.js';
import { MemoryObjectStore } from './memory-object-store.js';

async function kindOf(run: () => Promise<unknown>): Promise<ErrorKind | string> {
  return run().then(
    () => 'resolved',
    (e: unknown) => (isStorageError(e) ? e.kind : `not a StorageError: ${String(e)}`),
  );
}

describe('MemoryObjectStore', () => {
  it('declares its capabilities; presign only with a base URL', () => {
    const plain = new MemoryObjectStore();
    expect(plain.name).toBe('memory');
    expect(plain.capabilities).toMatchObject({
      rangeRead: true,
      writeIfNoneMatch: true,
      writeIfMatch: true,
      readIfMatch: true,
      serverSideCopy: true,
      multipart: false,
      sha256: true,
      fileFolderConflict: false,
      presignGet: false,
      presignPut: false,
    });
    expect(plain.capabilities.maxObjectSize).toBeUndefined();
    const capped = new MemoryObjectStore({ presignBaseUrl: 'http://127.0.0.1:1', maxObjectSize: 10 });
    expect(capped.capabilities).toMatchObject({ presignGet: true, presignPut: true, maxObjectSize: 10 });
  });

  it('refuses bad configuration with ConfigInvalid', () => {
    for (const options of [
      { presignBaseUrl: 'not a url' },
      { presignBaseUrl: 'ftp://host/' },
      { presignBaseUrl: 'http://host/?q=1' },
      { presignSecret: 'short' },
      { maxObjectSize: -1 },
      { maxObjectSize: 0 },
      { maxObjectSize: 1.5 },
    ]) {
      expect(() => new MemoryObjectStore(options), JSON.stringify(options)).toThrow(
        expect.objectContaining({ kind: 'ConfigInvalid' }),
      );
    }
  });

  it('presigning without a base URL is Unsupported (after key validation)', async () => {
    const store = new MemoryObjectStore();
    expect(await kindOf(() => store.presignGet('k', { expiresIn: 60 }))).toBe('Unsupported');
    expect(await kindOf(() => store.presignPut('k', { expiresIn: 60 }))).toBe('Unsupported');
    expect(await kindOf(() => store.presignGet('/bad', { expiresIn: 60 }))).toBe('InvalidKey');
  });

  it('owns its bytes: neither the put buffer nor a read chunk can change the stored object', async () => {
    const store = new MemoryObjectStore();
    const input = Buffer.from('original');
    await store.put('k', input);
    input.write('XXXXXXXX');
    const first = await store.get('k');
    const chunk = (await first.body.toArray())[0] as Buffer;
    chunk.write('YYYYYYYY');
    expect(await readText(await store.get('k'))).toBe('original');
  });

  it('copies stream chunks too, since producers may reuse their buffers', async () => {
    const store = new MemoryObjectStore();
    const reused = Buffer.alloc(4);
    const body = new Readable({
      read() {
        // Hands out the same buffer each time, then overwrites it.
        if (reused[0] === 0) {
          reused.fill(1);
          this.push(reused);
        } else if (reused[0] === 1) {
          reused.fill(2);
          this.push(reused);
        } else this.push(null);
      },
    });
    await store.put('k', body);
    expect([...(await readBytes(await store.get('k')))]).toEqual([1, 1, 1, 1, 2, 2, 2, 2]);
  });

  it('reports etag as quoted md5, sha256, default content type and lastModified from its clock', async () => {
    const clock = new ManualClock(new Date('2025-04-05T06:07:08Z'));
    const store = new MemoryObjectStore({ clock });
    const info = await store.put('docs/readme.md', 'hello');
    expect(info.etag).toBe('"5d41402abc4b2a76b9719d911017c592"');
    expect(info.sha256).toBe('2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824');
    expect(info.contentType).toBe('text/markdown; charset=utf-8');
    expect(info.lastModified.toISOString()).toBe('2025-04-05T06:07:08.000Z');
    expect((await store.put('blob', 'x')).contentType).toBe('application/octet-stream');
    info.lastModified.setTime(0);
    info.metadata.injected = 'yes';
    const head = await store.head('docs/readme.md');
    expect(head.lastModified.toISOString()).toBe('2025-04-05T06:07:08.000Z');
    expect(head.metadata).toEqual({});
  });

  it('ranges report the resolved range and the full size', async () => {
    const store = new MemoryObjectStore();
    await store.put('r', '0123456789');
    const tail = await store.get('r', { range: { start: 7 } });
    expect(tail.range).toEqual({ start: 7, end: 9 });
    expect(tail.info.size).toBe(10);
    expect(await readText(tail)).toBe('789');
    const clamped = await store.get('r', { range: { start: 8, end: 100 } });
    expect(clamped.range).toEqual({ start: 8, end: 9 });
    expect(await readText(clamped)).toBe('89');
    expect(await kindOf(() => store.get('r', { range: { start: 10 } }))).toBe('InvalidInput');
    expect(await kindOf(() => store.get('r', { range: { start: 5, end: 2 } }))).toBe('InvalidInput');
    expect((await store.get('r')).range).toBeUndefined();
  });

  it('hands out large reads in bounded chunks', async () => {
    const store = new MemoryObjectStore();
    await store.put('big', Buffer.alloc(300 * 1024, 7));
    const chunks = (await (await store.get('big')).body.toArray()) as Buffer[];
    expect(chunks.length).toBe(5);
    expect(Math.max(...chunks.map((c) => c.length))).toBe(64 * 1024);
    expect(chunks.reduce((n, c) => n + c.length, 0)).toBe(300 * 1024);
  });

  it('enforces maxObjectSize up front for known lengths and while streaming otherwise', async () => {
    const store = new MemoryObjectStore({ maxObjectSize: 8 });
    expect(await kindOf(() => store.put('k', '123456789'))).toBe('PayloadTooLarge');
    let pulled = 0;
    const endless = new Readable({
      read() {
        pulled++;
        this.push(Buffer.alloc(4, 1));
      },
    });
    expect(await kindOf(() => store.put('k', endless))).toBe('PayloadTooLarge');
    expect(pulled).toBeLessThan(10);
    expect(await kindOf(() => store.put('k', Readable.from([Buffer.alloc(4)]), { contentLength: 9 }))).toBe(
      'PayloadTooLarge',
    );
    expect(await store.exists('k')).toBe(false);
    expect((await store.put('k', '12345678')).size).toBe(8);
  });

  it('sha256 mismatch is Integrity and stores nothing; a match stores', async () => {
    const store = new MemoryObjectStore();
    const wrong = '0'.repeat(64);
    expect(await kindOf(() => store.put('k', 'abc', { sha256: wrong }))).toBe('Integrity');
    expect(await store.exists('k')).toBe(false);
    const right = 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad';
    expect((await store.put('k', Readable.from([Buffer.from('abc')]), { sha256: right })).sha256).toBe(right);
  });

  it('conditional writes: ifNoneMatch creates once, ifMatch swaps and fails when missing', async () => {
    const store = new MemoryObjectStore();
    const results = await Promise.allSettled(
      Array.from({ length: 5 }, (_, i) =>
        store.put('lock', Readable.from([Buffer.from(`owner ${i}`)]), { ifNoneMatch: '*' }),
      ),
    );
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    for (const r of results) {
      if (r.status === 'rejected') expect(isStorageError(r.reason, 'AlreadyExists')).toBe(true);
    }
    const current = await store.head('lock');
    const swapped = await store.put('lock', 'next', { ifMatch: current.etag });
    expect(await kindOf(() => store.put('lock', 'stale', { ifMatch: current.etag }))).toBe(
      'PreconditionFailed',
    );
    expect(await kindOf(() => store.put('nothing', 'x', { ifMatch: swapped.etag }))).toBe(
      'PreconditionFailed',
    );
    expect(await kindOf(() => store.get('lock', { ifMatch: current.etag }))).toBe('PreconditionFailed');
    expect(await readText(await store.get('lock', { ifMatch: swapped.etag }))).toBe('next');
  });

  it('errors carry operation, key and backend', async () => {
    const store = new MemoryObjectStore();
    const error = await store.head('no/such').catch((e: unknown) => e);
    expect(error).toMatchObject({ kind: 'NotFound', operation: 'head', key: 'no/such', backend: 'memory' });
    const copyError = await store.copy('missing', 'dest').catch((e: unknown) => e);
    expect(copyError).toMatchObject({ kind: 'NotFound', operation: 'copy', key: 'missing' });
    await store.put('a', 'x');
    await store.put('b', 'y');
    const exists = await store.copy('a', 'b', { ifNoneMatch: '*' }).catch((e: unknown) => e);
    expect(exists).toMatchObject({ kind: 'AlreadyExists', operation: 'copy', key: 'b' });
  });

  it('deleteMany takes sync and async iterables, counts missing keys and reports invalid ones', async () => {
    const store = new MemoryObjectStore();
    await store.put('a', '1');
    await store.put('b', '2');
    const sync = await store.deleteMany(['a', 'missing', 'bad//key']);
    expect(sync.deleted).toBe(2);
    expect(sync.errors).toHaveLength(1);
    expect(sync.errors[0]?.key).toBe('bad//key');
    expect(isStorageError(sync.errors[0]?.error, 'InvalidKey')).toBe(true);
    async function* keys() {
      yield 'b';
      yield '/leading';
    }
    const asyncResult = await store.deleteMany(keys());
    expect(asyncResult.deleted).toBe(1);
    expect(asyncResult.errors.map((e) => e.key)).toEqual(['/leading']);
    expect(store.size).toBe(0);
  });

  it('copy shares nothing mutable; move onto itself keeps the object', async () => {
    const clock = new ManualClock();
    const store = new MemoryObjectStore({ clock });
    await store.put('src', 'data', { metadata: { a: '1' }, cacheControl: 'no-store', visibility: 'public' });
    clock.advance(1000);
    const copied = await store.copy('src', 'dst', { visibility: 'private' });
    expect(copied).toMatchObject({ metadata: { a: '1' }, cacheControl: 'no-store', visibility: 'private' });
    expect(copied.lastModified.getTime()).toBe(clock.now().getTime());
    expect((await store.head('src')).visibility).toBe('public');
    const moved = await store.move('dst', 'dst');
    expect(moved.key).toBe('dst');
    expect(await readText(await store.get('dst'))).toBe('data');
  });

  it('stays sorted by UTF-8 bytes through inserts, overwrites and deletes at scale', async () => {
    const store = new MemoryObjectStore();
    const names: string[] = [];
    for (let i = 0; i < 12_000; i++) {
      // Mixes ASCII, BMP and astral code points so UTF-16 order would differ.
      const mark = i % 3 === 0 ? '\u{1F600}' : i % 3 === 1 ? '\uFF61' : 'a';
      names.push(`d${i % 7}/${mark}${((i * 7919) % 12_000).toString(36)}`);
    }
    const started = performance.now();
    for (const name of names) await store.put(name, '');
    for (let i = 0; i < names.length; i += 5) await store.put(names[i]!, 'overwritten');
    for (let i = 0; i < names.length; i += 4) await store.delete(names[i]!);
    const elapsedMs = performance.now() - started;
    const expected = [...new Set(names.filter((_, i) => i % 4 !== 0))].sort(compareKeys);
    const listed: string[] = [];
    for await (const entry of store.list({ pageSize: 997 }))
      if (!isCommonPrefix(entry)) listed.push(entry.key);
    expect(listed).toEqual(expected);
    const page = await store.listPage({ prefix: 'd3/', delimiter: '/', limit: 10 });
    expect(page.items.map((i) => i.key)).toEqual(expected.filter((k) => k.startsWith('d3/')).slice(0, 10));
    // Reported, not asserted: wall-clock timing depends on the machine.
    console.info(`memory store: ${names.length} puts + overwrites + deletes in ${elapsedMs.toFixed(0)} ms`);
  });
});
