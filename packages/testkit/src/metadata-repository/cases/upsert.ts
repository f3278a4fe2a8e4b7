import { expect } from 'vitest';
import { type MetadataCases, record } from '../support.js';

export function registerUpsertCases(cases: MetadataCases): void {
  cases.case('get of a missing key is null', async ({ port, ns }) => {
    expect(await port.get(`${ns}/missing`)).toBeNull();
    expect(await port.get(`${ns}/missing`, { includeDeleted: true })).toBeNull();
  });

  cases.case('upsert returns the record with timestamps, and get returns the same', async ({ port, ns }) => {
    const input = record(`${ns}/a.txt`, {
      size: 42,
      contentType: 'text/plain',
      etag: '"e1"',
      visibility: 'public',
    });
    const saved = await port.upsert(input);
    expect(saved).toMatchObject(input);
    expect(saved.createdAt).toBeInstanceOf(Date);
    expect(saved.updatedAt).toBeInstanceOf(Date);
    expect(saved.updatedAt.getTime()).toBeGreaterThanOrEqual(saved.createdAt.getTime());
    expect(saved.deletedAt).toBeUndefined();
    expect(await port.get(input.key)).toEqual(saved);
  });

  cases.case(
    'optional fields round-trip when set and are undefined (not null) when not',
    async ({ port, ns }) => {
      const full = record(`${ns}/full`, {
        bucket: 'bkt',
        sha256: 'a'.repeat(64),
        category: 'images',
        owner: 'user-1',
      });
      await port.upsert(full);
      expect(await port.get(full.key)).toMatchObject(full);
      const bare = await port.upsert(record(`${ns}/bare`));
      const got = (await port.get(bare.key))!;
      for (const name of ['bucket', 'sha256', 'category', 'owner', 'deletedAt'] as const) {
        expect(got[name], name).toBeUndefined();
      }
    },
  );

  cases.case('attributes round-trip as JSON', async ({ port, ns }) => {
    const attributes = {
      width: 640,
      tags: ['a', 'b'],
      exif: { camera: 'X100', iso: 200 },
      flag: false,
      none: null,
      text: 'ü😀',
      big: 2 ** 53 - 1,
      negative: -0.5,
      emptyObject: {},
      emptyList: [],
      'key with "quotes" and \\ backslash': "it's",
    };
    await port.upsert(record(`${ns}/attrs`, { attributes }));
    expect((await port.get(`${ns}/attrs`))!.attributes).toEqual(attributes);
  });

  cases.case('upserting again replaces the fields and keeps createdAt', async ({ port, ns }) => {
    const key = `${ns}/again`;
    const first = await port.upsert(record(key, { size: 1, owner: 'old', attributes: { v: 1 } }));
    const second = await port.upsert(record(key, { size: 2, attributes: { v: 2 } }));
    expect(second.createdAt.getTime()).toBe(first.createdAt.getTime());
    expect(second.updatedAt.getTime()).toBeGreaterThanOrEqual(first.updatedAt.getTime());
    const got = (await port.get(key))!;
    expect(got.size).toBe(2);
    expect(got.owner).toBeUndefined();
    expect(got.attributes).toEqual({ v: 2 });
    expect(got.createdAt.getTime()).toBe(first.createdAt.getTime());
  });

  cases.case(
    'records are copies: mutating inputs or results changes nothing stored',
    async ({ port, ns }) => {
      const input = record(`${ns}/copy`, { attributes: { list: [1] } });
      const saved = await port.upsert(input);
      (input.attributes.list as number[]).push(2);
      (saved.attributes.list as number[]).push(3);
      saved.size = 999;
      saved.createdAt.setTime(0);
      const got = (await port.get(`${ns}/copy`))!;
      expect(got.attributes).toEqual({ list: [1] });
      expect(got.size).toBe(100);
      expect(got.createdAt.getTime()).not.toBe(0);
    },
  );

  cases.case('sizes beyond 2^32 round-trip exactly', async ({ port, ns }) => {
    const size = 5 * 1024 ** 4 + 7;
    await port.upsert(record(`${ns}/huge`, { size }));
    expect((await port.get(`${ns}/huge`))!.size).toBe(size);
    expect((await port.aggregate({ prefix: `${ns}/` })).totalSize).toBe(size);
  });

  cases.case(
    'keys that differ only in case or Unicode normalisation are different records',
    async ({ port, ns }) => {
      const keys = [`${ns}/caf\u00e9`, `${ns}/cafe\u0301`, `${ns}/CAF\u00c9`, `${ns}/Caf\u00e9`];
      for (const [i, key] of keys.entries()) await port.upsert(record(key, { size: i }));
      for (const [i, key] of keys.entries()) {
        const got = await port.get(key);
        expect(got?.key, key).toBe(key);
        expect(got?.size, key).toBe(i);
      }
    },
  );
}
