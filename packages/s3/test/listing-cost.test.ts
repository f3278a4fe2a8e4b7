import { compareKeys, isCommonPrefix, type ListPageOptions } from '@stowage/core';
import { describeWithServer, mapLimit } from '@stowage/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { S3BucketAdmin, S3ObjectStore as Store } from '../src/index.js';
import { dropBucket, freshBucket, S3ObjectStore, storeConfig } from './support.js';

/**
 * What byte-order listing costs in ListObjectsV2 requests, per layout, on each server. The
 * counts are deterministic (no timing), so they are asserted; the table goes to the log.
 */
const LAYOUTS: Record<string, string[]> = {
  // No folders: tree order and byte order agree.
  flat: Array.from({ length: 2000 }, (_, i) => `flat/${String(i).padStart(5, '0')}`),
  // Date-partitioned keys (seed 001's pattern): many small folders, nothing overtakes them.
  dated: (() => {
    const keys: string[] = [];
    for (const cat of ['img', 'doc'])
      for (const y of [2025, 2026])
        for (let m = 1; m <= 5; m++)
          for (let d = 1; d <= 10; d++)
            for (let n = 0; n < 10; n++) keys.push(`dated/${cat}/${y}/${m}/${d}/${n}.bin`);
    return keys;
  })(),
  // A large folder overtaken by names that continue its stem with bytes below "/".
  overtaken: [
    ...Array.from({ length: 1500 }, (_, i) => `ov/report/${String(i).padStart(5, '0')}.csv`),
    'ov/report.pdf',
    'ov/report-old.txt',
    'ov/report0',
  ],
};

/** Counts the store's ListObjectsV2 requests; `count` is reset by whoever reads it. */
function countListRequests(store: Store): { count: number } {
  const counter = { count: 0 };
  store.client.middlewareStack.add(
    (next, context) => async (args) => {
      if (context.commandName === 'ListObjectsV2Command') counter.count++;
      return next(args);
    },
    { step: 'initialize', name: 'stowageListCounter' },
  );
  return counter;
}

for (const server of ['seaweedfs', 'moto'] as const) {
  describeWithServer(server, (target) => {
    describe(`listing cost in requests on ${server}`, () => {
      let admin: S3BucketAdmin | undefined;
      let bucket = '';
      let store: Store;
      let counter: { count: number };
      const rows: string[] = [];
      beforeAll(async () => {
        ({ admin, bucket } = await freshBucket(target, 'list-cost'));
        store = new S3ObjectStore(storeConfig(target, bucket));
        counter = countListRequests(store);
        const all = Object.values(LAYOUTS).flat();
        await mapLimit(all, 16, (k) => store.put(k, ''));
      }, 300_000);
      afterAll(async () => {
        console.log(`ListObjectsV2 requests per listing on ${target.name}:\n${rows.join('\n')}`);
        store?.destroy();
        if (admin !== undefined) await dropBucket(admin, bucket);
      });

      for (const [name, keys] of Object.entries(LAYOUTS)) {
        const prefix = `${keys[0]!.split('/')[0]}/`;
        const want = [...keys].sort(compareKeys);
        const pagesNeeded = Math.ceil(keys.length / 1000);

        it(`${name}: list() is complete, in byte order, at most 1.1 requests per 1000 keys + 3`, async () => {
          counter.count = 0;
          const got: string[] = [];
          for await (const e of store.list({ prefix })) got.push(isCommonPrefix(e) ? e.prefix : e.key);
          expect(got).toEqual(want);
          rows.push(
            `  ${name.padEnd(10)} ${String(keys.length).padStart(5)} keys  list()              ${counter.count} requests`,
          );
          expect(counter.count).toBeLessThanOrEqual(Math.ceil(pagesNeeded * 1.1) + 3);
        });

        for (const limit of [1000, 100]) {
          it(`${name}: listPage(limit ${limit}) followed by cursor is complete and in byte order`, async () => {
            counter.count = 0;
            const got: string[] = [];
            let cursor: string | undefined;
            let pages = 0;
            do {
              const options: ListPageOptions = { prefix, limit };
              if (cursor !== undefined) options.cursor = cursor;
              const page = await store.listPage(options);
              got.push(...page.items.map((i) => i.key));
              cursor = page.cursor;
              pages++;
            } while (cursor !== undefined);
            expect(got).toEqual(want);
            rows.push(
              `  ${name.padEnd(10)} ${String(keys.length).padStart(5)} keys  listPage(limit ${String(limit).padEnd(4)}) ${counter.count} requests for ${pages} pages`,
            );
            // Each page restarts from its cursor: one request, plus a probe where a large
            // folder is entered mid-way, plus a re-listing where it is overtaken.
            expect(counter.count).toBeLessThanOrEqual(pages * 4);
          });
        }
      }
    });
  });
}
