import { isStorageError, type StorageError } from '@stowage/core';
import { describeWithServer, mapLimit } from '@stowage/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { S3BucketAdmin } from '../src/index.js';
import { dropBucket, freshBucket, S3ObjectStore, storeConfig } from './support.js';

// SeaweedFS lists a folder's entries before names that continue its stem with bytes below
// "/": "a/b" before "a!" (tree order). Under a lexicographic profile the layer's guard stops
// such a listing, and the message says which profile override fixes it.
describeWithServer('seaweedfs', (target) => {
  describe('a lexicographic profile on a tree-order server', () => {
    let admin: S3BucketAdmin | undefined;
    let bucket = '';
    beforeAll(async () => {
      ({ admin, bucket } = await freshBucket(target, 'list-order'));
      const store = new S3ObjectStore(storeConfig(target, bucket));
      await mapLimit(['t/a/b', 't/a!', 't/a0'], 3, (k) => store.put(k, 'x'));
      store.destroy();
    });
    afterAll(async () => {
      if (admin !== undefined) await dropBucket(admin, bucket);
    });

    it("fails with Unexpected, advising listOrder: 'tree'; the seaweedfs profile lists in byte order", async () => {
      const wrong = new S3ObjectStore(
        storeConfig(target, bucket, undefined, { overrides: { listOrder: 'lexicographic' } }),
      );
      const right = new S3ObjectStore(storeConfig(target, bucket));
      try {
        const runs: Array<() => Promise<unknown>> = [
          () => wrong.listPage({ prefix: 't/' }),
          async () => {
            for await (const _ of wrong.list({ prefix: 't/' }));
          },
        ];
        for (const run of runs) {
          const error = (await run().catch((e: unknown) => e)) as StorageError;
          expect(isStorageError(error, 'Unexpected'), String(error)).toBe(true);
          expect(error.message).toMatch(/must move forward in byte order; .*listOrder: 'tree'/);
        }
        const page = await right.listPage({ prefix: 't/' });
        expect(page.items.map((i) => i.key)).toEqual(['t/a!', 't/a/b', 't/a0']);
      } finally {
        wrong.destroy();
        right.destroy();
      }
    });
  });
});
