import {
  compareKeys,
  isCommonPrefix,
  type ListEntry,
  type ListPage,
  type ListPageOptions,
  type ObjectStore,
  type ObjectSummary,
} from '@stowage/core';
import { mergePage, pageFromSorted } from '@stowage/kit';
import { expect } from 'vitest';
import type { Harness, Requirement } from '../harness.js';

const DELIMITER: Requirement = ['listDelimiter', 'delimited ("folder") listing is not available'];
const FILES_AND_FOLDERS: Requirement = ['fileFolderConflict', 'a key cannot also be a folder of other keys'];

/**
 * Key layouts that trip servers which list in tree order instead of byte order: a stem that
 * is a folder beside names that continue the stem with a byte below "/" (space and
 * `! " # $ % & ' ( ) * + , - .`), which must list *before* the folder's keys. SeaweedFS walks
 * its directory tree, so `report/2024.csv` comes out ahead of `report.pdf`, and its
 * StartAfter skips whole folders.
 */
interface Layout {
  name: string;
  keys: readonly string[];
  /** Folders whose delimited listing is checked, besides the case's root. */
  folders: readonly string[];
  /** Partial-segment prefixes checked flat and delimited. */
  stems: readonly string[];
  excludes?: readonly Requirement[];
}

export const LIST_LAYOUTS: readonly Layout[] = [
  {
    name: 'stems beside folders',
    keys: [
      'report.pdf',
      'report/2024.csv',
      'report/2025/q1.csv',
      'report-old.txt',
      'report0',
      'report!/x',
      'report!.md',
      'report /y',
      'img/logo.png',
      'img/logo/small.png',
      'img/logo-2/a.png',
      'img/z',
      'bo/x!',
      'bo/x-1',
      'bo/x.txt',
      'bo/x/y',
      'bo/x/z',
      'bo/x0',
      'deep/a/b/c/d',
      'deep/a/b/c.d',
      'deep/a/b.c',
      'deep/a.b',
    ],
    folders: ['report/', 'img/', 'img/logo/', 'bo/', 'bo/x/', 'deep/', 'deep/a/', 'deep/a/b/'],
    stems: ['report', 'img/logo', 'bo/x', 'deep/a'],
  },
  {
    name: 'keys that are also folders',
    keys: [
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
      'x/y',
      'x/y/z',
      'x/y!',
      'x/y!/w',
    ],
    folders: ['a/', 'a!/', 'img/', 'img/logo/', 'x/', 'x/y/'],
    stems: ['a', 'img/logo', 'x/y'],
    excludes: [FILES_AND_FOLDERS],
  },
];

/** Every page size a listing must work at: one, two, and larger than the whole key set. */
const PAGE_SIZES = [1, 2, 1000] as const;

function label(entry: ListEntry): string {
  return isCommonPrefix(entry) ? entry.prefix : entry.key;
}

/** The listing a correct store returns, from core's reference pager over the sorted keys. */
function expected(keys: readonly string[], options: ListPageOptions): string[] {
  const sorted: ObjectSummary[] = [...keys]
    .sort(compareKeys)
    .map((key) => ({ key, size: 1, etag: '"x"', lastModified: new Date(0) }));
  const out: string[] = [];
  let cursor: string | undefined;
  do {
    const page = pageFromSorted(sorted, { ...options, limit: 10_000, cursor });
    out.push(...mergePage(page).map(label));
    cursor = page.cursor;
  } while (cursor !== undefined);
  return out;
}

/**
 * Follows cursors to the end. Fails (never hangs) when a page exceeds the limit, goes
 * backwards or repeats an entry, hands back the same cursor twice, or pages go on longer
 * than the key set could need.
 */
async function pagedEntries(
  store: ObjectStore,
  options: ListPageOptions,
  maxEntries: number,
): Promise<string[]> {
  const out: string[] = [];
  const cursors = new Set<string>();
  let cursor: string | undefined;
  let pages = 0;
  do {
    const page: ListPage = await store.listPage({ ...options, cursor });
    const entries = mergePage(page).map(label);
    const where = `${JSON.stringify(options)} page ${pages + 1}`;
    if (options.limit !== undefined)
      expect(entries.length, `${where}: within limit`).toBeLessThanOrEqual(options.limit);
    for (const entry of entries) {
      const last = out.at(-1);
      if (last !== undefined) {
        expect(
          compareKeys(last, entry),
          `${where}: ${JSON.stringify(entry)} listed after ${JSON.stringify(last)}`,
        ).toBeLessThan(0);
      }
      out.push(entry);
    }
    cursor = page.cursor;
    if (cursor !== undefined) {
      expect(cursors.has(cursor), `${where}: the cursor repeats`).toBe(false);
      cursors.add(cursor);
    }
    pages++;
    if (pages > maxEntries + 2) expect.fail(`${where}: listing did not terminate`);
  } while (cursor !== undefined);
  return out;
}

async function iterated(
  store: ObjectStore,
  options: ListPageOptions & { pageSize?: number },
  maxEntries: number,
): Promise<string[]> {
  const out: string[] = [];
  const { limit: _limit, cursor: _cursor, ...rest } = options;
  for await (const entry of store.list(rest)) {
    out.push(label(entry));
    if (out.length > maxEntries) expect.fail(`list(${JSON.stringify(rest)}) yielded more entries than exist`);
  }
  return out;
}

/** Positions to resume from: every key, every folder, and stems that fall between them. */
function positions(layout: Layout, key: (n: string) => string): string[] {
  const out = new Set<string>();
  for (const k of layout.keys) out.add(key(k));
  for (const f of layout.folders) out.add(key(f));
  for (const s of layout.stems) {
    out.add(key(s));
    out.add(key(`${s}!`));
    out.add(key(`${s}.`));
    out.add(key(`${s}/`));
  }
  return [...out].sort(compareKeys);
}

export function registerListLayoutCases(h: Harness): void {
  for (const layout of LIST_LAYOUTS) {
    const excludes = layout.excludes ?? [];
    // One at a time: these cases are about listing, and writing `a` and `a/b` at once is a
    // race some servers lose (see 'a key and a key below it written at the same time').
    const put = async (store: ObjectStore, key: (n: string) => string) => {
      for (const k of layout.keys) await store.put(key(k), k);
    };

    h.case(
      `layout "${layout.name}": flat listings at page sizes 1, 2 and 1000 return every key once, in byte order`,
      { excludes, timeout: 120_000 },
      async ({ store, prefix, key }) => {
        await put(store, key);
        const max = layout.keys.length;
        for (const p of [prefix, ...layout.folders.map(key), ...layout.stems.map(key)]) {
          const want = expected(layout.keys.map(key), { prefix: p });
          for (const size of PAGE_SIZES) {
            expect(
              await pagedEntries(store, { prefix: p, limit: size }, max),
              `listPage prefix ${p} limit ${size}`,
            ).toEqual(want);
            expect(
              await iterated(store, { prefix: p, pageSize: size }, max),
              `list prefix ${p} pageSize ${size}`,
            ).toEqual(want);
          }
        }
      },
    );

    h.case(
      `layout "${layout.name}": delimited listings of every folder at page sizes 1, 2 and 1000`,
      { requires: [DELIMITER], excludes, timeout: 120_000 },
      async ({ store, prefix, key }) => {
        await put(store, key);
        const max = layout.keys.length + layout.folders.length;
        for (const p of [prefix, ...layout.folders.map(key), ...layout.stems.map(key)]) {
          const want = expected(layout.keys.map(key), { prefix: p, delimiter: '/' });
          for (const size of PAGE_SIZES) {
            expect(
              await pagedEntries(store, { prefix: p, delimiter: '/', limit: size }, max),
              `listPage prefix ${p} delimited limit ${size}`,
            ).toEqual(want);
            expect(
              await iterated(store, { prefix: p, delimiter: '/', pageSize: size }, max),
              `list prefix ${p} delimited pageSize ${size}`,
            ).toEqual(want);
          }
        }
      },
    );

    h.case(
      `layout "${layout.name}": listings resume after every key, folder and stem`,
      { excludes, timeout: 180_000 },
      async ({ store, prefix, key, caps }) => {
        await put(store, key);
        const keys = layout.keys.map(key);
        const max = layout.keys.length + layout.folders.length;
        const delimiters: Array<'/' | undefined> = caps.listDelimiter ? [undefined, '/'] : [undefined];
        for (const startAfter of positions(layout, key)) {
          for (const delimiter of delimiters) {
            const options: ListPageOptions = { prefix, startAfter };
            if (delimiter !== undefined) options.delimiter = delimiter;
            const want = expected(keys, options);
            const what = `startAfter ${JSON.stringify(startAfter)}${delimiter ? ' delimited' : ''}`;
            expect(await pagedEntries(store, { ...options, limit: 1000 }, max), what).toEqual(want);
            const first = await store.listPage({ ...options, limit: 1 });
            expect(mergePage(first).map(label), `${what}, limit 1`).toEqual(want.slice(0, 1));
            expect(
              first.cursor !== undefined || want.length <= 1,
              `${what}, limit 1: a cursor when more follow`,
            ).toBe(true);
          }
        }
      },
    );
  }
}
