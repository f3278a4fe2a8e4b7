import { isStorageError } from '@stowage/core';
import { describe, expect, it } from 'vitest';
import { ManualClock } from './manual-clock.js';
import { MemoryJobStateStore } from './memory-job-state-store.js';

async function kindOf(promise: Promise<unknown>): Promise<string | undefined> {
  return promise.then(
    () => undefined,
    (e: unknown) => (isStorageError(e) ? e.kind : `not a StorageError: ${String(e)}`),
  );
}

describe('MemoryJobStateStore', () => {
  it('versions saves and stamps them from the clock', async () => {
    const clock = new ManualClock(new Date('2025-02-02T00:00:00Z'));
    const jobs = new MemoryJobStateStore({ clock });
    const v1 = await jobs.save('migration', 'm1', { cursor: 'a' });
    expect(v1.version).toBe(1);
    clock.advance(5000);
    const v2 = await jobs.save('migration', 'm1', { cursor: 'b' });
    expect(v2).toEqual({
      kind: 'migration',
      id: 'm1',
      data: { cursor: 'b' },
      version: 2,
      updatedAt: new Date('2025-02-02T00:00:05Z'),
    });
    expect(await jobs.get('migration', 'm1')).toEqual(v2);
    expect(await jobs.get('upload-session', 'm1')).toBeNull();
  });

  it('compare-and-swap: a stale expectedVersion is a Conflict and changes nothing', async () => {
    const jobs = new MemoryJobStateStore();
    await jobs.save('k', 'j', { n: 1 }, { expectedVersion: 0 });
    expect(await kindOf(jobs.save('k', 'j', { n: 99 }, { expectedVersion: 0 }))).toBe('Conflict');
    const v2 = await jobs.save('k', 'j', { n: 2 }, { expectedVersion: 1 });
    expect(v2.version).toBe(2);
    expect(await kindOf(jobs.save('k', 'j', { n: 99 }, { expectedVersion: 1 }))).toBe('Conflict');
    expect(await kindOf(jobs.save('k', 'new', { n: 99 }, { expectedVersion: 3 }))).toBe('Conflict');
    expect((await jobs.get('k', 'j'))?.data).toEqual({ n: 2 });
    expect(await jobs.get('k', 'new')).toBeNull();
  });

  it('of two concurrent savers with the same expectedVersion exactly one wins', async () => {
    const jobs = new MemoryJobStateStore();
    await jobs.save('k', 'j', { owner: 'none' });
    const results = await Promise.allSettled([
      jobs.save('k', 'j', { owner: 'a' }, { expectedVersion: 1 }),
      jobs.save('k', 'j', { owner: 'b' }, { expectedVersion: 1 }),
    ]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const loser = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
    expect(isStorageError(loser.reason, 'Conflict')).toBe(true);
  });

  it('deep-copies data so callers cannot mutate stored state', async () => {
    const jobs = new MemoryJobStateStore();
    const data = { parts: [{ n: 1 }] };
    const saved = await jobs.save('k', 'j', data);
    data.parts.push({ n: 2 });
    saved.data.parts.push({ n: 3 });
    const read = await jobs.get<typeof data>('k', 'j');
    read?.data.parts.push({ n: 4 });
    expect((await jobs.get('k', 'j'))?.data).toEqual({ parts: [{ n: 1 }] });
  });

  it('refuses data JSON cannot carry with InvalidInput', async () => {
    const jobs = new MemoryJobStateStore();
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    for (const bad of [
      undefined,
      () => 1,
      10n,
      { at: new Date() },
      { n: Number.NaN },
      cyclic,
      new Map(),
      [undefined],
    ]) {
      expect(await kindOf(jobs.save('k', 'j', bad))).toBe('InvalidInput');
    }
    expect(await jobs.get('k', 'j')).toBeNull();
    expect(await kindOf(jobs.save('k', 'j', {}, { expectedVersion: -1 }))).toBe('InvalidInput');
    expect(await kindOf(jobs.save('', 'j', {}))).toBe('InvalidInput');
  });

  it('lists one kind by id across pages and deletes', async () => {
    const jobs = new MemoryJobStateStore();
    for (const id of ['c', 'a', 'e', 'b', 'd']) await jobs.save('up', id, { id });
    await jobs.save('other', 'z', {});
    const ids: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = await jobs.list('up', { limit: 2, cursor });
      ids.push(...page.items.map((j) => j.id));
      cursor = page.cursor;
      pages++;
    } while (cursor !== undefined);
    expect(ids).toEqual(['a', 'b', 'c', 'd', 'e']);
    expect(pages).toBe(3);
    await jobs.delete('up', 'c');
    await jobs.delete('up', 'missing');
    expect((await jobs.list('up')).items.map((j) => j.id)).toEqual(['a', 'b', 'd', 'e']);
    expect(await jobs.list('none')).toEqual({ items: [] });
    expect(await kindOf(jobs.list('up', { cursor: 'garbage' }))).toBe('InvalidInput');
  });
});
