import { expect } from 'vitest';
import { expectStorageError } from '../../object-store/assertions.js';
import type { BucketCases } from '../harness.js';

export function registerDeleteCases(cases: BucketCases): void {
  cases.case(
    'deleting an empty bucket removes it; deleting a missing one is NotFound',
    async ({ admin, bucket }) => {
      const name = bucket('empty');
      await admin.createBucket(name);
      await admin.deleteBucket(name);
      expect(await admin.bucketExists(name)).toBe(false);
      await expectStorageError(() => admin.deleteBucket(name), 'NotFound');
      await expectStorageError(() => admin.deleteBucket(bucket('never'), { force: true }), 'NotFound');
    },
  );

  cases.case(
    'deleting a bucket that holds objects is Conflict and keeps it and them',
    async ({ admin, bucket, open }) => {
      const name = bucket('full');
      await admin.createBucket(name);
      const store = await open(name);
      await store.put('a/one.txt', '1');
      await store.put('two.txt', '2');
      await expectStorageError(() => admin.deleteBucket(name), 'Conflict');
      await expectStorageError(() => admin.deleteBucket(name, { force: false }), 'Conflict');
      expect(await admin.bucketExists(name)).toBe(true);
      expect(await store.exists('a/one.txt')).toBe(true);
      expect(await store.exists('two.txt')).toBe(true);
    },
  );

  cases.case('force empties a bucket of every object, then deletes it', async ({ admin, bucket, open }) => {
    const name = bucket('forced');
    await admin.createBucket(name);
    const store = await open(name);
    // More than one listing page of a typical backend (1000) is slow on test servers: a
    // few nested keys show force walks the whole bucket, not one level.
    for (const key of ['a', 'b/c', 'b/d/e', 'weird key ü/%2F', 'z'.repeat(200)]) await store.put(key, key);
    await admin.deleteBucket(name, { force: true });
    expect(await admin.bucketExists(name)).toBe(false);
    await admin.createBucket(name);
    expect(await admin.bucketExists(name)).toBe(true);
    expect(await store.exists('a')).toBe(false);
  });
}
