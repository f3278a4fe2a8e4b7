import { expect } from 'vitest';
import { type MetadataCases, record } from '../support.js';

export function registerAggregateCases(cases: MetadataCases): void {
  cases.case(
    'aggregate counts and sums by category under a prefix, without soft-deleted records',
    async ({ port, ns }) => {
      await port.upsert(record(`${ns}/a`, { size: 10, category: 'img' }));
      await port.upsert(record(`${ns}/b`, { size: 20, category: 'img' }));
      await port.upsert(record(`${ns}/c`, { size: 5, category: 'doc' }));
      await port.upsert(record(`${ns}/d`, { size: 1 }));
      await port.upsert(record(`${ns}/e`, { size: 1000, category: 'img' }));
      await port.softDelete(`${ns}/e`);
      const agg = await port.aggregate({ prefix: `${ns}/` });
      expect(agg.count).toBe(4);
      expect(agg.totalSize).toBe(36);
      expect(agg.byCategory).toEqual({ img: { count: 2, totalSize: 30 }, doc: { count: 1, totalSize: 5 } });
      const withDeleted = await port.aggregate({ prefix: `${ns}/`, includeDeleted: true });
      expect(withDeleted.count).toBe(5);
      expect(withDeleted.totalSize).toBe(1036);
    },
  );

  cases.case('aggregate honours owner and backend filters and is zero for nothing', async ({ port, ns }) => {
    await port.upsert(record(`${ns}/1`, { size: 3, owner: 'ann', backend: 's3' }));
    await port.upsert(record(`${ns}/2`, { size: 4, owner: 'bob', backend: 's3' }));
    expect(await port.aggregate({ prefix: `${ns}/`, owner: 'ann' })).toMatchObject({
      count: 1,
      totalSize: 3,
    });
    expect(await port.aggregate({ prefix: `${ns}/`, backend: 's3' })).toMatchObject({
      count: 2,
      totalSize: 7,
    });
    expect(await port.aggregate({ prefix: `${ns}/nothing/` })).toEqual({
      count: 0,
      totalSize: 0,
      byCategory: {},
    });
  });

  cases.case('aggregate matches prefixes and categories literally', async ({ port, ns }) => {
    await port.upsert(record(`${ns}/a_b`, { size: 1, category: '__proto__' }));
    await port.upsert(record(`${ns}/axb`, { size: 2, category: 'constructor' }));
    await port.upsert(record(`${ns}/a%`, { size: 4, category: '%' }));
    expect(await port.aggregate({ prefix: `${ns}/a_` })).toMatchObject({ count: 1, totalSize: 1 });
    expect(await port.aggregate({ prefix: `${ns}/a%` })).toMatchObject({ count: 1, totalSize: 4 });
    expect(await port.aggregate({ prefix: `${ns}/`, category: '%' })).toMatchObject({
      count: 1,
      totalSize: 4,
    });
    const all = await port.aggregate({ prefix: `${ns}/` });
    expect(Object.keys(all.byCategory).sort()).toEqual(['%', '__proto__', 'constructor']);
    expect(Object.hasOwn(all.byCategory, '__proto__')).toBe(true);
    expect(all.byCategory.constructor).toEqual({ count: 1, totalSize: 2 });
  });
}
