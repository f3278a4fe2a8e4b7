import { readBytes } from '@stowage/core';
import { expect } from 'vitest';
import { expectStorageError } from '../assertions.js';
import type { Harness, Requirement } from '../harness.js';

const RANGE: Requirement = ['rangeRead', 'byte-range reads are not available'];
const BODY = Buffer.from(Array.from({ length: 100 }, (_, i) => i));

export function registerRangeCases(h: Harness): void {
  const withObject = async (store: Harness['store'], key: string) => {
    await store.put(key, BODY);
    return key;
  };

  h.case('range start-end is inclusive', { requires: [RANGE] }, async ({ store, key }) => {
    const k = await withObject(store, key('r'));
    const result = await store.get(k, { range: { start: 10, end: 19 } });
    expect(await readBytes(result.body)).toEqual(BODY.subarray(10, 20));
    expect(result.range).toEqual({ start: 10, end: 19 });
  });

  h.case('open-ended range reads to the end', { requires: [RANGE] }, async ({ store, key }) => {
    const k = await withObject(store, key('r'));
    const result = await store.get(k, { range: { start: 90 } });
    expect(await readBytes(result.body)).toEqual(BODY.subarray(90));
    expect(result.range).toEqual({ start: 90, end: 99 });
  });

  h.case('single-byte ranges at the start and the end', { requires: [RANGE] }, async ({ store, key }) => {
    const k = await withObject(store, key('r'));
    const first = await store.get(k, { range: { start: 0, end: 0 } });
    expect([...(await readBytes(first.body))]).toEqual([0]);
    const last = await store.get(k, { range: { start: 99, end: 99 } });
    expect([...(await readBytes(last.body))]).toEqual([99]);
    expect(last.range).toEqual({ start: 99, end: 99 });
  });

  h.case(
    'range end past the size is clamped to the last byte',
    { requires: [RANGE] },
    async ({ store, key }) => {
      const k = await withObject(store, key('r'));
      const result = await store.get(k, { range: { start: 95, end: 10_000 } });
      expect(await readBytes(result.body)).toEqual(BODY.subarray(95));
      expect(result.range).toEqual({ start: 95, end: 99 });
    },
  );

  h.case(
    'range starting at or past the end is InvalidInput',
    { requires: [RANGE] },
    async ({ store, key }) => {
      const k = await withObject(store, key('r'));
      await expectStorageError(() => store.get(k, { range: { start: 100 } }), 'InvalidInput');
      await expectStorageError(() => store.get(k, { range: { start: 500, end: 600 } }), 'InvalidInput');
    },
  );

  h.case(
    'range with end before start or negative start is InvalidInput',
    { requires: [RANGE] },
    async ({ store, key }) => {
      const k = await withObject(store, key('r'));
      await expectStorageError(() => store.get(k, { range: { start: 10, end: 5 } }), 'InvalidInput');
      await expectStorageError(() => store.get(k, { range: { start: -1 } }), 'InvalidInput');
    },
  );

  h.case(
    'range from 0 on an empty object returns no bytes',
    { requires: [RANGE] },
    async ({ store, key }) => {
      const k = key('empty');
      await store.put(k, '');
      const result = await store.get(k, { range: { start: 0 } });
      expect(result.info.size).toBe(0);
      expect((await readBytes(result.body)).length).toBe(0);
    },
  );

  h.case('ranged get reports the full object size in info', { requires: [RANGE] }, async ({ store, key }) => {
    const k = await withObject(store, key('r'));
    const result = await store.get(k, { range: { start: 20, end: 29 } });
    result.body.resume();
    expect(result.info.size).toBe(100);
    expect(result.info.key).toBe(k);
  });

  h.case('range on a missing key is NotFound', { requires: [RANGE] }, async ({ store, key }) => {
    const k = key('missing');
    await expectStorageError(() => store.get(k, { range: { start: 0, end: 9 } }), 'NotFound', { key: k });
  });
}
