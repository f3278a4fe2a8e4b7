import { isStorageError } from '@stowage/core';
import { expect } from 'vitest';
import { expectStorageError } from '../../object-store/assertions.js';
import type { BucketCases } from '../harness.js';

export function registerCreateCases(cases: BucketCases): void {
  cases.case('a created bucket exists; a missing one does not', async ({ admin, bucket }) => {
    const name = bucket('created');
    expect(await admin.bucketExists(name)).toBe(false);
    await admin.createBucket(name);
    expect(await admin.bucketExists(name)).toBe(true);
    expect(await admin.bucketExists(bucket('never'))).toBe(false);
  });

  cases.case(
    'creating an existing bucket is AlreadyExists and keeps its objects',
    async ({ admin, bucket, open }) => {
      const name = bucket('twice');
      await admin.createBucket(name);
      const store = await open(name);
      await store.put('kept.txt', 'still here');
      await expectStorageError(() => admin.createBucket(name), 'AlreadyExists');
      expect(await store.exists('kept.txt')).toBe(true);
    },
  );

  cases.case(
    'of racing creates of one name exactly one succeeds; the others are AlreadyExists',
    async ({ admin, bucket, options, skip }) => {
      const limitation = options.serverLimitations?.racingCreatesAllSucceed;
      if (limitation !== undefined)
        skip(`runs against a server that accepts re-creating an owned bucket: ${limitation}`);
      const name = bucket('race');
      const results = await Promise.allSettled(Array.from({ length: 4 }, () => admin.createBucket(name)));
      const failures = results.flatMap((r) => (r.status === 'rejected' ? [r.reason as unknown] : []));
      expect(results.length - failures.length, 'creates that succeeded').toBe(1);
      for (const failure of failures) {
        expect(isStorageError(failure, 'AlreadyExists'), String(failure)).toBe(true);
      }
      expect(await admin.bucketExists(name)).toBe(true);
    },
  );
}
