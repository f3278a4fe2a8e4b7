import { compareKeys, type JobState, type JobStateStore } from '@stowage/core';
import { describe, expect } from 'vitest';
import { type PortConformanceOptions, portSuite } from '../helpers/port-suite.js';
import { expectStorageError } from '../object-store/assertions.js';

export type JobStateStoreConformanceOptions = PortConformanceOptions<JobStateStore>;

/** Every page of one kind, following cursors. */
async function listAll(store: JobStateStore, kind: string, limit?: number): Promise<JobState[]> {
  const out: JobState[] = [];
  let cursor: string | undefined;
  let pages = 0;
  do {
    const page = await store.list(kind, {
      ...(cursor === undefined ? {} : { cursor }),
      ...(limit === undefined ? {} : { limit }),
    });
    if (limit !== undefined) expect(page.items.length).toBeLessThanOrEqual(limit);
    out.push(...page.items);
    cursor = page.cursor;
    if (++pages > 10_000) expect.fail('listing did not terminate');
  } while (cursor !== undefined);
  return out;
}

/**
 * The JobStateStore contract (resumable uploads, migration checkpoints): versions,
 * compare-and-swap, deletion and listing by kind. Every case works in a kind of its own.
 */
export function describeJobStateStoreConformance(options: JobStateStoreConformanceOptions): void {
  describe(`JobStateStore conformance: ${options.name}`, () => {
    const test = portSuite(options, 'stowage-conformance', async (store, kind) => {
      for (const job of await listAll(store, kind)) await store.delete(kind, job.id);
    });

    test('get of a missing job is null', async ({ port, ns }) => {
      expect(await port.get(ns, 'nope')).toBeNull();
    });

    test('save creates version 1 with kind, id, data and updatedAt', async ({ port, ns }) => {
      const saved = await port.save(ns, 'job-1', { step: 1 });
      expect(saved.kind).toBe(ns);
      expect(saved.id).toBe('job-1');
      expect(saved.data).toEqual({ step: 1 });
      expect(saved.version).toBe(1);
      expect(saved.updatedAt).toBeInstanceOf(Date);
      expect(Number.isNaN(saved.updatedAt.getTime())).toBe(false);
    });

    test('get returns what was saved, deep JSON data intact', async ({ port, ns }) => {
      const data = {
        text: 'héllo 😀',
        n: 12.5,
        big: 2 ** 52,
        neg: -3,
        yes: true,
        none: null,
        list: [1, 'two', { three: [3] }],
        nested: { a: { b: { c: 'deep' } } },
        emptyObject: {},
        emptyList: [],
      };
      const saved = await port.save(ns, 'deep', data);
      const got = await port.get(ns, 'deep');
      expect(got).not.toBeNull();
      expect(got!.data).toEqual(data);
      expect(got!.version).toBe(saved.version);
      expect(got!.updatedAt.getTime()).toBe(saved.updatedAt.getTime());
    });

    test('saving again replaces the data and increments the version', async ({ port, ns }) => {
      const first = await port.save(ns, 'job', { a: 1, b: 2 });
      const second = await port.save(ns, 'job', { c: 3 });
      expect(second.version).toBe(first.version + 1);
      expect((await port.get(ns, 'job'))!.data).toEqual({ c: 3 });
      expect(second.updatedAt.getTime()).toBeGreaterThanOrEqual(first.updatedAt.getTime());
      const third = await port.save(ns, 'job', { d: 4 });
      expect(third.version).toBe(first.version + 2);
    });

    test('expectedVersion 0 creates a job that does not exist', async ({ port, ns }) => {
      const saved = await port.save(ns, 'fresh', { ok: true }, { expectedVersion: 0 });
      expect(saved.version).toBe(1);
    });

    test('expectedVersion 0 on an existing job is Conflict and keeps it', async ({ port, ns }) => {
      await port.save(ns, 'taken', { owner: 'first' });
      await expectStorageError(
        () => port.save(ns, 'taken', { owner: 'second' }, { expectedVersion: 0 }),
        'Conflict',
      );
      const got = await port.get(ns, 'taken');
      expect(got!.data).toEqual({ owner: 'first' });
      expect(got!.version).toBe(1);
    });

    test('a matching expectedVersion saves', async ({ port, ns }) => {
      const v1 = await port.save(ns, 'cas', { n: 1 });
      const v2 = await port.save(ns, 'cas', { n: 2 }, { expectedVersion: v1.version });
      expect(v2.version).toBe(v1.version + 1);
      expect((await port.get(ns, 'cas'))!.data).toEqual({ n: 2 });
    });

    test('a stale expectedVersion is Conflict and keeps the newer state', async ({ port, ns }) => {
      const v1 = await port.save(ns, 'cas', { n: 1 });
      await port.save(ns, 'cas', { n: 2 });
      await expectStorageError(
        () => port.save(ns, 'cas', { n: 3 }, { expectedVersion: v1.version }),
        'Conflict',
      );
      await expectStorageError(() => port.save(ns, 'missing', { n: 1 }, { expectedVersion: 4 }), 'Conflict');
      expect((await port.get(ns, 'cas'))!.data).toEqual({ n: 2 });
      expect(await port.get(ns, 'missing')).toBeNull();
    });

    test('of 8 racing saves with one expectedVersion exactly one wins', async ({ port, ns }) => {
      const base = await port.save(ns, 'race', { winner: null });
      const results = await Promise.allSettled(
        Array.from({ length: 8 }, (_, i) =>
          port.save(ns, 'race', { winner: i }, { expectedVersion: base.version }),
        ),
      );
      const winners = results.flatMap((r, i) => (r.status === 'fulfilled' ? [i] : []));
      expect(winners).toHaveLength(1);
      for (const r of results)
        if (r.status === 'rejected') await expectStorageError(() => Promise.reject(r.reason), 'Conflict');
      const got = await port.get(ns, 'race');
      expect(got!.data).toEqual({ winner: winners[0] });
      expect(got!.version).toBe(base.version + 1);
    });

    test('of 8 racing creates with expectedVersion 0 exactly one wins', async ({ port, ns }) => {
      const results = await Promise.allSettled(
        Array.from({ length: 8 }, (_, i) =>
          port.save(ns, 'create-race', { creator: i }, { expectedVersion: 0 }),
        ),
      );
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    });

    test('delete removes the job; deleting a missing job succeeds', async ({ port, ns }) => {
      await port.save(ns, 'gone', { x: 1 });
      await port.delete(ns, 'gone');
      expect(await port.get(ns, 'gone')).toBeNull();
      await expect(port.delete(ns, 'gone')).resolves.toBeUndefined();
      await expect(port.delete(ns, 'never')).resolves.toBeUndefined();
      const again = await port.save(ns, 'gone', { x: 2 }, { expectedVersion: 0 });
      expect(again.data).toEqual({ x: 2 });
    });

    test('the same id under two kinds is two jobs', async ({ port, ns }) => {
      const other = `${ns}-other`;
      try {
        await port.save(ns, 'shared-id', { kind: 'a' });
        await port.save(other, 'shared-id', { kind: 'b' });
        expect((await port.get(ns, 'shared-id'))!.data).toEqual({ kind: 'a' });
        await port.delete(other, 'shared-id');
        expect((await port.get(ns, 'shared-id'))!.data).toEqual({ kind: 'a' });
        expect((await port.list(ns)).items.map((j) => j.id)).toEqual(['shared-id']);
      } finally {
        await port.delete(other, 'shared-id');
      }
    });

    test('list returns the jobs of one kind in byte order of id', async ({ port, ns }) => {
      const ids = ['b', 'a', 'B', '10', '9', 'é', 'a-1', 'z'];
      for (const id of ids) await port.save(ns, id, { id });
      const listed = await listAll(port, ns);
      expect(listed.map((j) => j.id)).toEqual([...ids].sort(compareKeys));
      for (const job of listed) {
        expect(job.kind).toBe(ns);
        expect(job.data).toEqual({ id: job.id });
        expect(job.version).toBe(1);
        expect(job.updatedAt).toBeInstanceOf(Date);
      }
    });

    test('list pages with limit 1 and 3 cover every job exactly once', async ({ port, ns }) => {
      const ids = Array.from({ length: 10 }, (_, i) => `job-${String(i).padStart(2, '0')}`);
      for (const id of ids) await port.save(ns, id, { i: id });
      for (const limit of [1, 3]) {
        expect(
          (await listAll(port, ns, limit)).map((j) => j.id),
          `limit ${limit}`,
        ).toEqual(ids);
      }
      const first = await port.list(ns, { limit: 4 });
      expect(first.items).toHaveLength(4);
      expect(first.cursor).toBeTypeOf('string');
    });

    test('list of a kind with no jobs is an empty last page', async ({ port, ns }) => {
      expect(await port.list(ns)).toEqual({ items: [] });
    });

    test('a malformed cursor is InvalidInput', async ({ port, ns }) => {
      await port.save(ns, 'x', {});
      await expectStorageError(() => port.list(ns, { cursor: 'not a cursor' }), 'InvalidInput');
    });

    test('data that is not JSON-serialisable is InvalidInput and stores nothing', async ({ port, ns }) => {
      const circular: Record<string, unknown> = {};
      circular.self = circular;
      await expectStorageError(() => port.save(ns, 'circular', circular), 'InvalidInput');
      await expectStorageError(() => port.save(ns, 'bigint', { n: 10n }), 'InvalidInput');
      expect(await port.get(ns, 'circular')).toBeNull();
      expect(await port.get(ns, 'bigint')).toBeNull();
    });

    test('stored state is a copy: mutating inputs or results changes nothing', async ({ port, ns }) => {
      const data = { list: [1, 2], nested: { v: 'a' } };
      await port.save(ns, 'copy', data);
      data.list.push(3);
      data.nested.v = 'changed';
      const got = await port.get<typeof data>(ns, 'copy');
      expect(got!.data).toEqual({ list: [1, 2], nested: { v: 'a' } });
      got!.data.list.push(99);
      expect((await port.get<typeof data>(ns, 'copy'))!.data.list).toEqual([1, 2]);
    });
  });
}
