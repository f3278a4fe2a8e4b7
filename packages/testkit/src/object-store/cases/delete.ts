import { isCommonPrefix } from '@stowage/core';
import { expect } from 'vitest';
import { collect } from '../../helpers/collect.js';
import { mapLimit } from '../../helpers/map-limit.js';
import { expectStorageError, getText } from '../assertions.js';
import type { Harness } from '../harness.js';

export function registerDeleteCases(h: Harness): void {
  h.case(
    'delete removes an object: get is NotFound, exists false, list omits it',
    async ({ store, prefix, key }) => {
      await store.put(key('doomed'), 'x');
      await store.put(key('kept'), 'y');
      await store.delete(key('doomed'));
      await expectStorageError(() => store.get(key('doomed')), 'NotFound', { key: key('doomed') });
      expect(await store.exists(key('doomed'))).toBe(false);
      const listed = await collect(store.list({ prefix }));
      expect(listed.map((e) => (isCommonPrefix(e) ? e.prefix : e.key))).toEqual([key('kept')]);
    },
  );

  h.case('deleting a missing key succeeds', async ({ store, key }) => {
    await expect(store.delete(key('never-existed'))).resolves.toBeUndefined();
    await store.put(key('twice'), 'x');
    await store.delete(key('twice'));
    await expect(store.delete(key('twice'))).resolves.toBeUndefined();
  });

  h.case('deleting a "folder" prefix deletes none of its children', async ({ store, key }) => {
    await store.put(key('folder/a'), 'a');
    await store.put(key('folder/sub/b'), 'b');
    await store.delete(key('folder'));
    expect(await getText(store, key('folder/a'))).toBe('a');
    expect(await getText(store, key('folder/sub/b'))).toBe('b');
  });

  h.case('a key can be written again after it was deleted', async ({ store, key }) => {
    await store.put(key('reborn'), 'first life');
    await store.delete(key('reborn'));
    await store.put(key('reborn'), 'second life');
    expect(await getText(store, key('reborn'))).toBe('second life');
  });

  h.case(
    'deleteMany removes 1200 keys (crossing 1000-key batches)',
    { timeout: 300_000 },
    async ({ store, prefix, key }) => {
      const keys = Array.from({ length: 1200 }, (_, i) => key(`many/${String(i).padStart(4, '0')}`));
      await mapLimit(keys, 16, (k) => store.put(k, ''));
      const keeper = key('keeper');
      await store.put(keeper, 'stays');
      const result = await store.deleteMany(keys);
      expect(result.errors).toEqual([]);
      expect(result.deleted).toBe(1200);
      const left = await collect(store.list({ prefix }));
      expect(left.map((e) => (isCommonPrefix(e) ? e.prefix : e.key))).toEqual([keeper]);
    },
  );

  h.case('deleteMany counts missing keys as deleted', async ({ store, key }) => {
    await store.put(key('present'), 'x');
    const result = await store.deleteMany([key('present'), key('absent-1'), key('absent-2')]);
    expect(result).toEqual({ deleted: 3, errors: [] });
    expect(await store.exists(key('present'))).toBe(false);
  });

  h.case('deleteMany accepts an async iterable', async ({ store, prefix, key }) => {
    const keys = Array.from({ length: 25 }, (_, i) => key(`it${i}`));
    await mapLimit(keys, 8, (k) => store.put(k, 'x'));
    async function* gen() {
      for (const k of keys) {
        await new Promise((r) => setImmediate(r));
        yield k;
      }
    }
    const result = await store.deleteMany(gen());
    expect(result).toEqual({ deleted: 25, errors: [] });
    expect(await collect(store.list({ prefix }))).toEqual([]);
  });

  h.case(
    'deleteMany reports invalid keys in errors and still deletes the valid ones',
    async ({ store, prefix, key }) => {
      await store.put(key('valid-1'), 'x');
      await store.put(key('valid-2'), 'x');
      const bad = [`${prefix}bad//key`, '/absolute'];
      const result = await store.deleteMany([key('valid-1'), bad[0]!, key('valid-2'), bad[1]!]);
      expect(result.deleted).toBe(2);
      expect(result.errors.map((e) => e.key).sort()).toEqual([...bad].sort());
      for (const { error } of result.errors) {
        await expectStorageError(() => Promise.reject(error), 'InvalidKey');
      }
      expect(await store.exists(key('valid-1'))).toBe(false);
      expect(await store.exists(key('valid-2'))).toBe(false);
    },
  );

  h.case('deleteMany of nothing deletes nothing', async ({ store }) => {
    expect(await store.deleteMany([])).toEqual({ deleted: 0, errors: [] });
  });
}
