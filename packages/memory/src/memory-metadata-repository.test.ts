import { isStorageError, type ObjectRecordInput } from '@stowage/core';
import { describe, expect, it } from 'vitest';
import { ManualClock } from './manual-clock.js';
import { MemoryMetadataRepository } from './memory-metadata-repository.js';

function record(key: string, extra: Partial<ObjectRecordInput> = {}): ObjectRecordInput {
  return {
    key,
    backend: 'memory',
    size: 10,
    contentType: 'text/plain',
    etag: '"e"',
    visibility: 'private',
    attributes: {},
    ...extra,
  };
}

async function rejectKind(promise: Promise<unknown>, kind: string): Promise<void> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(isStorageError(error), `expected a StorageError ${kind}, got ${String(error)}`).toBe(true);
  expect((error as { kind: string }).kind).toBe(kind);
}

describe('MemoryMetadataRepository', () => {
  it('keeps createdAt on update, moves updatedAt, and clears a soft delete', async () => {
    const clock = new ManualClock(new Date('2025-03-01T00:00:00Z'));
    const repo = new MemoryMetadataRepository({ clock });
    const first = await repo.upsert(record('a/1', { size: 1 }));
    clock.advance(60_000);
    await repo.softDelete('a/1');
    expect(await repo.get('a/1')).toBeNull();
    expect((await repo.get('a/1', { includeDeleted: true }))?.deletedAt?.toISOString()).toBe(
      '2025-03-01T00:01:00.000Z',
    );
    clock.advance(60_000);
    const second = await repo.upsert(record('a/1', { size: 2 }));
    expect(second.createdAt.toISOString()).toBe(first.createdAt.toISOString());
    expect(second.updatedAt.toISOString()).toBe('2025-03-01T00:02:00.000Z');
    expect(second.deletedAt).toBeUndefined();
    expect((await repo.get('a/1'))?.size).toBe(2);
  });

  it('hides soft-deleted records from query and aggregate unless asked', async () => {
    const repo = new MemoryMetadataRepository();
    await repo.upsertMany([record('k1', { size: 5 }), record('k2', { size: 7 })]);
    await repo.softDelete('k1');
    await repo.softDelete('missing');
    expect((await repo.query({})).items.map((r) => r.key)).toEqual(['k2']);
    expect((await repo.query({ includeDeleted: true })).items.map((r) => r.key)).toEqual(['k1', 'k2']);
    expect((await repo.aggregate({})).totalSize).toBe(7);
    expect((await repo.aggregate({ includeDeleted: true })).totalSize).toBe(12);
    await repo.hardDelete('k1');
    await repo.hardDelete('missing');
    expect(await repo.get('k1', { includeDeleted: true })).toBeNull();
  });

  it('paginates a filtered query in byte order across pages with no gaps or repeats', async () => {
    const repo = new MemoryMetadataRepository();
    const keys: string[] = [];
    for (let i = 0; i < 250; i++) keys.push(`u/${String(i).padStart(3, '0')}`);
    // Inserted out of order, with records the filters must skip interleaved.
    const shuffled = [...keys].reverse();
    await repo.upsertMany(shuffled.map((k, i) => record(k, { owner: i % 2 === 0 ? 'alice' : 'bob' })));
    await repo.upsertMany([record('t/outside', { owner: 'alice' }), record('v/outside', { owner: 'alice' })]);

    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = await repo.query({ prefix: 'u/', owner: 'alice', limit: 40, cursor });
      expect(page.items.length).toBeLessThanOrEqual(40);
      seen.push(...page.items.map((r) => r.key));
      cursor = page.cursor;
      pages++;
    } while (cursor !== undefined);
    const expected = shuffled.filter((_, i) => i % 2 === 0).sort();
    expect(seen).toEqual(expected);
    expect(pages).toBe(Math.ceil(expected.length / 40));
  });

  it('orders keys by UTF-8 bytes, not UTF-16', async () => {
    const repo = new MemoryMetadataRepository();
    // In UTF-16 code units U+1F600 (a surrogate pair, 0xD83D…) sorts before U+FF61; in UTF-8 bytes it sorts after.
    await repo.upsertMany([record('\u{1F600}'), record('\uFF61'), record('z')]);
    expect((await repo.query({})).items.map((r) => r.key)).toEqual(['z', '\uFF61', '\u{1F600}']);
  });

  it('filters by category and backend and aggregates by category', async () => {
    const repo = new MemoryMetadataRepository();
    await repo.upsertMany([
      record('a', { category: 'img', size: 1 }),
      record('b', { category: 'img', size: 2, backend: 's3' }),
      record('c', { category: 'doc', size: 4 }),
      record('d', { size: 8 }),
    ]);
    expect((await repo.query({ category: 'img' })).items.map((r) => r.key)).toEqual(['a', 'b']);
    expect((await repo.query({ backend: 's3' })).items.map((r) => r.key)).toEqual(['b']);
    expect(await repo.aggregate({})).toEqual({
      count: 4,
      totalSize: 15,
      byCategory: { img: { count: 2, totalSize: 3 }, doc: { count: 1, totalSize: 4 } },
    });
  });

  it('copies records in and out', async () => {
    const repo = new MemoryMetadataRepository();
    const input = record('x', { attributes: { tags: ['a'] } });
    const out = await repo.upsert(input);
    (input.attributes.tags as string[]).push('mutated-in');
    (out.attributes.tags as string[]).push('mutated-out');
    out.createdAt.setTime(0);
    const again = await repo.get('x');
    expect(again?.attributes).toEqual({ tags: ['a'] });
    expect(again?.createdAt.getTime()).not.toBe(0);
  });

  it('rejects bad input with typed errors and writes nothing from a bad batch', async () => {
    const repo = new MemoryMetadataRepository();
    await rejectKind(repo.upsert(record('bad//key')), 'InvalidKey');
    await rejectKind(repo.upsert(record('k', { size: -1 })), 'InvalidInput');
    await rejectKind(repo.upsert(record('k', { attributes: { when: new Date() } })), 'InvalidInput');
    await rejectKind(repo.upsertMany([record('ok'), record('k', { size: 1.5 })]), 'InvalidInput');
    expect(await repo.get('ok')).toBeNull();
    await rejectKind(repo.query({ cursor: 'nonsense' }), 'InvalidInput');
    await rejectKind(repo.query({ limit: 0 }), 'InvalidInput');
    await rejectKind(repo.query({ limit: 1001 }), 'InvalidInput');
  });
});
