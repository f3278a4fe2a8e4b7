import { compareKeys } from '@stowage/core';
import { expect } from 'vitest';
import { expectMalformedCursorsRefused } from '../../helpers/pages.js';
import { expectStorageError } from '../../object-store/assertions.js';
import { type JobCases, listAll, listIds } from '../support.js';

const pad = (i: number) => String(i).padStart(2, '0');

export function registerListCases(cases: JobCases): void {
  cases.case('list returns the jobs of one kind in byte order of id', async ({ port, ns }) => {
    const ids = ['b', 'a', 'B', '10', '9', 'é', 'a-1', 'z', 'z\u{1F600}', 'z\uE000'];
    for (const id of ids) await port.save(ns, id, { id });
    const listed = await listAll(port, ns);
    expect(listed.map((j) => j.id)).toEqual([...ids].sort(compareKeys));
    for (const job of listed) {
      expect(job.kind).toBe(ns);
      expect(job.data).toEqual({ id: job.id });
      expect(job.version).toBe(1);
      expect(job.updatedAt).toBeInstanceOf(Date);
    }
  });

  cases.case('list pages with limit 1 and 3 cover every job exactly once', async ({ port, ns }) => {
    const ids = Array.from({ length: 10 }, (_, i) => `job-${pad(i)}`);
    for (const id of ids) await port.save(ns, id, { i: id });
    for (const limit of [1, 3]) {
      expect(await listIds(port, ns, limit), `limit ${limit}`).toEqual(ids);
    }
    const first = await port.list(ns, { limit: 4 });
    expect(first.items).toHaveLength(4);
    expect(first.cursor).toBeTypeOf('string');
  });

  cases.case('list of a kind with no jobs is an empty last page', async ({ port, ns }) => {
    expect(await port.list(ns)).toEqual({ items: [] });
  });

  cases.case('a malformed cursor is InvalidInput', async ({ port, ns }) => {
    await port.save(ns, 'x', {});
    await expectStorageError(() => port.list(ns, { cursor: 'not a cursor' }), 'InvalidInput');
  });

  cases.case('a tampered cursor is InvalidInput', async ({ port, ns }) => {
    for (const id of ['a', 'b', 'c']) await port.save(ns, id, {});
    const { cursor } = await port.list(ns, { limit: 1 });
    expect(cursor).toBeTypeOf('string');
    await expectMalformedCursorsRefused((c) => port.list(ns, { limit: 1, cursor: c }), cursor);
  });

  cases.case(
    'listing across concurrent saves and deletes repeats nothing and skips nothing',
    async ({ port, ns }) => {
      const ids = Array.from({ length: 20 }, (_, i) => `j${pad(i)}`);
      for (const id of ids) await port.save(ns, id, {});
      const first = await port.list(ns, { limit: 5 });
      const seen = first.items.map((j) => j.id);
      expect(seen).toEqual(ids.slice(0, 5));
      await port.delete(ns, 'j01');
      await port.delete(ns, 'j02');
      await port.save(ns, 'j00a', {});
      await port.save(ns, 'j00b', {});
      await port.save(ns, 'j00c', {});
      await port.delete(ns, 'j08');
      await port.save(ns, 'j04a', {});
      await port.save(ns, 'j99', {});
      let cursor = first.cursor;
      let pages = 0;
      while (cursor !== undefined) {
        const page = await port.list(ns, { limit: 5, cursor });
        seen.push(...page.items.map((j) => j.id));
        cursor = page.cursor;
        if (++pages > 100) expect.fail('listing did not terminate');
      }
      expect(
        seen.filter((id, i) => seen.indexOf(id) !== i),
        'repeated ids',
      ).toEqual([]);
      for (let i = 1; i < seen.length; i++) {
        expect(compareKeys(seen[i - 1]!, seen[i]!), `${seen[i - 1]} before ${seen[i]}`).toBeLessThan(0);
      }
      for (const id of ids.filter((id) => !['j01', 'j02', 'j08'].includes(id))) {
        expect(seen, `${id} existed throughout`).toContain(id);
      }
    },
  );
}
