import { compareKeys } from '@stowage/core';
import { expect } from 'vitest';
import { expectMalformedCursorsRefused } from '../../helpers/pages.js';
import { expectStorageError } from '../../object-store/assertions.js';
import { type MetadataCases, queryKeys, record } from '../support.js';

const pad = (i: number) => String(i).padStart(2, '0');

export function registerPaginationCases(cases: MetadataCases): void {
  cases.case('pages with limit 1 and 3 cover every record exactly once', async ({ port, ns }) => {
    const keys = Array.from({ length: 10 }, (_, i) => `${ns}/r${pad(i)}`);
    await port.upsertMany(keys.map((k) => record(k)));
    for (const limit of [1, 3]) {
      expect(await queryKeys(port, { prefix: `${ns}/`, limit }), `limit ${limit}`).toEqual(keys);
    }
    // Filters apply before paging: a page is never short because of filtered-out records.
    await port.softDelete(keys[1]!);
    const page = await port.query({ prefix: `${ns}/`, limit: 2 });
    expect(page.items.map((r) => r.key)).toEqual([keys[0], keys[2]]);
  });

  cases.case('the default page is 100 records', async ({ port, ns }) => {
    const keys = Array.from({ length: 105 }, (_, i) => `${ns}/d${String(i).padStart(3, '0')}`);
    await port.upsertMany(keys.map((k) => record(k)));
    const first = await port.query({ prefix: `${ns}/` });
    expect(first.items).toHaveLength(100);
    expect(first.cursor).toBeTypeOf('string');
    const rest = await port.query({ prefix: `${ns}/`, cursor: first.cursor });
    expect(rest.items.map((r) => r.key)).toEqual(keys.slice(100));
    expect(rest.cursor).toBeUndefined();
  });

  cases.case('a limit of 1000 is allowed and one page holds every match', async ({ port, ns }) => {
    const keys = Array.from({ length: 30 }, (_, i) => `${ns}/k${pad(i)}`);
    await port.upsertMany(keys.map((k) => record(k)));
    const page = await port.query({ prefix: `${ns}/`, limit: 1000 });
    expect(page.items.map((r) => r.key)).toEqual(keys);
    expect(page.cursor).toBeUndefined();
  });

  cases.case('a limit outside 1..1000 or a malformed cursor is InvalidInput', async ({ port, ns }) => {
    for (const limit of [0, -1, 1001, 1.5, Number.NaN]) {
      await expectStorageError(() => port.query({ prefix: `${ns}/`, limit }), 'InvalidInput');
    }
    await expectStorageError(() => port.query({ prefix: `${ns}/`, cursor: 'garbage' }), 'InvalidInput');
  });

  cases.case('a tampered cursor is InvalidInput', async ({ port, ns }) => {
    await port.upsertMany([1, 2, 3].map((i) => record(`${ns}/t${i}`)));
    const { cursor } = await port.query({ prefix: `${ns}/`, limit: 1 });
    expect(cursor).toBeTypeOf('string');
    await expectMalformedCursorsRefused((c) => port.query({ prefix: `${ns}/`, limit: 1, cursor: c }), cursor);
  });

  cases.case(
    'paging across concurrent inserts and deletes repeats nothing and skips nothing',
    async ({ port, ns }) => {
      const keys = Array.from({ length: 20 }, (_, i) => `${ns}/k${pad(i)}`);
      await port.upsertMany(keys.map((k) => record(k)));
      const first = await port.query({ prefix: `${ns}/`, limit: 5 });
      const seen = first.items.map((r) => r.key);
      expect(seen).toEqual(keys.slice(0, 5));
      // Changes both behind the cursor (which shift an offset) and ahead of it.
      await port.hardDelete(`${ns}/k01`);
      await port.hardDelete(`${ns}/k02`);
      await port.upsert(record(`${ns}/k00a`));
      await port.upsert(record(`${ns}/k00b`));
      await port.upsert(record(`${ns}/k00c`));
      await port.softDelete(`${ns}/k07`);
      await port.hardDelete(`${ns}/k09`);
      await port.upsert(record(`${ns}/k04a`));
      await port.upsert(record(`${ns}/k99`));
      let cursor = first.cursor;
      let pages = 0;
      while (cursor !== undefined) {
        const page = await port.query({ prefix: `${ns}/`, limit: 5, cursor });
        seen.push(...page.items.map((r) => r.key));
        cursor = page.cursor;
        if (++pages > 100) expect.fail('paging did not terminate');
      }
      expect(
        seen.filter((k, i) => seen.indexOf(k) !== i),
        'repeated keys',
      ).toEqual([]);
      for (let i = 1; i < seen.length; i++) {
        expect(compareKeys(seen[i - 1]!, seen[i]!), `${seen[i - 1]} before ${seen[i]}`).toBeLessThan(0);
      }
      const throughout = keys.filter(
        (k) => ![`${ns}/k01`, `${ns}/k02`, `${ns}/k07`, `${ns}/k09`].includes(k),
      );
      for (const k of throughout) expect(seen, `${k} existed throughout`).toContain(k);
    },
  );

  cases.case(
    'paging with a filter that skips most records still returns every match',
    async ({ port, ns }) => {
      const keys = Array.from({ length: 60 }, (_, i) => `${ns}/f${pad(i)}`);
      await port.upsertMany(keys.map((k, i) => record(k, { owner: i % 7 === 0 ? 'rare' : 'common' })));
      const rare = keys.filter((_, i) => i % 7 === 0);
      for (const limit of [1, 2, 5]) {
        expect(await queryKeys(port, { prefix: `${ns}/`, owner: 'rare', limit }), `limit ${limit}`).toEqual(
          rare,
        );
      }
    },
  );
}
