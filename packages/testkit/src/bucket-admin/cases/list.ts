import { type BucketAdmin, type BucketInfo, compareKeys } from '@stowage/core';
import { expect } from 'vitest';
import { allPages, expectMalformedCursorsRefused } from '../../helpers/pages.js';
import type { BucketCases } from '../harness.js';

function listAll(admin: BucketAdmin, limit?: number): Promise<BucketInfo[]> {
  return allPages(
    (cursor) =>
      admin.listBuckets({
        ...(cursor === undefined ? {} : { cursor }),
        ...(limit === undefined ? {} : { limit }),
      }),
    limit,
  );
}

function expectAscendingUnique(names: readonly string[]): void {
  for (let i = 1; i < names.length; i++) {
    expect(compareKeys(names[i - 1]!, names[i]!), `${names[i - 1]} before ${names[i]}`).toBeLessThan(0);
  }
}

export function registerListCases(cases: BucketCases): void {
  cases.case(
    'listBuckets pages by name with no repeats, and every bucket shows',
    async ({ admin, bucket }) => {
      const mine = ['d', 'a', 'c', 'b', 'e'].map((l) => bucket(`list-${l}`));
      for (const name of mine) await admin.createBucket(name);
      for (const limit of [undefined, 2]) {
        const names = (await listAll(admin, limit)).map((b) => b.name);
        expectAscendingUnique(names);
        expect(
          names.filter((n) => mine.includes(n)),
          `limit ${limit}`,
        ).toEqual([...mine].sort(compareKeys));
      }
    },
  );

  cases.case('bucket entries have a name and, when given, a valid createdAt', async ({ admin, bucket }) => {
    const name = bucket('info');
    await admin.createBucket(name);
    const found = (await listAll(admin)).find((b) => b.name === name);
    expect(found, name).toBeDefined();
    if (found!.createdAt !== undefined) {
      expect(found!.createdAt).toBeInstanceOf(Date);
      expect(Number.isNaN(found!.createdAt.getTime())).toBe(false);
    }
  });

  cases.case('paging survives buckets created and deleted between pages', async ({ admin, bucket }) => {
    const mine = ['b', 'c', 'd', 'e', 'f', 'g'].map((l) => bucket(`page-${l}`));
    for (const name of mine) await admin.createBucket(name);
    // Walk to the page that holds the first of this case's buckets, then change things around it.
    const seen: string[] = [];
    let cursor: string | undefined;
    let changed = false;
    let pages = 0;
    do {
      const page = await admin.listBuckets({ limit: 2, ...(cursor === undefined ? {} : { cursor }) });
      seen.push(...page.items.map((b) => b.name));
      cursor = page.cursor;
      if (!changed && seen.includes(mine[0]!)) {
        changed = true;
        await admin.createBucket(bucket('page-a'));
        await admin.deleteBucket(mine[0]!);
        await admin.createBucket(bucket('page-h'));
        await admin.deleteBucket(mine[4]!);
      }
      if (++pages > 10_000) expect.fail('listing did not terminate');
    } while (cursor !== undefined);
    expect(changed, 'the listing reached the case buckets').toBe(true);
    expectAscendingUnique(seen);
    for (const name of [mine[1]!, mine[2]!, mine[3]!, mine[5]!])
      expect(seen, `${name} existed throughout`).toContain(name);
  });

  cases.case('a malformed or tampered cursor is InvalidInput', async ({ admin, bucket }) => {
    await admin.createBucket(bucket('cursor-a'));
    await admin.createBucket(bucket('cursor-b'));
    const { cursor } = await admin.listBuckets({ limit: 1 });
    expect(cursor).toBeTypeOf('string');
    await expectMalformedCursorsRefused((c) => admin.listBuckets({ limit: 1, cursor: c }), cursor);
  });
}
