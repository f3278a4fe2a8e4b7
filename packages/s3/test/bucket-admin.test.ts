import { CreateMultipartUploadCommand } from '@aws-sdk/client-s3';
import { isStorageError } from '@stowage/core';
import {
  type AvailableS3Target,
  describeWithServer,
  expectStorageError,
  uniqueBucketName,
} from '@stowage/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { S3BucketAdmin } from '../src/index.js';
import { connectionFor, S3ObjectStore, storeConfig } from './support.js';

function register(target: AvailableS3Target): void {
  let admin: S3BucketAdmin;
  const created: string[] = [];
  const name = (label: string) => {
    const n = uniqueBucketName(`admin-${target.name}-${label}`);
    created.push(n);
    return n;
  };

  beforeAll(() => {
    admin = new S3BucketAdmin(connectionFor(target));
  });
  afterAll(async () => {
    for (const b of created) {
      await admin.deleteBucket(b, { force: true }).catch((e: unknown) => {
        if (!isStorageError(e, 'NotFound')) throw e;
      });
    }
    admin.destroy();
  });

  it('refuses invalid names before any I/O', async () => {
    for (const bad of ['UPPER', 'ab', 'a..b', '192.168.1.1', '-start', 'x'.repeat(64)]) {
      await expectStorageError(() => admin.createBucket(bad), 'InvalidInput', { operation: 'createBucket' });
    }
  });

  it('creates a bucket, sees it, and refuses to create it twice', async () => {
    const b = name('create');
    expect(await admin.bucketExists(b)).toBe(false);
    await admin.createBucket(b);
    expect(await admin.bucketExists(b)).toBe(true);
    await expectStorageError(() => admin.createBucket(b), 'AlreadyExists', { key: b });
  });

  it('lists buckets in name order, page by page through cursors', async () => {
    const mine = [name('list-a'), name('list-b'), name('list-c')];
    for (const b of mine) await admin.createBucket(b);
    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = await admin.listBuckets({ cursor, limit: 2 });
      expect(page.items.length).toBeLessThanOrEqual(2);
      seen.push(...page.items.map((i) => i.name));
      cursor = page.cursor;
      pages++;
    } while (cursor !== undefined && pages < 1000);
    expect([...seen].sort()).toEqual(seen);
    expect(new Set(seen).size).toBe(seen.length);
    for (const b of mine) expect(seen).toContain(b);
    await expectStorageError(() => admin.listBuckets({ limit: 0 }), 'InvalidInput');
    await expectStorageError(() => admin.listBuckets({ cursor: 'garbage' }), 'InvalidInput');
  });

  it('refuses to delete a non-empty bucket; force empties it (objects and multipart uploads) first', async () => {
    const b = name('delete');
    await admin.createBucket(b);
    const store = new S3ObjectStore(storeConfig(target, b));
    try {
      await store.put('a/one', '1');
      await store.put('b/two', '2');
      await store.client.send(new CreateMultipartUploadCommand({ Bucket: b, Key: 'pending/upload' }));
      await expectStorageError(() => admin.deleteBucket(b), 'Conflict', { key: b });
      expect(await admin.bucketExists(b)).toBe(true);
      expect(await store.exists('a/one')).toBe(true);
      await admin.deleteBucket(b, { force: true });
      expect(await admin.bucketExists(b)).toBe(false);
      await expectStorageError(() => admin.deleteBucket(b), 'NotFound', { key: b });
    } finally {
      store.destroy();
    }
  });

  it('sets, reads and clears a lifecycle rule on a prefix', async () => {
    const b = name('lifecycle');
    await admin.createBucket(b);
    expect(admin.supportsLifecycle).toBe(true);
    expect(await admin.getLifecycleRules(b)).toEqual([]);
    await admin.setLifecycleRules(b, [{ id: 'expire-tmp', prefix: 'tmp/', expireAfterDays: 3 }]);
    expect(await admin.getLifecycleRules(b)).toEqual([
      { id: 'expire-tmp', prefix: 'tmp/', expireAfterDays: 3 },
    ]);
    await admin.setLifecycleRules(b, []);
    expect(await admin.getLifecycleRules(b)).toEqual([]);
    await expectStorageError(
      () => admin.setLifecycleRules(b, [{ id: 'x', prefix: 'tmp/', expireAfterDays: 0 }]),
      'InvalidInput',
    );
    await expectStorageError(
      () => admin.setLifecycleRules(b, [{ id: 'x', prefix: '/abs', expireAfterDays: 1 }]),
      'InvalidKey',
    );
  });

  it('a profile without lifecycle refuses lifecycle calls as Unsupported', async () => {
    const generic = new S3BucketAdmin({ ...connectionFor(target), provider: 'generic', overrides: {} });
    try {
      expect(generic.supportsLifecycle).toBe(false);
      await expectStorageError(() => generic.getLifecycleRules('some-bucket'), 'Unsupported');
      await expectStorageError(() => generic.setLifecycleRules('some-bucket', []), 'Unsupported');
    } finally {
      generic.destroy();
    }
  });
}

describe('S3BucketAdmin', () => {
  describeWithServer('seaweedfs', register);
  describeWithServer('moto', register);
});
