import { expect } from 'vitest';
import { valuesJsonWouldChange } from '../../helpers/json-values.js';
import { expectStorageError } from '../../object-store/assertions.js';
import { expectNothingUnder, type MetadataCases, queryAll, record } from '../support.js';

export function registerUpsertManyCases(cases: MetadataCases): void {
  cases.case('upsertMany writes every record and returns the count', async ({ port, ns }) => {
    const records = Array.from({ length: 50 }, (_, i) => record(`${ns}/m${i}`, { size: i }));
    expect(await port.upsertMany(records)).toBe(50);
    expect(await port.upsertMany([])).toBe(0);
    const got = await queryAll(port, { prefix: `${ns}/`, limit: 1000 });
    expect(got).toHaveLength(50);
    expect((await port.get(`${ns}/m7`))!.size).toBe(7);
  });

  cases.case('upsertMany replaces existing records, keeping their createdAt', async ({ port, ns }) => {
    const old = await port.upsert(record(`${ns}/a`, { size: 1 }));
    await port.upsertMany([record(`${ns}/a`, { size: 2 }), record(`${ns}/b`, { size: 3 })]);
    const got = (await port.get(`${ns}/a`))!;
    expect(got.size).toBe(2);
    expect(got.createdAt.getTime()).toBe(old.createdAt.getTime());
    expect((await port.get(`${ns}/b`))!.size).toBe(3);
  });

  cases.case('upsertMany with an invalid record writes none of them', async ({ port, ns }) => {
    const records = [record(`${ns}/ok-1`), record(`${ns}//bad-key`), record(`${ns}/ok-2`)];
    await expectStorageError(() => port.upsertMany(records), ['InvalidKey', 'InvalidInput']);
    await expectNothingUnder(port, ns);
  });

  cases.case(
    'upsertMany with attributes JSON cannot hold writes none of them and changes nothing',
    async ({ port, ns }) => {
      await port.upsert(record(`${ns}/existing`, { size: 1 }));
      for (const [label, attributes] of valuesJsonWouldChange()) {
        const records = [
          record(`${ns}/existing`, { size: 2 }),
          record(`${ns}/new`),
          record(`${ns}/bad`, { attributes }),
        ];
        await expectStorageError(() => port.upsertMany(records), 'InvalidInput').catch((error: unknown) => {
          throw new Error(`${label}: ${(error as Error).message}`);
        });
      }
      expect(
        (await queryAll(port, { prefix: `${ns}/`, includeDeleted: true })).map((r) => [r.key, r.size]),
      ).toEqual([[`${ns}/existing`, 1]]);
    },
  );
}
