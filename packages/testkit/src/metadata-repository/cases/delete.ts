import { expect } from 'vitest';
import { type MetadataCases, queryKeys, record } from '../support.js';

export function registerDeleteCases(cases: MetadataCases): void {
  cases.case(
    'softDelete hides the record unless includeDeleted, which shows deletedAt',
    async ({ port, ns }) => {
      const key = `${ns}/soft`;
      const saved = await port.upsert(record(key, { size: 5, owner: 'ann' }));
      await port.softDelete(key);
      expect(await port.get(key)).toBeNull();
      const deleted = await port.get(key, { includeDeleted: true });
      expect(deleted).not.toBeNull();
      expect(deleted!.deletedAt).toBeInstanceOf(Date);
      // A soft delete marks the record; it keeps what the record says.
      expect(deleted).toMatchObject({ key, size: 5, owner: 'ann' });
      expect(deleted!.createdAt.getTime()).toBe(saved.createdAt.getTime());
    },
  );

  cases.case('softDelete of a deleted or missing key succeeds', async ({ port, ns }) => {
    const key = `${ns}/twice`;
    await port.upsert(record(key));
    await port.softDelete(key);
    await expect(port.softDelete(key)).resolves.toBeUndefined();
    expect((await port.get(key, { includeDeleted: true }))!.deletedAt).toBeInstanceOf(Date);
    await expect(port.softDelete(`${ns}/never`)).resolves.toBeUndefined();
    expect(await port.get(`${ns}/never`, { includeDeleted: true })).toBeNull();
  });

  cases.case('upsert after softDelete restores the record, keeping createdAt', async ({ port, ns }) => {
    const key = `${ns}/revived`;
    const first = await port.upsert(record(key));
    await port.softDelete(key);
    const restored = await port.upsert(record(key, { size: 7 }));
    expect(restored.deletedAt).toBeUndefined();
    expect(restored.createdAt.getTime()).toBe(first.createdAt.getTime());
    const got = await port.get(key);
    expect(got).not.toBeNull();
    expect(got!.deletedAt).toBeUndefined();
    expect(got!.size).toBe(7);
    expect(await queryKeys(port, { prefix: `${ns}/` })).toEqual([key]);
  });

  cases.case('upsertMany restores soft-deleted records too', async ({ port, ns }) => {
    const keys = [`${ns}/m1`, `${ns}/m2`];
    await port.upsertMany(keys.map((k) => record(k)));
    for (const k of keys) await port.softDelete(k);
    await port.upsertMany(keys.map((k) => record(k, { size: 1 })));
    expect(await queryKeys(port, { prefix: `${ns}/` })).toEqual(keys);
    for (const k of keys) expect((await port.get(k))!.deletedAt).toBeUndefined();
  });

  cases.case(
    'hardDelete removes the record entirely; deleting missing keys succeeds',
    async ({ port, ns }) => {
      const key = `${ns}/hard`;
      await port.upsert(record(key));
      await port.softDelete(key);
      await port.hardDelete(key);
      expect(await port.get(key, { includeDeleted: true })).toBeNull();
      await expect(port.hardDelete(key)).resolves.toBeUndefined();
      await expect(port.softDelete(`${ns}/never`)).resolves.toBeUndefined();
      expect(await port.get(`${ns}/never`, { includeDeleted: true })).toBeNull();
    },
  );

  cases.case('a record created after a hardDelete is new: createdAt starts again', async ({ port, ns }) => {
    const key = `${ns}/reborn`;
    const first = await port.upsert(record(key));
    await port.hardDelete(key);
    await new Promise((resolve) => setTimeout(resolve, 5));
    const second = await port.upsert(record(key));
    expect(second.createdAt.getTime()).toBeGreaterThan(first.createdAt.getTime());
  });
}
