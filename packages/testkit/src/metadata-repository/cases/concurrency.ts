import { expect } from 'vitest';
import { type MetadataCases, queryAll, queryKeys, record } from '../support.js';

const WRITERS = 12;

export function registerConcurrencyCases(cases: MetadataCases): void {
  cases.case(
    'concurrent upserts of one key keep createdAt, and one whole write wins',
    async ({ port, ns }) => {
      const key = `${ns}/contended`;
      const first = await port.upsert(record(key, { size: 0 }));
      const results = await Promise.all(
        Array.from({ length: WRITERS }, (_, i) =>
          port.upsert(record(key, { size: i + 1, owner: `w${i + 1}`, attributes: { writer: i + 1 } })),
        ),
      );
      for (const r of results)
        expect(r.createdAt.getTime(), 'createdAt of every writer').toBe(first.createdAt.getTime());
      const got = (await port.get(key))!;
      expect(got.createdAt.getTime()).toBe(first.createdAt.getTime());
      // The stored record is one writer's record, whole: never fields mixed from two writes.
      const writer = got.size;
      expect(got.owner).toBe(`w${writer}`);
      expect(got.attributes).toEqual({ writer });
      expect(results, 'the stored record is what its writer was told it wrote').toContainEqual(got);
    },
  );

  cases.case('concurrent first upserts of a new key make one record, none fails', async ({ port, ns }) => {
    const key = `${ns}/born-once`;
    const results = await Promise.allSettled(
      Array.from({ length: WRITERS }, (_, i) => port.upsert(record(key, { size: i }))),
    );
    const failed = results.flatMap((r) => (r.status === 'rejected' ? [String(r.reason)] : []));
    expect(failed, 'upserts that failed').toEqual([]);
    const created = results.map((r) => (r.status === 'fulfilled' ? r.value.createdAt.getTime() : 0));
    expect(new Set(created).size, 'every writer reports the one createdAt').toBe(1);
    expect(await queryKeys(port, { prefix: `${ns}/`, includeDeleted: true })).toEqual([key]);
    expect((await port.get(key))!.createdAt.getTime()).toBe(created[0]);
  });

  cases.case(
    'concurrent upsertMany batches over the same keys leave each key whole',
    async ({ port, ns }) => {
      const keys = Array.from({ length: 10 }, (_, i) => `${ns}/b${i}`);
      await Promise.all(
        Array.from({ length: 6 }, (_, batch) =>
          port.upsertMany(keys.map((k) => record(k, { size: batch, owner: `batch${batch}` }))),
        ),
      );
      const got = await queryAll(port, { prefix: `${ns}/` });
      expect(got.map((r) => r.key)).toEqual(keys);
      for (const r of got) expect(r.owner, r.key).toBe(`batch${r.size}`);
    },
  );

  cases.case('soft deletes racing upserts of other keys lose nothing', async ({ port, ns }) => {
    const keys = Array.from({ length: 20 }, (_, i) => `${ns}/r${String(i).padStart(2, '0')}`);
    await port.upsertMany(keys.filter((_, i) => i % 2 === 0).map((k) => record(k)));
    await Promise.all(keys.map((k, i) => (i % 2 === 0 ? port.softDelete(k) : port.upsert(record(k)))));
    expect(await queryKeys(port, { prefix: `${ns}/` })).toEqual(keys.filter((_, i) => i % 2 === 1));
    expect(await queryKeys(port, { prefix: `${ns}/`, includeDeleted: true })).toEqual(keys);
  });
}
