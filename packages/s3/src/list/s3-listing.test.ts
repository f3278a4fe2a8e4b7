import {
  assertValidPrefix,
  compareKeys,
  isCommonPrefix,
  isStorageError,
  type ListEntry,
  type ListPageOptions,
  type ObjectSummary,
} from '@stowage/core';
import { decodeKeyCursor, guardProgress, mergePage, pageFromSorted, takePage } from '@stowage/kit';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ListOrder } from '../profiles.js';
import type { ListServer } from './list-server.js';
import { lexicographicModel, type ModelServer, treeModel } from './model-servers.test-support.js';
import { LEXICOGRAPHIC_ORDER_HINT, listEntries, type S3ListQuery } from './s3-listing.js';
import { justBefore, treeStart } from './tree-position.js';

const label = (e: ListEntry) => (isCommonPrefix(e) ? e.prefix : e.key);

/** What a correct store lists: core's reference pager over the keys in byte order. */
function reference(keys: readonly string[], options: ListPageOptions): string[] {
  const sorted: ObjectSummary[] = [...new Set(keys)]
    .sort(compareKeys)
    .map((key) => ({ key, size: 1, etag: '"e"', lastModified: new Date(0) }));
  const out: string[] = [];
  let cursor: string | undefined;
  do {
    const page = pageFromSorted(sorted, { ...options, limit: 10_000, cursor });
    out.push(...mergePage(page).map(label));
    cursor = page.cursor;
  } while (cursor !== undefined);
  return out;
}

/** The listing as the checked layer sees it: guarded against going backwards, with the store's hint. */
function guarded(server: ListServer, order: ListOrder, query: S3ListQuery) {
  const hint = order === 'lexicographic' ? LEXICOGRAPHIC_ORDER_HINT : undefined;
  return guardProgress(listEntries(server, order, query), query, {}, hint);
}

async function all(server: ListServer, order: ListOrder, query: S3ListQuery): Promise<string[]> {
  const out: string[] = [];
  for await (const entry of guarded(server, order, query)) {
    out.push(label(entry));
    if (out.length > 10_000) throw new Error('runaway listing');
  }
  return out;
}

/** Pages with cursors, as listPage does. */
async function paged(
  server: ListServer,
  order: ListOrder,
  query: Omit<S3ListQuery, 'pageSize'>,
  limit: number,
) {
  const out: string[] = [];
  let after = query.after;
  for (let pages = 0; ; pages++) {
    if (pages > 10_000) throw new Error('runaway paging');
    const q: S3ListQuery = {
      ...query,
      pageSize: query.budget ?? 1000,
      firstPageSize: Math.min(1000, limit + 1),
    };
    if (after !== undefined) q.after = after;
    const page = await takePage(guarded(server, order, q), limit);
    const entries = mergePage(page).map(label);
    expect(entries.length).toBeLessThanOrEqual(limit);
    out.push(...entries);
    if (page.cursor === undefined) return out;
    after = decodeKeyCursor(page.cursor);
  }
}

const ISSUE_KEYS = [
  'a',
  'a!',
  'a/b',
  'a/c/d',
  'a-1',
  'a.txt',
  'a0',
  'b',
  'a!/x',
  'img/logo',
  'img/logo/small.png',
  'img/z',
];
const HYBRID_KEYS = ['bo/x!', 'bo/x-1', 'bo/x.txt', 'bo/x/y', 'bo/x/z', 'bo/x0'];

describe('tree-order listings come out in byte order', () => {
  it('the issue\'s layouts: "a/b" after "a!", and paging never drops "img/logo/small.png"', async () => {
    const { list } = treeModel(ISSUE_KEYS);
    expect(await all(list, 'tree', { prefix: '', pageSize: 1000 })).toEqual(reference(ISSUE_KEYS, {}));
    for (const limit of [1, 2, 3, 1000]) {
      expect(await paged(list, 'tree', { prefix: '' }, limit), `limit ${limit}`).toEqual(
        reference(ISSUE_KEYS, {}),
      );
      expect(await paged(list, 'tree', { prefix: 'img/' }, limit)).toEqual([
        'img/logo',
        'img/logo/small.png',
        'img/z',
      ]);
      expect(await paged(list, 'tree', { prefix: 'bo/', delimiter: '/' }, limit)).toEqual([]);
    }
    const hybrid = treeModel(HYBRID_KEYS).list;
    for (const limit of [1, 2, 1000]) {
      expect(await paged(hybrid, 'tree', { prefix: 'bo/' }, limit)).toEqual(
        [...HYBRID_KEYS].sort(compareKeys),
      );
      expect(await paged(hybrid, 'tree', { prefix: 'bo/', delimiter: '/' }, limit)).toEqual(
        reference(HYBRID_KEYS, { prefix: 'bo/', delimiter: '/' }),
      );
    }
  });

  it('a large overtaken folder is skipped on the server and listed on its own (bounded memory)', async () => {
    const inside = Array.from({ length: 50 }, (_, i) => `report/${String(i).padStart(3, '0')}`);
    const keys = [...inside, 'report.pdf', 'report-old.txt', 'report0', 'zeta'];
    const model = treeModel(keys);
    const out: string[] = [];
    for await (const e of guarded(model.list, 'tree', { prefix: '', pageSize: 7 })) out.push(label(e));
    expect(out).toEqual([...keys].sort(compareKeys));
  });

  it('a large folder nobody overtakes streams through after one probe', async () => {
    const inside = Array.from({ length: 3000 }, (_, i) => `photos/${String(i).padStart(5, '0')}.jpg`);
    const keys = [...inside, 'photos0', 'readme'];
    const model = treeModel(keys);
    const out = await all(model.list, 'tree', { prefix: '', pageSize: 1000 });
    expect(out).toEqual([...keys].sort(compareKeys));
    // 3002 keys: 4 pages, plus one probe for "photos".
    expect(model.requests.length).toBe(5);
  });

  it('costs no more requests than a byte-order server when no name overtakes a folder', async () => {
    const keys: string[] = [];
    for (let d = 0; d < 30; d++) for (let f = 0; f < 100; f++) keys.push(`logs/2026/${d}/${f}.log`);
    const tree = treeModel(keys);
    const lex = lexicographicModel(keys);
    expect(await all(tree.list, 'tree', { prefix: 'logs/', pageSize: 1000 })).toEqual(
      await all(lex.list, 'lexicographic', { prefix: 'logs/', pageSize: 1000 }),
    );
    // Two probes: "logs/2026" and the first day folder past the budget.
    expect(tree.requests.length - lex.requests.length).toBeLessThanOrEqual(3);
  });

  it('start positions let the server skip what precedes the cursor', () => {
    expect(treeStart('', 'a/b/c')).toBe('a/b/c/');
    expect(treeStart('', 'report.pdf')).toBe(justBefore('report'));
    expect(treeStart('x/', 'x/a/b!c')).toBe(`x/a/${justBefore('b')}`);
    expect(treeStart('x/', 'x/a/')).toBe('x/a/');
    expect(treeStart('x/', 'w')).toBeUndefined();
    expect(treeStart('x/', 'y')).toBeNull();
    expect(treeStart('x/ca', 'x/ca!b')).toBe(`x/${justBefore('ca')}`);
    expect(compareKeys(justBefore('a'), 'a')).toBeLessThan(0);
    expect(compareKeys(justBefore('a'), '`~~~~')).toBeGreaterThan(0);
    expect(compareKeys(justBefore('ab\u{e000}'), 'ab\u{e000}')).toBeLessThan(0);
  });
});

describe('byte-order servers', () => {
  it('a start position below the listed level still lists its folder, even where the server (moto) drops it', async () => {
    const keys = ['bo/x!', 'bo/x/y', 'bo/z', 'c'];
    for (const drop of ['list', 'drop'] as const) {
      const { list } = lexicographicModel(keys, { foldersBeforeStartAfter: drop });
      expect(
        await all(list, 'lexicographic', { prefix: '', delimiter: '/', after: 'bo/x', pageSize: 1000 }),
      ).toEqual(['bo/', 'c']);
      expect(
        await all(list, 'lexicographic', { prefix: '', delimiter: '/', after: 'bo/z', pageSize: 1000 }),
      ).toEqual(['c']);
    }
  });

  it("a tree-order server behind a lexicographic profile fails loudly (the layer's guard) instead of looping", async () => {
    const { list } = treeModel(ISSUE_KEYS);
    const error = await all(list, 'lexicographic', { prefix: '', pageSize: 1000 }).catch((e: unknown) => e);
    expect(isStorageError(error, 'Unexpected')).toBe(true);
    expect(String((error as Error).message)).toMatch(/must move forward in byte order; .*listOrder: 'tree'/);
  });

  it('a server that repeats its continuation token fails with Unexpected', async () => {
    const stuck: ListServer = async () => ({ keys: [], folders: [], next: 'same' });
    for (const order of ['lexicographic', 'tree'] as const) {
      const error = await all(stuck, order, { prefix: '', pageSize: 10 }).catch((e: unknown) => e);
      expect(isStorageError(error, 'Unexpected'), order).toBe(true);
    }
  });
});

/** Keys from a small alphabet rich in bytes below "/", so stems and folders collide often. */
const segment = fc
  .array(fc.constantFrom('a', 'b', '!', '-', '0', ' ', '.', 'é'), { minLength: 1, maxLength: 3 })
  .map((chars) => chars.join(''))
  .filter((s) => s !== '.' && s !== '..');
const keyArb = fc.array(segment, { minLength: 1, maxLength: 4 }).map((segments) => segments.join('/'));

describe('property: every listing equals the reference, on both server orders', () => {
  const settings = { numRuns: Number(process.env.STOWAGE_PROPERTY_RUNS ?? 300) };
  const scenario = fc.record({
    keys: fc.uniqueArray(keyArb, { minLength: 0, maxLength: 25 }),
    prefixPick: fc.nat(),
    prefixCut: fc.nat(),
    afterPick: fc.option(fc.nat(), { nil: undefined }),
    afterKind: fc.constantFrom('key', 'folder', 'stem'),
    delimited: fc.boolean(),
    pageSize: fc.integer({ min: 1, max: 4 }),
    limit: fc.integer({ min: 1, max: 5 }),
    budget: fc.integer({ min: 1, max: 4 }),
  });

  function build(s: {
    keys: string[];
    prefixPick: number;
    prefixCut: number;
    afterPick: number | undefined;
    afterKind: string;
  }): { prefix: string; after: string | undefined } {
    const source = s.keys.length === 0 ? '' : s.keys[s.prefixPick % s.keys.length]!;
    let prefix = source.slice(0, s.prefixCut % (source.length + 1));
    try {
      assertValidPrefix(prefix);
    } catch {
      prefix = '';
    }
    let after: string | undefined;
    if (s.afterPick !== undefined && s.keys.length > 0) {
      const k = s.keys[s.afterPick % s.keys.length]!;
      if (s.afterKind === 'key') after = k;
      else if (s.afterKind === 'folder')
        after = k.includes('/') ? k.slice(0, k.lastIndexOf('/') + 1) : `${k}/`;
      else after = k.slice(0, Math.max(1, k.length - 1));
    }
    return { prefix, after };
  }

  for (const order of ['tree', 'lexicographic'] as const) {
    it(`${order}: list() and paged listPage match the reference`, async () => {
      await fc.assert(
        fc.asyncProperty(scenario, async (s) => {
          const { prefix, after } = build(s);
          const model: ModelServer =
            order === 'tree'
              ? treeModel(s.keys)
              : lexicographicModel(s.keys, { foldersBeforeStartAfter: 'drop' });
          const options: ListPageOptions = { prefix };
          if (after !== undefined) options.startAfter = after;
          if (s.delimited) options.delimiter = '/';
          const want = reference(s.keys, options);
          const query: S3ListQuery = { prefix, pageSize: s.pageSize, budget: s.budget };
          if (after !== undefined) query.after = after;
          if (s.delimited) query.delimiter = '/';
          expect(await all(model.list, order, query)).toEqual(want);
          const { pageSize: _, ...rest } = query;
          expect(await paged(model.list, order, rest, s.limit)).toEqual(want);
        }),
        settings,
      );
    });
  }
});
