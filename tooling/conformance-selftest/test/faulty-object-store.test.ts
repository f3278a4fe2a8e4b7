import { isStorageError, readBytes, readText, StorageError } from '@stowage/core';
import { MemoryObjectStore } from '@stowage/memory';
import { collect, describeObjectStoreConformance, FaultyObjectStore } from '@stowage/testkit';
import { describe, expect, it } from 'vitest';

async function outcome(run: () => Promise<unknown>): Promise<string> {
  return run().then(
    () => 'ok',
    (e: unknown) => (isStorageError(e) ? e.kind : `not a StorageError: ${String(e)}`),
  );
}

describe('FaultyObjectStore', () => {
  it('fails exactly the Nth eligible calls with a retryable Unavailable naming the call', async () => {
    const faulty = new FaultyObjectStore(new MemoryObjectStore(), { failNth: [2, 4] });
    const results = [];
    for (let i = 0; i < 5; i++) results.push(await outcome(() => faulty.put(`k${i}`, 'x')));
    expect(results).toEqual(['ok', 'Unavailable', 'ok', 'Unavailable', 'ok']);
    expect(faulty.calls).toBe(5);
    expect(faulty.injected).toBe(2);
    // The failed put stored nothing; call 6 is not scheduled to fail and reaches the store.
    expect(await outcome(() => faulty.head('k1'))).toBe('NotFound');
    expect(await outcome(() => faulty.head('k2'))).toBe('ok');
    const failing = new FaultyObjectStore(new MemoryObjectStore(), { failNth: 1 });
    const e = (await failing.head('some/key').catch((x: unknown) => x)) as StorageError;
    expect(e).toBeInstanceOf(StorageError);
    expect({
      kind: e.kind,
      retryable: e.retryable,
      operation: e.operation,
      key: e.key,
      backend: e.backend,
    }).toEqual({
      kind: 'Unavailable',
      retryable: true,
      operation: 'head',
      key: 'some/key',
      backend: 'memory',
    });
  });

  it('a failure before the side effect leaves nothing stored', async () => {
    const inner = new MemoryObjectStore();
    const faulty = new FaultyObjectStore(inner, { failNth: 1 });
    expect(await outcome(() => faulty.put('k', 'v'))).toBe('Unavailable');
    expect(await inner.exists('k')).toBe(false);
  });

  it('failAfterSideEffect performs the call, then throws (a lost response)', async () => {
    const inner = new MemoryObjectStore();
    const faulty = new FaultyObjectStore(inner, { failNth: [1, 2, 3], failAfterSideEffect: true });
    expect(await outcome(() => faulty.put('k', 'stored anyway'))).toBe('Unavailable');
    expect(await readText(await inner.get('k'))).toBe('stored anyway');
    expect(await outcome(() => faulty.get('k'))).toBe('Unavailable');
    expect(await outcome(() => faulty.delete('k'))).toBe('Unavailable');
    expect(await inner.exists('k')).toBe(false);
  });

  it('failRatio with a seed gives the same schedule every time, near the ratio', async () => {
    const schedule = async (seed: number) => {
      const faulty = new FaultyObjectStore(new MemoryObjectStore(), { failRatio: 0.3, seed });
      const out: string[] = [];
      for (let i = 0; i < 400; i++) out.push(await outcome(() => faulty.exists('k')));
      return out;
    };
    const a = await schedule(42);
    const b = await schedule(42);
    const c = await schedule(43);
    expect(a).toEqual(b);
    expect(a).not.toEqual(c);
    const failures = a.filter((r) => r !== 'ok').length;
    expect(failures).toBeGreaterThan(80);
    expect(failures).toBeLessThan(160);
  });

  it('only the listed operations are counted and failed', async () => {
    const faulty = new FaultyObjectStore(new MemoryObjectStore(), { failRatio: 1, operations: ['get'] });
    expect(await outcome(() => faulty.put('k', 'v'))).toBe('ok');
    expect(await outcome(() => faulty.head('k'))).toBe('ok');
    expect(await outcome(() => faulty.get('k'))).toBe('Unavailable');
    expect(faulty.calls).toBe(1);
    expect(faulty.log.map((c) => c.operation)).toEqual(['get']);
  });

  it('errorKind chooses the kind; a non-transient kind is not retryable', async () => {
    const faulty = new FaultyObjectStore(new MemoryObjectStore(), {
      failNth: 1,
      errorKind: 'PermissionDenied',
    });
    const e = (await faulty.head('k').catch((x: unknown) => x)) as StorageError;
    expect(e.kind).toBe('PermissionDenied');
    expect(e.retryable).toBe(false);
  });

  it('setEnabled(false) passes everything through without counting', async () => {
    const faulty = new FaultyObjectStore(new MemoryObjectStore(), { failRatio: 1 });
    faulty.setEnabled(false);
    expect(await outcome(() => faulty.put('k', 'v'))).toBe('ok');
    expect(faulty.calls).toBe(0);
    faulty.setEnabled(true);
    expect(await outcome(() => faulty.head('k'))).toBe('Unavailable');
    expect(faulty.calls).toBe(1);
  });

  it('list fails on the first next(), or after the last entry with failAfterSideEffect', async () => {
    const inner = new MemoryObjectStore();
    await inner.put('a', 'x');
    await inner.put('b', 'x');
    const before = new FaultyObjectStore(inner, { failNth: 1 });
    const seen: string[] = [];
    const err = await (async () => {
      for await (const e of before.list()) seen.push('key' in e ? e.key : e.prefix);
    })().catch((e: unknown) => e);
    expect(isStorageError(err, 'Unavailable')).toBe(true);
    expect(seen).toEqual([]);
    const after = new FaultyObjectStore(inner, { failNth: 1, failAfterSideEffect: true });
    const seenAfter: string[] = [];
    const errAfter = await (async () => {
      for await (const e of after.list()) seenAfter.push('key' in e ? e.key : e.prefix);
    })().catch((e: unknown) => e);
    expect(isStorageError(errAfter, 'Unavailable')).toBe(true);
    expect(seenAfter).toEqual(['a', 'b']);
    const healthy = new FaultyObjectStore(inner);
    expect((await collect(healthy.list())).length).toBe(2);
    expect(healthy.calls).toBe(1);
  });

  it('listPage, copy, move, deleteMany and presign go through the schedule', async () => {
    const inner = new MemoryObjectStore({ presignBaseUrl: 'http://127.0.0.1:9' });
    await inner.put('src', 'x');
    const faulty = new FaultyObjectStore(inner, { failRatio: 1 });
    for (const run of [
      () => faulty.listPage(),
      () => faulty.copy('src', 'dst'),
      () => faulty.move('src', 'dst'),
      () => faulty.deleteMany(['src']),
      () => faulty.presignGet('src', { expiresIn: 60 }),
      () => faulty.presignPut('src', { expiresIn: 60 }),
    ]) {
      expect(await outcome(run)).toBe('Unavailable');
    }
    expect(faulty.injected).toBe(6);
    expect(await inner.exists('src')).toBe(true);
    expect(await inner.exists('dst')).toBe(false);
  });

  it('delays calls by delayMs without failing them', async () => {
    const faulty = new FaultyObjectStore(new MemoryObjectStore(), { delayMs: [1, 3], seed: 7 });
    await faulty.put('k', 'v');
    expect(await readText(await faulty.get('k'))).toBe('v');
    expect(faulty.injected).toBe(0);
    expect(faulty.calls).toBe(2);
  });

  it('getBodyFailsAfterBytes cuts a scheduled download mid-stream and leaves others whole', async () => {
    const inner = new MemoryObjectStore();
    await inner.put('k', Buffer.alloc(300_000, 1));
    const faulty = new FaultyObjectStore(inner, { failNth: 1, getBodyFailsAfterBytes: 100_000 });
    const cut = await faulty.get('k');
    expect(cut.info.size).toBe(300_000);
    let received = 0;
    const error = await (async () => {
      for await (const chunk of cut.body) received += (chunk as Buffer).length;
    })().catch((e: unknown) => e);
    expect(isStorageError(error, 'Unavailable')).toBe(true);
    // Like a reset connection: bytes still in flight when the cut comes are lost, never extra ones delivered.
    expect(received).toBeGreaterThan(0);
    expect(received).toBeLessThanOrEqual(100_000);
    const whole = await faulty.get('k');
    expect((await readBytes(whole.body)).length).toBe(300_000);
    expect(faulty.injected).toBe(1);
  });

  it('rejects nonsense options', () => {
    const inner = new MemoryObjectStore();
    expect(() => new FaultyObjectStore(inner, { failRatio: 2 })).toThrow(RangeError);
    expect(() => new FaultyObjectStore(inner, { failNth: 0 })).toThrow(RangeError);
    expect(() => new FaultyObjectStore(inner, { delayMs: [5, 1] })).toThrow(RangeError);
    expect(() => new FaultyObjectStore(inner, { getBodyFailsAfterBytes: -1 })).toThrow(RangeError);
  });

  it('exposes the inner store name and capabilities', () => {
    const inner = new MemoryObjectStore();
    const faulty = new FaultyObjectStore(inner);
    expect(faulty.name).toBe('memory');
    expect(faulty.capabilities).toBe(inner.capabilities);
  });
});

// With no faults configured the decorator must be transparent: it passes the whole contract.
describeObjectStoreConformance({
  name: 'FaultyObjectStore(memory) with no faults',
  create: () => new FaultyObjectStore(new MemoryObjectStore()),
  largeObjectBytes: 2 * 1024 * 1024,
});
