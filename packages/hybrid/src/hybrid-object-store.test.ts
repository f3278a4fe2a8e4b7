import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import {
  isStorageError,
  type JobState,
  type JobStateStore,
  type ObjectStore,
  readText,
  StorageError,
} from '@stowage/core';
import { LocalObjectStore } from '@stowage/local';
import { MemoryJobStateStore, MemoryObjectStore } from '@stowage/memory';
import { FaultyObjectStore } from '@stowage/testkit';
import { describe, expect, it } from 'vitest';
import { HybridObjectStore } from './hybrid-object-store.js';
import { Migrator } from './migrator.js';
import { routingBucket } from './routing.js';
import { CLEANUP_JOB_KIND } from './stale-copies.js';

/** A key whose routing bucket satisfies `test` (keys are tried in a fixed order). */
function keyWhere(test: (bucket: number) => boolean, prefix = 'k/'): string {
  for (let i = 0; ; i++) {
    const key = `${prefix}${i}`;
    if (test(routingBucket(key))) return key;
  }
}

async function caught(promise: Promise<unknown>): Promise<StorageError> {
  try {
    await promise;
  } catch (error) {
    if (isStorageError(error)) return error;
    throw error;
  }
  throw new Error('expected a StorageError');
}

async function keysOf(
  store: ObjectStore,
  options: Parameters<ObjectStore['list']>[0] = {},
): Promise<string[]> {
  const out: string[] = [];
  for await (const entry of store.list(options))
    out.push('key' in entry ? entry.key : (entry as { prefix: string }).prefix);
  return out;
}

function setup(
  percentage: number,
  options: { fromFaults?: ConstructorParameters<typeof FaultyObjectStore>[1] } = {},
) {
  const fromInner = new MemoryObjectStore();
  const toInner = new MemoryObjectStore();
  const from = new FaultyObjectStore(fromInner, options.fromFaults ?? {});
  const to = new FaultyObjectStore(toInner, {});
  const jobs = new MemoryJobStateStore();
  const store = new HybridObjectStore({ from, to, percentage, jobs, cleanupIntervalMs: 0 });
  return { store, from, to, fromInner, toInner, jobs };
}

describe('HybridObjectStore configuration', () => {
  it('refuses bad percentages, the same store twice and bad namespaces with ConfigInvalid', () => {
    const a = new MemoryObjectStore();
    const b = new MemoryObjectStore();
    for (const options of [
      { from: a, to: b, percentage: 101 },
      { from: a, to: b, percentage: 2.5 },
      { from: a, to: a, percentage: 10 },
      { from: a, to: b, percentage: 10, namespace: 'has space' },
    ]) {
      expect(() => new HybridObjectStore(options)).toThrow(
        expect.objectContaining({ kind: 'ConfigInvalid' }),
      );
    }
  });

  it('names each bad setting in one message, and refuses unknown settings', () => {
    const a = new MemoryObjectStore();
    const b = new MemoryObjectStore();
    const config = {
      from: a,
      to: b,
      percentage: 2.5,
      namespace: 'has space',
      cleanupIntervalMs: -1,
      precentage: 5,
    };
    expect(() => new HybridObjectStore(config as never)).toThrow(
      'Invalid hybrid configuration: percentage: must be an integer from 0 to 100; ' +
        'namespace: must be 1-64 of A-Z a-z 0-9 . _ -; cleanupIntervalMs: must be a non-negative number of milliseconds; ' +
        'unknown setting "precentage"',
    );
    expect(() => new HybridObjectStore({ from: a, to: a, percentage: 0 })).toThrow(
      'Invalid hybrid configuration: to: must be a different store from `from`',
    );
    expect(() => new HybridObjectStore({ from: a, to: {} as ObjectStore, percentage: 0 })).toThrow(
      'Invalid hybrid configuration: to: must be an ObjectStore',
    );
  });

  it('shows its sides by name only in inspect and JSON (a side’s configuration may hold secrets)', () => {
    const secret = 'side-presign-secret-0123456789';
    const store = new HybridObjectStore({
      from: new MemoryObjectStore({ presignBaseUrl: 'http://127.0.0.1:9/', presignSecret: secret }),
      to: new MemoryObjectStore(),
      percentage: 10,
    });
    const shown = [inspect(store, { depth: 8, showHidden: true }), JSON.stringify(store), String(store)];
    for (const text of shown) expect(text).not.toContain(secret);
    expect(shown[0]).toBe(
      'HybridObjectStore { from: memory, to: memory, percentage: 10, pendingCleanups: 0 }',
    );
    expect(JSON.parse(shown[1]!)).toEqual({ name: 'hybrid', from: 'memory', to: 'memory', percentage: 10 });
  });

  it('setPercentage validates (InvalidInput) and keeps the old value on error', () => {
    const { store } = setup(10);
    for (const bad of [-1, 101, 50.5, Number.NaN]) {
      expect(() => store.setPercentage(bad)).toThrow(expect.objectContaining({ kind: 'InvalidInput' }));
    }
    expect(store.percentage).toBe(10);
    store.setPercentage(75);
    expect(store.percentage).toBe(75);
  });

  it('declares the intersection of both sides’ capabilities', () => {
    const store = new HybridObjectStore({
      from: new MemoryObjectStore({ maxObjectSize: 1000 }),
      to: new MemoryObjectStore(),
      percentage: 0,
    });
    expect(store.name).toBe('hybrid');
    expect(store.capabilities.presignGet).toBe(false);
    expect(store.capabilities.maxObjectSize).toBe(1000);
    expect(store.capabilities.serverSideCopy).toBe(true);
  });
});

describe('routing of writes and reads', () => {
  it('writes to the routed side and removes the other side’s copy', async () => {
    const { store, fromInner, toInner } = setup(0);
    const key = keyWhere((b) => b < 50);
    await store.put(key, 'v1');
    expect(await fromInner.exists(key)).toBe(true);
    store.setPercentage(50);
    // Not migrated yet: still readable through the fallback.
    expect(await readText(await store.get(key))).toBe('v1');
    await store.put(key, 'v2');
    expect(await readText(await toInner.get(key))).toBe('v2');
    expect(await fromInner.exists(key)).toBe(false);
    store.setPercentage(0);
    expect(await readText(await store.get(key))).toBe('v2');
  });

  it('falls back to the other side on NotFound only; other errors propagate', async () => {
    const { store, toInner } = setup(100, {});
    const key = keyWhere(() => true);
    await toInner.put(key, 'on to');
    store.setPercentage(0);
    // Routed side (from) says NotFound → the other side answers.
    expect(await readText(await store.get(key))).toBe('on to');

    const failing = new FaultyObjectStore(new MemoryObjectStore(), {
      failRatio: 1,
      operations: ['get', 'head'],
    });
    const other = new MemoryObjectStore();
    await other.put(key, 'must not be served');
    const hybrid = new HybridObjectStore({ from: failing, to: other, percentage: 0, cleanupIntervalMs: 0 });
    expect((await caught(hybrid.get(key))).kind).toBe('Unavailable');
    expect((await caught(hybrid.head(key))).kind).toBe('Unavailable');
  });

  it('lists both sides merged in byte order without duplicates, across pages', async () => {
    const { store, fromInner, toInner } = setup(50);
    const keys = Array.from({ length: 40 }, (_, i) => `l/${String(i).padStart(2, '0')}`);
    for (const [i, key] of keys.entries()) await (i % 2 === 0 ? fromInner : toInner).put(key, key);
    // A duplicate on both sides (as after a crash mid-write) is listed once.
    await fromInner.put('l/01', 'dup');
    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = await store.listPage({
        prefix: 'l/',
        limit: 7,
        ...(cursor === undefined ? {} : { cursor }),
      });
      expect(page.items.length).toBeLessThanOrEqual(7);
      seen.push(...page.items.map((item) => item.key));
      cursor = page.cursor;
      pages++;
      // Paging survives a percentage change between pages.
      if (pages === 2) store.setPercentage(80);
    } while (cursor !== undefined);
    expect(seen).toEqual(keys);
    expect(await keysOf(store, { prefix: 'l/', startAfter: 'l/35' })).toEqual([
      'l/36',
      'l/37',
      'l/38',
      'l/39',
    ]);
  });

  for (const direction of ['from → to', 'to → from (rollback)'] as const) {
    it(`lists every object while a migration moves them ${direction}`, async () => {
      // Listing the source side is slow and everything else fast, so keys move while a page
      // is listed (listing both sides at once would miss them: gone from the source, not
      // yet on the destination).
      const forward = direction === 'from → to';
      const sourceInner = new MemoryObjectStore();
      const source = new FaultyObjectStore(sourceInner, { operations: ['listPage'], delayMs: 5 });
      const destination = new FaultyObjectStore(new MemoryObjectStore(), { delayMs: [0, 1], seed: 4 });
      const jobs = new MemoryJobStateStore();
      const store = new HybridObjectStore({
        from: forward ? source : destination,
        to: forward ? destination : source,
        percentage: forward ? 100 : 0,
        jobs,
        cleanupIntervalMs: 0,
      });
      const keys = Array.from({ length: 300 }, (_, i) => `mv/${String(i).padStart(3, '0')}`);
      for (const key of keys) await sourceInner.put(key, key);
      let done = false;
      // reread: every copy is read back, which keeps the migration busy across several listings.
      const migration = new Migrator({ store, jobs, concurrency: 4, reread: true }).run().finally(() => {
        done = true;
      });
      let listings = 0;
      while (!done || listings === 0) {
        expect(await keysOf(store, { prefix: 'mv/', pageSize: 17 })).toEqual(keys);
        listings++;
      }
      expect((await migration).moved).toBe(keys.length);
      expect(listings).toBeGreaterThan(1);
    });
  }

  it('a side whose pages go backwards fails the listing with Unexpected instead of looping', async () => {
    const broken = new MemoryObjectStore();
    // Ignores cursors and startAfter: every page starts over, as a server with a broken StartAfter might.
    broken.listPage = (options = {}) =>
      MemoryObjectStore.prototype.listPage.call(broken, {
        ...options,
        cursor: undefined,
        startAfter: undefined,
      });
    const h = new HybridObjectStore({
      from: broken,
      to: new MemoryObjectStore(),
      percentage: 0,
      jobs: new MemoryJobStateStore(),
    });
    for (const k of ['a', 'b', 'c']) await h.put(k, k);
    const seen: string[] = [];
    const error = await caught(
      (async () => {
        for await (const entry of h.list({ pageSize: 1 })) {
          seen.push('key' in entry ? entry.key : entry.prefix);
          if (seen.length > 10) throw new Error('the listing loops');
        }
      })(),
    );
    expect(error.kind).toBe('Unexpected');
    expect(error.message).toMatch(/goes backwards/);
    expect(seen).toEqual(['a']);
    await h.close();
  });

  it('pages skip hidden stale copies and leave no cursor on an exactly full last page', async () => {
    const { store, fromInner, toInner } = setup(100, { fromFaults: { failNth: 1, operations: ['delete'] } });
    await toInner.put('p/a', 'a');
    await fromInner.put('p/b', 'old');
    await toInner.put('p/b', 'x');
    await store.delete('p/b'); // from.delete fails → p/b stale on from, hidden
    await toInner.put('p/c', 'c');
    expect(store.staleSide('p/b')).toBe('from');
    const whole = await store.listPage({ prefix: 'p/', limit: 2 });
    expect(whole.items.map((item) => item.key)).toEqual(['p/a', 'p/c']);
    expect(whole.cursor).toBeUndefined();
    const first = await store.listPage({ prefix: 'p/', limit: 1 });
    expect(first.items.map((item) => item.key)).toEqual(['p/a']);
    const rest = await store.listPage({ prefix: 'p/', limit: 1, cursor: first.cursor! });
    expect(rest).toEqual({ items: [expect.objectContaining({ key: 'p/c' })], prefixes: [] });
  });

  it('merges delimiter folders from both sides', async () => {
    const { store, fromInner, toInner } = setup(50);
    await fromInner.put('d/a/1', 'x');
    await toInner.put('d/a/2', 'x');
    await toInner.put('d/b/1', 'x');
    await fromInner.put('d/c', 'x');
    expect(await keysOf(store, { prefix: 'd/', delimiter: '/' })).toEqual(['d/a/', 'd/b/', 'd/c']);
  });

  it('ifNoneMatch sees an object on the other side; ifMatch compares with the fresh copy wherever it is', async () => {
    const { store, fromInner, toInner } = setup(0);
    const key = keyWhere(() => true);
    const first = await store.put(key, 'v1');
    store.setPercentage(100);
    expect((await caught(store.put(key, 'x', { ifNoneMatch: '*' }))).kind).toBe('AlreadyExists');
    expect((await caught(store.put(key, 'x', { ifMatch: '"nope"' }))).kind).toBe('PreconditionFailed');
    const second = await store.put(key, 'v2', { ifMatch: first.etag });
    expect(await fromInner.exists(key)).toBe(false);
    expect(await readText(await toInner.get(key))).toBe('v2');
    // Now the fresh copy is on the routed side: the backend enforces the compare-and-swap.
    expect((await caught(store.put(key, 'x', { ifMatch: first.etag }))).kind).toBe('PreconditionFailed');
    await store.put(key, 'v3', { ifMatch: second.etag });
    expect(await readText(await store.get(key))).toBe('v3');
  });

  it('copies and moves across sides, preserving content type and metadata', async () => {
    const { store, fromInner, toInner } = setup(50);
    const a = keyWhere((b) => b >= 50, 'src/'); // routes to from
    const b = keyWhere((b) => b < 50, 'dst/'); // routes to to
    await store.put(a, 'payload', { contentType: 'text/x-test', metadata: { owner: 'ann' } });
    const copied = await store.copy(a, b);
    expect(copied.contentType).toBe('text/x-test');
    const info = await toInner.head(b);
    expect(info.metadata).toEqual({ owner: 'ann' });
    expect(await fromInner.exists(a)).toBe(true);
    const c = keyWhere((bucket) => bucket >= 50, 'moved/');
    await store.move(b, c);
    expect(await toInner.exists(b)).toBe(false);
    expect(await readText(await fromInner.get(c))).toBe('payload');
    expect((await caught(store.copy('missing/key', c))).kind).toBe('NotFound');
  });

  it('locate and publicUrl point at the side that holds the object', async () => {
    const { store, toInner } = setup(0);
    const key = keyWhere(() => true);
    await toInner.put(key, 'x');
    expect((await store.locate(key)).side).toBe('to');
    const cdns = {
      from: { publicUrl: (k: string) => `https://old.example/${k}` },
      to: { publicUrl: (k: string) => `https://new.example/${k}` },
    };
    expect(await store.publicUrl(key, cdns)).toBe(`https://new.example/${key}`);
    expect(await store.publicUrl('nowhere/x', cdns)).toBe('https://old.example/nowhere/x');
  });
});

describe('stale copies', () => {
  it('records a pending cleanup when removing the old copy fails, never serves it, and cleans it later', async () => {
    const { store, fromInner, toInner, jobs } = setup(50, {
      fromFaults: { failNth: 1, operations: ['delete'] },
    });
    const key = keyWhere((b) => b < 50);
    // The key lived on `from` before the rollout reached it.
    await fromInner.put(key, 'old');
    await store.put(key, 'newer'); // to ← newer; removing from's copy fails
    expect(await fromInner.exists(key)).toBe(true);
    expect(store.pendingCleanups).toBe(1);
    expect(store.staleSide(key)).toBe('from');
    const record = await jobs.get<{ key: string; stale: string }>(CLEANUP_JOB_KIND, `default:${key}`);
    expect(record?.data).toMatchObject({ key, stale: 'from' });

    // Roll back: the key now routes to `from`, which holds the stale copy. It must not be served.
    store.setPercentage(0);
    expect(await readText(await store.get(key))).toBe('newer');
    expect((await store.head(key)).size).toBe(5);
    expect(await store.exists(key)).toBe(true);
    const listed = await store.listPage({ prefix: 'k/' });
    expect(listed.items.map((item) => [item.key, item.size])).toEqual([[key, 5]]);

    const report = await store.runPendingCleanups();
    expect(report).toEqual({ attempted: 1, cleaned: 1, remaining: 0 });
    expect(await fromInner.exists(key)).toBe(false);
    expect(await jobs.get(CLEANUP_JOB_KIND, `default:${key}`)).toBeNull();
    expect(await readText(await toInner.get(key))).toBe('newer');
  });

  it('a write to the side recorded as stale re-points the record before removing the older copy', async () => {
    const { store, fromInner, toInner, jobs } = setup(100, {
      fromFaults: { failNth: 1, operations: ['delete'] },
    });
    const key = keyWhere(() => true);
    await fromInner.put(key, 'v1');
    await store.put(key, 'v2'); // to ← v2; from.delete fails → from recorded stale
    expect(store.staleSide(key)).toBe('from');
    store.setPercentage(0);
    await store.put(key, 'v3'); // from ← v3 (the stale side becomes fresh); to (v2) removed
    expect(store.staleSide(key)).toBeUndefined();
    expect(await toInner.exists(key)).toBe(false);
    expect(await readText(await fromInner.get(key))).toBe('v3');
    expect(await jobs.list(CLEANUP_JOB_KIND)).toMatchObject({ items: [] });
  });

  it('a delete that fails on one side still holds: the leftover is recorded and hidden', async () => {
    const { store, fromInner, toInner } = setup(100, { fromFaults: { failNth: 1, operations: ['delete'] } });
    const key = keyWhere(() => true);
    await fromInner.put(key, 'legacy');
    await toInner.put(key, 'current');
    await store.delete(key);
    expect(await fromInner.exists(key)).toBe(true);
    expect(store.staleSide(key)).toBe('from');
    store.setPercentage(0);
    expect(await store.exists(key)).toBe(false);
    expect((await caught(store.get(key))).kind).toBe('NotFound');
    expect(await keysOf(store)).toEqual([]);
    expect(await store.listPage({ delimiter: '/' })).toEqual({ items: [], prefixes: [] });
    // ifNoneMatch ignores the stale copy.
    await store.put(key, 'recreated', { ifNoneMatch: '*' });
    expect(await readText(await store.get(key))).toBe('recreated');
    expect(store.staleSide(key)).toBeUndefined();
  });

  it('a delete failing on both sides throws and changes nothing', async () => {
    const from = new FaultyObjectStore(new MemoryObjectStore(), { failRatio: 1, operations: ['delete'] });
    const to = new FaultyObjectStore(new MemoryObjectStore(), { failRatio: 1, operations: ['delete'] });
    const store = new HybridObjectStore({ from, to, percentage: 0, cleanupIntervalMs: 0 });
    await from.inner.put('x', '1');
    expect((await caught(store.delete('x'))).kind).toBe('Unavailable');
    expect(await readText(await store.get('x'))).toBe('1');
  });

  it('deleteMany applies to both sides and records per-key leftovers', async () => {
    const { store, fromInner, toInner } = setup(50, {
      fromFaults: { failNth: 1, operations: ['deleteMany'] },
    });
    for (const key of ['m/1', 'm/2', 'm/3']) {
      await fromInner.put(key, 'f');
      await toInner.put(key, 't');
    }
    const result = await store.deleteMany(['m/1', 'm/2', 'm/3', 'bad//key']);
    expect(result.deleted).toBe(3);
    expect(result.errors.map((e) => [e.key, (e.error as StorageError).kind])).toEqual([
      ['bad//key', 'InvalidKey'],
    ]);
    expect(await keysOf(store, { prefix: 'm/' })).toEqual([]);
    expect(store.pendingCleanups).toBe(3);
    await store.runPendingCleanups();
    expect(await keysOf(fromInner)).toEqual([]);
  });

  it('a restarted router loads recorded stale copies from the job state store', async () => {
    const { store, from, to, fromInner, jobs } = setup(100, {
      fromFaults: { failNth: 1, operations: ['delete'] },
    });
    const key = keyWhere(() => true);
    await fromInner.put(key, 'old');
    await store.put(key, 'new');
    expect(store.staleSide(key)).toBe('from');
    const restarted = new HybridObjectStore({ from, to, percentage: 0, jobs, cleanupIntervalMs: 0 });
    expect(await readText(await restarted.get(key))).toBe('new');
    expect(restarted.staleSide(key)).toBe('from');
  });

  it('when the record cannot be saved the write is not acknowledged, yet this process still hides the old copy', async () => {
    const jobs = new FlakyJobs(new MemoryJobStateStore());
    const fromInner = new MemoryObjectStore();
    const from = new FaultyObjectStore(fromInner, { failNth: 1, operations: ['delete'] });
    const store = new HybridObjectStore({
      from,
      to: new MemoryObjectStore(),
      percentage: 100,
      jobs,
      cleanupIntervalMs: 0,
    });
    const key = keyWhere(() => true);
    await fromInner.put(key, 'old');
    await store.exists(key); // loads the (empty) cleanup records while the job store is up
    jobs.failing = true;
    const error = await caught(store.put(key, 'new'));
    expect(error.kind).toBe('Unavailable');
    store.setPercentage(0);
    expect(await readText(await store.get(key))).toBe('new');
    // Once the job store works again the next change re-writes the record first.
    jobs.failing = false;
    await store.runPendingCleanups();
    expect(await fromInner.exists(key)).toBe(false);
    expect(store.pendingCleanups).toBe(0);
  });

  it('cleanups also run in the background after later operations', async () => {
    const from = new FaultyObjectStore(new MemoryObjectStore(), { failNth: 1, operations: ['delete'] });
    const store = new HybridObjectStore({
      from,
      to: new MemoryObjectStore(),
      percentage: 100,
      cleanupIntervalMs: 1,
    });
    await from.inner.put('bg/1', 'old');
    await store.put('bg/1', 'new');
    await new Promise((resolve) => setTimeout(resolve, 5));
    await store.exists('bg/other'); // any operation schedules the retry
    await store.close();
    expect(await from.inner.exists('bg/1')).toBe(false);
    expect(store.pendingCleanups).toBe(0);
  });

  it('hides a folder whose only objects are recorded stale copies', async () => {
    const { store, fromInner, toInner } = setup(100, { fromFaults: { failNth: 1, operations: ['delete'] } });
    const key = 'folder/only/one';
    await fromInner.put(key, 'old');
    await toInner.put(key, 'x');
    await store.delete(key); // from.delete fails → stale on from
    expect(await store.listPage({ prefix: 'folder/', delimiter: '/' })).toEqual({ items: [], prefixes: [] });
  });
});

describe('size limit', () => {
  it('enforces the smaller side’s maxObjectSize on the other side too, reading streams lazily', async () => {
    const root = await mkdtemp(join(tmpdir(), 'stowage-hybrid-limit-'));
    try {
      const local = new LocalObjectStore({ root, fsync: false });
      const capped = new MemoryObjectStore({ maxObjectSize: 4096 });
      const store = new HybridObjectStore({ from: local, to: capped, percentage: 0, cleanupIntervalMs: 0 });
      expect(store.capabilities.maxObjectSize).toBe(4096);
      const chunks = (n: number, fail?: boolean) => {
        let i = 0;
        return new ReadableStream<Uint8Array>({
          pull(controller) {
            if (i++ < n) controller.enqueue(new Uint8Array(1024).fill(7));
            else if (fail) controller.error(new Error('upstream failed'));
            else controller.close();
          },
        });
      };
      expect((await caught(store.put('big', chunks(8)))).kind).toBe('PayloadTooLarge');
      expect((await caught(store.put('big', new Uint8Array(5000)))).kind).toBe('PayloadTooLarge');
      // A stream that fails before the backend starts reading still fails the put (no hang).
      await expect(store.put('broken', chunks(2, true))).rejects.toThrow();
      expect(await store.exists('broken')).toBe(false);
      await store.put('fits', chunks(4));
      expect((await store.head('fits')).size).toBe(4096);
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });
});

describe('presign', () => {
  it('presignPut first moves an existing copy to the routed side, so no older version can resurface', async () => {
    const fromInner = new MemoryObjectStore({ presignBaseUrl: 'http://127.0.0.1:9/' });
    const toInner = new MemoryObjectStore({ presignBaseUrl: 'http://127.0.0.1:9/' });
    const store = new HybridObjectStore({
      from: fromInner,
      to: toInner,
      percentage: 100,
      cleanupIntervalMs: 0,
    });
    const key = keyWhere(() => true);
    await fromInner.put(key, 'v1', { contentType: 'text/plain' });
    const request = await store.presignPut(key, { expiresIn: 60 });
    expect(request.method).toBe('PUT');
    expect(await fromInner.exists(key)).toBe(false);
    expect(await readText(await toInner.get(key))).toBe('v1');
    // presignGet signs for the side holding the object.
    const url = await store.presignGet(key, { expiresIn: 60 });
    expect(url).toContain(encodeURIComponent(key).replaceAll('%2F', '/'));
  });
});

class FlakyJobs implements JobStateStore {
  failing = false;
  constructor(private readonly inner: JobStateStore) {}
  private check(): void {
    if (this.failing) throw new StorageError('Unavailable', 'job store down', { operation: 'jobs' });
  }
  async get<T>(kind: string, id: string): Promise<JobState<T> | null> {
    this.check();
    return this.inner.get<T>(kind, id);
  }
  async save<T>(
    kind: string,
    id: string,
    data: T,
    options?: { expectedVersion?: number },
  ): Promise<JobState<T>> {
    this.check();
    return this.inner.save(kind, id, data, options);
  }
  async delete(kind: string, id: string): Promise<void> {
    this.check();
    return this.inner.delete(kind, id);
  }
  list<T>(kind: string, options?: { cursor?: string; limit?: number }) {
    this.check();
    return this.inner.list<T>(kind, options);
  }
}
