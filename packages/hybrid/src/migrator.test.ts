import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { isStorageError, type ObjectStore, readBytes, readText } from '@stowage/core';
import { MemoryJobStateStore, MemoryObjectStore } from '@stowage/memory';
import { FaultyObjectStore } from '@stowage/testkit';
import { describe, expect, it } from 'vitest';
import { HybridObjectStore } from './hybrid-object-store.js';
import { MIGRATION_JOB_KIND, type MigrationProgress, Migrator } from './migrator.js';
import { routeFor } from './routing.js';

function bytesFor(i: number): Buffer {
  return createHash('sha256')
    .update(`object ${i}`)
    .digest()
    .subarray(0, 8 + (i % 24));
}

async function keysOf(store: ObjectStore): Promise<string[]> {
  const out: string[] = [];
  for await (const entry of store.list()) if ('key' in entry) out.push(entry.key);
  return out;
}

/** n objects on `from`, with content type, metadata and visibility to preserve. */
async function seeded(n: number, percentage: number) {
  const fromInner = new MemoryObjectStore();
  const toInner = new MemoryObjectStore();
  const from = new FaultyObjectStore(fromInner);
  const to = new FaultyObjectStore(toInner);
  const keys = Array.from({ length: n }, (_, i) => `m/${String(i).padStart(4, '0')}`);
  for (const [i, key] of keys.entries()) {
    await fromInner.put(key, bytesFor(i), {
      contentType: 'application/x-test',
      metadata: { index: String(i) },
      visibility: i % 2 === 0 ? 'public' : 'private',
      cacheControl: 'max-age=60',
    });
  }
  const jobs = new MemoryJobStateStore();
  const store = new HybridObjectStore({ from, to, percentage, jobs, cleanupIntervalMs: 0 });
  const misplaced = keys.filter((key) => routeFor(key, percentage) === 'to');
  return { store, from, to, fromInner, toInner, jobs, keys, misplaced };
}

describe('Migrator', () => {
  it('moves misplaced keys, verified, with content type, headers, metadata and visibility', async () => {
    const { store, jobs, fromInner, toInner, keys, misplaced } = await seeded(120, 40);
    const progress: MigrationProgress[] = [];
    const migrator = new Migrator({ store, jobs, concurrency: 3 });
    migrator.on('progress', (p: MigrationProgress) => progress.push(p));
    const report = await migrator.run();
    expect(report).toMatchObject({
      scanned: keys.length,
      moved: misplaced.length,
      verified: misplaced.length,
      skipped: 0,
      failed: [],
      completed: true,
      percentage: 40,
    });
    expect(misplaced.length).toBeGreaterThan(20);
    expect(progress.filter((p) => p.outcome === 'moved')).toHaveLength(misplaced.length);
    for (const [i, key] of keys.entries()) {
      const side = routeFor(key, 40);
      const holder = side === 'to' ? toInner : fromInner;
      const other = side === 'to' ? fromInner : toInner;
      expect(await other.exists(key)).toBe(false);
      const got = await holder.get(key);
      expect(await readBytes(got)).toEqual(bytesFor(i));
      expect(got.info).toMatchObject({
        contentType: 'application/x-test',
        cacheControl: 'max-age=60',
        metadata: { index: String(i) },
        visibility: i % 2 === 0 ? 'public' : 'private',
      });
    }
    const saved = await jobs.get<{ done: boolean }>(MIGRATION_JOB_KIND, 'default');
    expect(saved?.data.done).toBe(true);
  });

  it('dry run reports what would move and changes nothing', async () => {
    const { store, jobs, fromInner, toInner, keys, misplaced } = await seeded(60, 50);
    const report = await new Migrator({ store, jobs, dryRun: true }).run();
    expect(report).toMatchObject({
      dryRun: true,
      scanned: keys.length,
      moved: 0,
      wouldMove: misplaced.length,
    });
    expect(report.bytes).toBe(misplaced.reduce((sum, key) => sum + bytesFor(keys.indexOf(key)).length, 0));
    expect(await keysOf(fromInner)).toEqual(keys);
    expect(await keysOf(toInner)).toEqual([]);
    expect(await jobs.get(MIGRATION_JOB_KIND, 'default')).toBeNull();
  });

  it('resumes after being killed without copying a verified key again', async () => {
    const { store, jobs, to, toInner, misplaced } = await seeded(300, 60);
    const controller = new AbortController();
    const first = new Migrator({
      store,
      jobs,
      concurrency: 2,
      checkpointEvery: 10,
      signal: controller.signal,
    });
    let moved = 0;
    first.on('progress', (p: MigrationProgress) => {
      if (p.outcome === 'moved' && ++moved === 40) controller.abort();
    });
    const error = await first.run().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(isStorageError(error, 'Aborted')).toBe(true);
    expect(first.report.completed).toBe(false);
    const checkpoint = await jobs.get<{ after?: string; done: boolean }>(MIGRATION_JOB_KIND, 'default');
    expect(checkpoint?.data.done).toBe(false);
    expect(checkpoint?.data.after).toBeDefined();

    const second = await new Migrator({ store, jobs, concurrency: 4 }).run();
    expect(second.resumedAfter).toBe(checkpoint?.data.after);
    expect(second.completed).toBe(true);
    expect(second.moved).toBe(misplaced.length);
    // Every misplaced key was written to `to` exactly once across both runs.
    const puts = to.log.filter((call) => call.operation === 'put').map((call) => call.key);
    expect(puts.length).toBe(misplaced.length);
    expect(new Set(puts).size).toBe(misplaced.length);
    expect(await keysOf(toInner)).toEqual(misplaced);
  });

  it('keeps a newer version written on the destination and drops the older source', async () => {
    const { store, jobs, fromInner, toInner, misplaced } = await seeded(40, 50);
    const key = misplaced[0]!;
    // Written on the routed side by another process mid-migration (its removal of the old copy not yet done).
    await toInner.put(key, 'newer');
    const report = await new Migrator({ store, jobs }).run();
    expect(report.skipped).toBe(1);
    expect(report.moved).toBe(misplaced.length - 1);
    expect(await readText(await toInner.get(key))).toBe('newer');
    expect(await fromInner.exists(key)).toBe(false);
  });

  it('a copy that does not verify is a failure: source kept, copy removed', async () => {
    const fromInner = new MemoryObjectStore();
    const toInner = new MemoryObjectStore();
    await fromInner.put('v/1', 'the real bytes');
    const to = corruptingReads(toInner);
    const store = new HybridObjectStore({ from: fromInner, to, percentage: 100, cleanupIntervalMs: 0 });
    const report = await new Migrator({
      store,
      jobs: new MemoryJobStateStore(),
      retries: 1,
      retryDelayMs: 0,
      reread: true,
    }).run();
    expect(report.failed).toHaveLength(1);
    expect(report.failed[0]!.reason).toMatch(/^Integrity/);
    expect(report.moved).toBe(0);
    expect(await readText(await fromInner.get('v/1'))).toBe('the real bytes');
    expect(await toInner.exists('v/1')).toBe(false);
    expect(await readText(await store.get('v/1'))).toBe('the real bytes');
  });

  it('trusts a destination that checked the sha256 while writing; re-reads one that cannot', async () => {
    // Memory declares sha256 (it verifies `sha256` on put): its check is the verification.
    const trusting = await seeded(60, 50);
    const trusted = await new Migrator({ store: trusting.store, jobs: trusting.jobs }).run();
    expect(trusted).toMatchObject({ moved: trusting.misplaced.length, reread: 0, failed: [] });
    expect(trusted.verified).toBe(trusting.misplaced.length);

    // The same destination without the capability is read back and hashed, key by key.
    const fromInner = new MemoryObjectStore();
    const toInner = new MemoryObjectStore();
    for (let i = 0; i < 10; i++) await fromInner.put(`n/${i}`, bytesFor(i));
    const noSha = new Proxy(toInner, {
      get(target, prop, receiver) {
        if (prop === 'capabilities') return { ...target.capabilities, sha256: false };
        const value = Reflect.get(target, prop, receiver);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
    const store = new HybridObjectStore({
      from: fromInner,
      to: noSha,
      percentage: 100,
      cleanupIntervalMs: 0,
    });
    const reread = await new Migrator({ store, jobs: new MemoryJobStateStore() }).run();
    expect(reread).toMatchObject({ moved: 10, verified: 10, reread: 10, failed: [] });
    for (let i = 0; i < 10; i++) expect(await readBytes(await toInner.get(`n/${i}`))).toEqual(bytesFor(i));
  });

  it('a destination that checks sha256 refuses a copy whose bytes differ: source kept', async () => {
    const fromInner = new MemoryObjectStore();
    const toInner = new MemoryObjectStore();
    await fromInner.put('w/1', 'the real bytes');
    // What reaches the destination is not what the source said it holds.
    const to = new Proxy(toInner, {
      get(target, prop, receiver) {
        if (prop === 'put') {
          return (key: string, _body: unknown, options: Parameters<ObjectStore['put']>[2]) =>
            target.put(key, 'mangled bytes!', options);
        }
        const value = Reflect.get(target, prop, receiver);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
    const store = new HybridObjectStore({ from: fromInner, to, percentage: 100, cleanupIntervalMs: 0 });
    const report = await new Migrator({
      store,
      jobs: new MemoryJobStateStore(),
      retries: 0,
    }).run();
    expect(report.moved).toBe(0);
    expect(report.failed[0]!.reason).toMatch(/^Integrity/);
    expect(await readText(await fromInner.get('w/1'))).toBe('the real bytes');
    expect(await toInner.exists('w/1')).toBe(false);
  });

  it('restarts its scan when the percentage changes mid-run and ends in place for the new one', async () => {
    const { store, jobs, fromInner, toInner, keys } = await seeded(200, 30);
    const migrator = new Migrator({ store, jobs, concurrency: 2 });
    let seen = 0;
    migrator.on('progress', () => {
      if (++seen === 10) store.setPercentage(70);
    });
    const report = await migrator.run();
    expect(report.passes).toBeGreaterThanOrEqual(2);
    expect(report.percentage).toBe(70);
    for (const key of keys) {
      const onTo = await toInner.exists(key);
      expect(onTo, key).toBe(routeFor(key, 70) === 'to');
      expect(await fromInner.exists(key)).toBe(!onTo);
    }
  });

  it('retries transient failures and reports the ones that never succeed', async () => {
    const fromInner = new MemoryObjectStore();
    for (let i = 0; i < 30; i++) await fromInner.put(`r/${i}`, `v${i}`);
    const to = new FaultyObjectStore(new MemoryObjectStore(), {
      failRatio: 0.2,
      seed: 7,
      operations: ['put', 'get'],
    });
    const store = new HybridObjectStore({ from: fromInner, to, percentage: 100, cleanupIntervalMs: 0 });
    const report = await new Migrator({
      store,
      jobs: new MemoryJobStateStore(),
      retries: 6,
      retryDelayMs: 0,
    }).run();
    expect(to.injected).toBeGreaterThan(0);
    expect(report.failed).toEqual([]);
    expect(report.moved).toBe(30);

    const legacy = new MemoryObjectStore();
    for (let i = 0; i < 30; i++) await legacy.put(`r/${i}`, `v${i}`);
    const dead = new FaultyObjectStore(new MemoryObjectStore(), { failRatio: 1, operations: ['put'] });
    const stuck = new HybridObjectStore({ from: legacy, to: dead, percentage: 100, cleanupIntervalMs: 0 });
    const failing = await new Migrator({
      store: stuck,
      jobs: new MemoryJobStateStore(),
      retries: 1,
      retryDelayMs: 0,
    }).run();
    expect(failing.failed).toHaveLength(30);
    expect(failing.failed[0]!.reason).toMatch(/^Unavailable/);
    expect(await keysOf(legacy)).toHaveLength(30);
    expect(await keysOf(fromInner)).toEqual([]);
  });

  it('a second run of the same job at the same time fails with Conflict instead of racing', async () => {
    const { store, jobs } = await seeded(50, 50);
    const a = new Migrator({ store, jobs, checkpointEvery: 1 });
    const b = new Migrator({ store, jobs, checkpointEvery: 1 });
    const results = await Promise.allSettled([a.run(), b.run()]);
    const conflicts = results.filter((r) => r.status === 'rejected' && isStorageError(r.reason, 'Conflict'));
    expect(conflicts).toHaveLength(1);
  });

  it('refuses bad options with ConfigInvalid', () => {
    const store = new HybridObjectStore({
      from: new MemoryObjectStore(),
      to: new MemoryObjectStore(),
      percentage: 0,
    });
    const jobs = new MemoryJobStateStore();
    for (const options of [{ concurrency: 0 }, { retries: -1 }, { checkpointEvery: 0 }]) {
      expect(() => new Migrator({ store, jobs, ...options })).toThrow(
        expect.objectContaining({ kind: 'ConfigInvalid' }),
      );
    }
  });
});

/** A store whose reads return different bytes than were written (a corrupting backend). */
function corruptingReads(inner: ObjectStore): ObjectStore {
  return new Proxy(inner, {
    get(target, prop, receiver) {
      if (prop === 'get') {
        return async (...args: Parameters<ObjectStore['get']>) => {
          const result = await target.get(...args);
          result.body.destroy();
          return { ...result, body: Readable.from([Buffer.from('corrupted bytes')]) };
        };
      }
      const value = Reflect.get(target, prop, receiver);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}
