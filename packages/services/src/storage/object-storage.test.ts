import { Readable } from 'node:stream';
import { isStorageError, NoopLogger, readBytes } from '@stowage/core';
import { MemoryObjectStore } from '@stowage/memory';
import { FaultyObjectStore } from '@stowage/testkit';
import { describe, expect, it } from 'vitest';
import { ObjectStorage, type ObjectStorageConfig } from './object-storage.js';

const quick: ObjectStorageConfig = { retry: { baseDelayMs: 1, maxDelayMs: 2 } };

function storage(config: ObjectStorageConfig = quick, inner = new MemoryObjectStore()) {
  return { storage: new ObjectStorage(inner, { cdn: null }, new NoopLogger(), config), inner };
}

async function kindOf(run: () => Promise<unknown>): Promise<string> {
  try {
    await run();
    return 'ok';
  } catch (error) {
    return isStorageError(error) ? error.kind : `foreign ${String(error)}`;
  }
}

describe('ObjectStorage: retries', () => {
  it('recovers from transient failures and never retries permanent ones', async () => {
    const memory = new MemoryObjectStore();
    await memory.put('k', 'v');
    const flaky = new FaultyObjectStore(memory, { failNth: [1, 2], operations: ['get', 'head'] });
    const { storage: s } = storage(quick, flaky as unknown as MemoryObjectStore);
    expect(await s.getText('k')).toBe('v');
    expect(flaky.injected).toBe(2);

    const permanent = new FaultyObjectStore(memory, {
      failNth: 1,
      operations: ['head'],
      errorKind: 'PermissionDenied',
    });
    const { storage: p } = storage(quick, permanent as unknown as MemoryObjectStore);
    expect(await kindOf(() => p.head('k'))).toBe('PermissionDenied');
    expect(permanent.calls).toBe(1);
    expect(await kindOf(() => s.head('missing'))).toBe('NotFound');
  });

  it('gives up after the configured attempts, with the last failure', async () => {
    const flaky = new FaultyObjectStore(new MemoryObjectStore(), { failRatio: 1, operations: ['put'] });
    const { storage: s } = storage(
      { retry: { attempts: 4, baseDelayMs: 1, maxDelayMs: 1 } },
      flaky as unknown as MemoryObjectStore,
    );
    expect(await kindOf(() => s.put('k', 'v'))).toBe('Unavailable');
    expect(flaky.calls).toBe(4);
  });

  it('writes a stream once: a stream cannot be replayed', async () => {
    const flaky = new FaultyObjectStore(new MemoryObjectStore(), { failNth: 1, operations: ['put'] });
    const { storage: s } = storage(quick, flaky as unknown as MemoryObjectStore);
    expect(await kindOf(() => s.put('k', Readable.from([Buffer.from('v')])))).toBe('Unavailable');
    expect(flaky.calls).toBe(1);
  });
});

describe('ObjectStorage: reads into memory', () => {
  it('identical concurrent reads share one fetch; different ranges do not', async () => {
    const memory = new MemoryObjectStore();
    await memory.put('k', '0123456789');
    const counted = new FaultyObjectStore(memory, { delayMs: 20 });
    const { storage: s } = storage(quick, counted as unknown as MemoryObjectStore);
    const results = await Promise.all([
      ...Array.from({ length: 10 }, () => s.getText('k')),
      s.getText('k', { range: { start: 0, end: 1 } }),
    ]);
    expect(results.slice(0, 10)).toEqual(Array(10).fill('0123456789'));
    expect(results[10]).toBe('01');
    expect(counted.log.filter((c) => c.operation === 'get')).toHaveLength(2);
    expect(s.coalescedReads).toBe(9);
  });

  it('refuses reads into memory past the cap, but streams them', async () => {
    const { storage: s, inner } = storage({ ...quick, maxBufferedBytes: 8 });
    await inner.put('big', Buffer.alloc(64));
    expect(await kindOf(() => s.getBytes('big'))).toBe('PayloadTooLarge');
    expect((await readBytes(await s.get('big'))).length).toBe(64);
  });

  it('refuses reads into memory under memory pressure, retryably', async () => {
    const { storage: s, inner } = storage({ ...quick, memoryLimitBytes: 1024 });
    await inner.put('k', 'v');
    const error = await s.getBytes('k').catch((e: unknown) => e);
    expect(isStorageError(error, 'Unavailable') && error.retryable).toBe(true);
  });

  it('a body that stalls fails with Timeout and frees its source', async () => {
    const stalled = new Readable({ read() {} });
    stalled.push(Buffer.from('first'));
    const fake = new MemoryObjectStore();
    await fake.put('k', 'x');
    const original = fake.get.bind(fake);
    fake.get = async (key, options) => ({ ...(await original(key, options)), body: stalled });
    const { storage: s } = storage({ ...quick, streamIdleTimeoutMs: 50 }, fake);
    const error = await readBytes(await s.get('k')).catch((e: unknown) => e);
    expect(isStorageError(error, 'Timeout')).toBe(true);
    expect(stalled.destroyed).toBe(true);
  });
});

describe('ObjectStorage: categories and dry run', () => {
  it('categories set visibility and cache-control; explicit options win', async () => {
    const { storage: s } = storage();
    expect(await s.put('a.png', 'x', { category: 'public-asset' })).toMatchObject({
      visibility: 'public',
      cacheControl: 'public, max-age=31536000, immutable',
    });
    expect(await s.put('p.json', '{}', { category: 'private-data' })).toMatchObject({
      visibility: 'private',
      cacheControl: 'private, no-store',
    });
    expect((await s.put('page', '<p>', { category: 'html' })).contentType).toBe('text/html; charset=utf-8');
    expect((await s.put('x', 'x', { category: 'public-data', cacheControl: 'no-cache' })).cacheControl).toBe(
      'no-cache',
    );
  });

  it('on a store without per-object visibility a public category leaves it to the bucket', async () => {
    const memory = new MemoryObjectStore();
    // A store like SeaweedFS or R2: no ACLs, so no `visibility: 'public'`.
    const noAcl = new Proxy(memory, {
      get(target, property) {
        if (property === 'capabilities') return { ...target.capabilities, visibility: false };
        const value = Reflect.get(target, property, target);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
    const { storage: s } = storage(quick, noAcl);
    const info = await s.put('a.png', 'x', { category: 'public-asset' });
    expect(info.cacheControl).toBe('public, max-age=31536000, immutable');
    expect(info.visibility).toBe('private');
  });

  it('a dry run performs no write or delete, reports them, and reads work', async () => {
    const inner = new MemoryObjectStore();
    await inner.put('existing', 'keep');
    const { storage: s } = storage({ ...quick, dryRun: true }, inner);
    const info = await s.put('new', 'payload');
    expect(info.size).toBe(7);
    await s.delete('existing');
    await s.copy('existing', 'copy');
    expect(inner.size).toBe(1);
    expect(await s.getText('existing')).toBe('keep');
    expect(s.dryRunReport().map((a) => a.operation)).toEqual(['put', 'delete', 'copy']);
  });
});
