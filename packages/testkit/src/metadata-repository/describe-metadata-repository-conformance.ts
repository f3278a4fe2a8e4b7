import {
  compareKeys,
  type MetadataRepository,
  type ObjectRecord,
  type ObjectRecordInput,
  type ObjectRecordQuery,
} from '@stowage/core';
import { describe, expect } from 'vitest';
import { type PortConformanceOptions, portSuite } from '../helpers/port-suite.js';
import { expectStorageError } from '../object-store/assertions.js';

export type MetadataRepositoryConformanceOptions = PortConformanceOptions<MetadataRepository>;

/** Every page of a query, following cursors. */
async function queryAll(repo: MetadataRepository, query: ObjectRecordQuery): Promise<ObjectRecord[]> {
  const out: ObjectRecord[] = [];
  let cursor: string | undefined;
  let pages = 0;
  do {
    const page = await repo.query({ ...query, ...(cursor === undefined ? {} : { cursor }) });
    if (query.limit !== undefined) expect(page.items.length).toBeLessThanOrEqual(query.limit);
    out.push(...page.items);
    cursor = page.cursor;
    if (++pages > 10_000) expect.fail('query did not terminate');
  } while (cursor !== undefined);
  return out;
}

function record(key: string, extra: Partial<ObjectRecordInput> = {}): ObjectRecordInput {
  return {
    key,
    backend: 'memory',
    size: 100,
    contentType: 'application/octet-stream',
    etag: '"abc"',
    visibility: 'private',
    attributes: {},
    ...extra,
  };
}

/**
 * The MetadataRepository contract: upsert semantics, soft and hard delete, queries by
 * prefix/owner/category/backend with cursor pagination in key (UTF-8 byte) order, and
 * aggregates. Every case works under a key prefix of its own.
 */
export function describeMetadataRepositoryConformance(options: MetadataRepositoryConformanceOptions): void {
  describe(`MetadataRepository conformance: ${options.name}`, () => {
    const test = portSuite(options, 'stowage-conformance', async (repo, ns) => {
      for (const r of await queryAll(repo, { prefix: `${ns}/`, includeDeleted: true, limit: 1000 })) {
        await repo.hardDelete(r.key);
      }
    });

    test('get of a missing key is null', async ({ port, ns }) => {
      expect(await port.get(`${ns}/missing`)).toBeNull();
      expect(await port.get(`${ns}/missing`, { includeDeleted: true })).toBeNull();
    });

    test('upsert returns the record with timestamps, and get returns the same', async ({ port, ns }) => {
      const input = record(`${ns}/a.txt`, {
        size: 42,
        contentType: 'text/plain',
        etag: '"e1"',
        visibility: 'public',
      });
      const saved = await port.upsert(input);
      expect(saved).toMatchObject(input);
      expect(saved.createdAt).toBeInstanceOf(Date);
      expect(saved.updatedAt).toBeInstanceOf(Date);
      expect(saved.updatedAt.getTime()).toBeGreaterThanOrEqual(saved.createdAt.getTime());
      expect(saved.deletedAt).toBeUndefined();
      expect(await port.get(input.key)).toEqual(saved);
    });

    test('optional fields round-trip when set and are undefined (not null) when not', async ({
      port,
      ns,
    }) => {
      const full = record(`${ns}/full`, {
        bucket: 'bkt',
        sha256: 'a'.repeat(64),
        category: 'images',
        owner: 'user-1',
      });
      await port.upsert(full);
      expect(await port.get(full.key)).toMatchObject(full);
      const bare = await port.upsert(record(`${ns}/bare`));
      const got = (await port.get(bare.key))!;
      for (const name of ['bucket', 'sha256', 'category', 'owner', 'deletedAt'] as const) {
        expect(got[name], name).toBeUndefined();
      }
    });

    test('attributes round-trip as JSON', async ({ port, ns }) => {
      const attributes = {
        width: 640,
        tags: ['a', 'b'],
        exif: { camera: 'X100', iso: 200 },
        flag: false,
        none: null,
        text: 'ü😀',
      };
      await port.upsert(record(`${ns}/attrs`, { attributes }));
      expect((await port.get(`${ns}/attrs`))!.attributes).toEqual(attributes);
    });

    test('upserting again replaces the fields and keeps createdAt', async ({ port, ns }) => {
      const key = `${ns}/again`;
      const first = await port.upsert(record(key, { size: 1, owner: 'old', attributes: { v: 1 } }));
      const second = await port.upsert(record(key, { size: 2, attributes: { v: 2 } }));
      expect(second.createdAt.getTime()).toBe(first.createdAt.getTime());
      expect(second.updatedAt.getTime()).toBeGreaterThanOrEqual(first.updatedAt.getTime());
      const got = (await port.get(key))!;
      expect(got.size).toBe(2);
      expect(got.owner).toBeUndefined();
      expect(got.attributes).toEqual({ v: 2 });
    });

    test('softDelete hides the record unless includeDeleted, which shows deletedAt', async ({ port, ns }) => {
      const key = `${ns}/soft`;
      await port.upsert(record(key));
      await port.softDelete(key);
      expect(await port.get(key)).toBeNull();
      const deleted = await port.get(key, { includeDeleted: true });
      expect(deleted).not.toBeNull();
      expect(deleted!.deletedAt).toBeInstanceOf(Date);
    });

    test('upsert after softDelete clears the delete', async ({ port, ns }) => {
      const key = `${ns}/revived`;
      await port.upsert(record(key));
      await port.softDelete(key);
      await port.upsert(record(key, { size: 7 }));
      const got = await port.get(key);
      expect(got).not.toBeNull();
      expect(got!.deletedAt).toBeUndefined();
      expect(got!.size).toBe(7);
    });

    test('hardDelete removes the record entirely; deleting missing keys succeeds', async ({ port, ns }) => {
      const key = `${ns}/hard`;
      await port.upsert(record(key));
      await port.softDelete(key);
      await port.hardDelete(key);
      expect(await port.get(key, { includeDeleted: true })).toBeNull();
      await expect(port.hardDelete(key)).resolves.toBeUndefined();
      await expect(port.softDelete(`${ns}/never`)).resolves.toBeUndefined();
      expect(await port.get(`${ns}/never`, { includeDeleted: true })).toBeNull();
    });

    test('query by prefix returns matching keys in UTF-8 byte order', async ({ port, ns }) => {
      const names = ['b', 'a', 'B', 'A', 'a/b', 'a-b', '10', '9', 'é', 'z\uFFFD', 'z\u{1F600}'];
      for (const n of names) await port.upsert(record(`${ns}/p/${n}`));
      await port.upsert(record(`${ns}/q/outside`));
      await port.upsert(record(`${ns}/p`));
      const keys = (await queryAll(port, { prefix: `${ns}/p/` })).map((r) => r.key);
      expect(keys).toEqual(names.map((n) => `${ns}/p/${n}`).sort(compareKeys));
    });

    test('query filters by owner, category and backend', async ({ port, ns }) => {
      await port.upsert(record(`${ns}/1`, { owner: 'ann', category: 'img', backend: 's3' }));
      await port.upsert(record(`${ns}/2`, { owner: 'bob', category: 'img', backend: 'local' }));
      await port.upsert(record(`${ns}/3`, { owner: 'ann', category: 'doc', backend: 'local' }));
      await port.upsert(record(`${ns}/4`));
      const keys = async (q: ObjectRecordQuery) =>
        (await queryAll(port, { prefix: `${ns}/`, ...q })).map((r) => r.key.slice(ns.length + 1));
      expect(await keys({ owner: 'ann' })).toEqual(['1', '3']);
      expect(await keys({ category: 'img' })).toEqual(['1', '2']);
      expect(await keys({ backend: 'local' })).toEqual(['2', '3']);
      expect(await keys({ owner: 'ann', category: 'img' })).toEqual(['1']);
      expect(await keys({ owner: 'nobody' })).toEqual([]);
    });

    test('query leaves out soft-deleted records unless includeDeleted', async ({ port, ns }) => {
      await port.upsert(record(`${ns}/live`));
      await port.upsert(record(`${ns}/dead`));
      await port.softDelete(`${ns}/dead`);
      expect((await queryAll(port, { prefix: `${ns}/` })).map((r) => r.key)).toEqual([`${ns}/live`]);
      const all = await queryAll(port, { prefix: `${ns}/`, includeDeleted: true });
      expect(all.map((r) => r.key)).toEqual([`${ns}/dead`, `${ns}/live`]);
      expect(all[0]!.deletedAt).toBeInstanceOf(Date);
    });

    test('pages with limit 1 and 3 cover every record exactly once', async ({ port, ns }) => {
      const keys = Array.from({ length: 10 }, (_, i) => `${ns}/r${String(i).padStart(2, '0')}`);
      await port.upsertMany(keys.map((k) => record(k)));
      for (const limit of [1, 3]) {
        expect(
          (await queryAll(port, { prefix: `${ns}/`, limit })).map((r) => r.key),
          `limit ${limit}`,
        ).toEqual(keys);
      }
      // Filters apply before paging: a page is never short because of filtered-out records.
      await port.softDelete(keys[1]!);
      const page = await port.query({ prefix: `${ns}/`, limit: 2 });
      expect(page.items.map((r) => r.key)).toEqual([keys[0], keys[2]]);
    });

    test('the default page is 100 records', async ({ port, ns }) => {
      const keys = Array.from({ length: 105 }, (_, i) => `${ns}/d${String(i).padStart(3, '0')}`);
      await port.upsertMany(keys.map((k) => record(k)));
      const first = await port.query({ prefix: `${ns}/` });
      expect(first.items).toHaveLength(100);
      expect(first.cursor).toBeTypeOf('string');
      const rest = await port.query({ prefix: `${ns}/`, cursor: first.cursor });
      expect(rest.items.map((r) => r.key)).toEqual(keys.slice(100));
      expect(rest.cursor).toBeUndefined();
    });

    test('a limit outside 1..1000 or a malformed cursor is InvalidInput', async ({ port, ns }) => {
      await expectStorageError(() => port.query({ prefix: `${ns}/`, limit: 0 }), 'InvalidInput');
      await expectStorageError(() => port.query({ prefix: `${ns}/`, limit: 1001 }), 'InvalidInput');
      await expectStorageError(() => port.query({ prefix: `${ns}/`, cursor: 'garbage' }), 'InvalidInput');
    });

    test('upsertMany writes every record and returns the count', async ({ port, ns }) => {
      const records = Array.from({ length: 50 }, (_, i) => record(`${ns}/m${i}`, { size: i }));
      expect(await port.upsertMany(records)).toBe(50);
      expect(await port.upsertMany([])).toBe(0);
      const got = await queryAll(port, { prefix: `${ns}/`, limit: 1000 });
      expect(got).toHaveLength(50);
      expect((await port.get(`${ns}/m7`))!.size).toBe(7);
    });

    test('upsertMany with an invalid record writes none of them', async ({ port, ns }) => {
      const records = [record(`${ns}/ok-1`), record(`${ns}//bad-key`), record(`${ns}/ok-2`)];
      await expectStorageError(() => port.upsertMany(records), ['InvalidKey', 'InvalidInput']);
      expect(await queryAll(port, { prefix: `${ns}/`, includeDeleted: true })).toEqual([]);
    });

    test('upsert of an invalid key is InvalidKey; of a malformed record InvalidInput', async ({
      port,
      ns,
    }) => {
      await expectStorageError(() => port.upsert(record(`/${ns}/abs`)), 'InvalidKey');
      await expectStorageError(() => port.upsert(record(`${ns}/neg`, { size: -1 })), 'InvalidInput');
      await expectStorageError(
        () => port.upsert(record(`${ns}/vis`, { visibility: 'world' as 'public' })),
        'InvalidInput',
      );
      expect(await queryAll(port, { prefix: `${ns}/`, includeDeleted: true })).toEqual([]);
    });

    test('aggregate counts and sums by category under a prefix, without soft-deleted records', async ({
      port,
      ns,
    }) => {
      await port.upsert(record(`${ns}/a`, { size: 10, category: 'img' }));
      await port.upsert(record(`${ns}/b`, { size: 20, category: 'img' }));
      await port.upsert(record(`${ns}/c`, { size: 5, category: 'doc' }));
      await port.upsert(record(`${ns}/d`, { size: 1 }));
      await port.upsert(record(`${ns}/e`, { size: 1000, category: 'img' }));
      await port.softDelete(`${ns}/e`);
      const agg = await port.aggregate({ prefix: `${ns}/` });
      expect(agg.count).toBe(4);
      expect(agg.totalSize).toBe(36);
      expect(agg.byCategory).toEqual({ img: { count: 2, totalSize: 30 }, doc: { count: 1, totalSize: 5 } });
      const withDeleted = await port.aggregate({ prefix: `${ns}/`, includeDeleted: true });
      expect(withDeleted.count).toBe(5);
      expect(withDeleted.totalSize).toBe(1036);
    });

    test('aggregate honours owner and backend filters and is zero for nothing', async ({ port, ns }) => {
      await port.upsert(record(`${ns}/1`, { size: 3, owner: 'ann', backend: 's3' }));
      await port.upsert(record(`${ns}/2`, { size: 4, owner: 'bob', backend: 's3' }));
      expect(await port.aggregate({ prefix: `${ns}/`, owner: 'ann' })).toMatchObject({
        count: 1,
        totalSize: 3,
      });
      expect(await port.aggregate({ prefix: `${ns}/`, backend: 's3' })).toMatchObject({
        count: 2,
        totalSize: 7,
      });
      expect(await port.aggregate({ prefix: `${ns}/nothing/` })).toEqual({
        count: 0,
        totalSize: 0,
        byCategory: {},
      });
    });

    test('records are copies: mutating inputs or results changes nothing stored', async ({ port, ns }) => {
      const input = record(`${ns}/copy`, { attributes: { list: [1] } });
      const saved = await port.upsert(input);
      (input.attributes.list as number[]).push(2);
      (saved.attributes.list as number[]).push(3);
      saved.size = 999;
      const got = (await port.get(`${ns}/copy`))!;
      expect(got.attributes).toEqual({ list: [1] });
      expect(got.size).toBe(100);
    });

    test('sizes beyond 2^32 round-trip exactly', async ({ port, ns }) => {
      const size = 5 * 1024 ** 4 + 7;
      await port.upsert(record(`${ns}/huge`, { size }));
      expect((await port.get(`${ns}/huge`))!.size).toBe(size);
      expect((await port.aggregate({ prefix: `${ns}/` })).totalSize).toBe(size);
    });
  });
}
