import {
  compareKeys,
  isCommonPrefix,
  type ListPage,
  type ListPageOptions,
  type ObjectStore,
} from '@stowage/core';
import { expect } from 'vitest';
import { collect } from '../../helpers/collect.js';
import { mapLimit } from '../../helpers/map-limit.js';
import { expectStorageError, expectSummary, getText } from '../assertions.js';
import type { Harness, Requirement } from '../harness.js';
import { keyOfBytes, WEIRD_KEY_NAMES } from '../keys.js';
import { registerListLayoutCases } from './list-layouts.js';

const DELIMITER: Requirement = ['listDelimiter', 'delimited ("folder") listing is not available'];
const FILES_AND_FOLDERS: Requirement = ['fileFolderConflict', 'a key cannot also be a folder of other keys'];

const sortKeys = (keys: readonly string[]) => [...keys].sort(compareKeys);

async function putAll(store: ObjectStore, keys: readonly string[], body: (k: string) => string = () => 'x') {
  await mapLimit(keys, 8, (k) => store.put(k, body(k)));
}

/** Keys of a flat listing, via the async iterable. */
async function listKeys(store: ObjectStore, prefix: string, pageSize?: number): Promise<string[]> {
  const entries = await collect(store.list({ prefix, ...(pageSize === undefined ? {} : { pageSize }) }));
  return entries.map((e) => (isCommonPrefix(e) ? `<prefix ${e.prefix}>` : e.key));
}

/** Every page of a listing, following cursors; fails rather than loop forever. */
async function allPages(store: ObjectStore, options: ListPageOptions): Promise<ListPage[]> {
  const pages: ListPage[] = [];
  let cursor: string | undefined;
  do {
    const page = await store.listPage({ ...options, cursor });
    pages.push(page);
    const size = page.items.length + page.prefixes.length;
    if (options.limit !== undefined)
      expect(size, 'page size within limit').toBeLessThanOrEqual(options.limit);
    cursor = page.cursor;
    if (pages.length > 10_000) expect.fail('listing did not terminate');
  } while (cursor !== undefined);
  return pages;
}

/** Entries of pages in the order returned: keys as-is, folders as "<prefix …>". */
function pageEntries(pages: ListPage[]): string[] {
  const out: string[] = [];
  for (const p of pages) {
    const merged = [...p.items.map((i) => i.key), ...p.prefixes].sort(compareKeys);
    out.push(...merged);
  }
  return out;
}

function expectStrictlyAscending(keys: readonly string[]): void {
  for (let i = 1; i < keys.length; i++) {
    expect(
      compareKeys(keys[i - 1]!, keys[i]!),
      `${JSON.stringify(keys[i - 1])} before ${JSON.stringify(keys[i])}`,
    ).toBeLessThan(0);
  }
}

export function registerListCases(h: Harness): void {
  h.case('list returns every key under the prefix in UTF-8 byte order', async ({ store, prefix, key }) => {
    // a\uFFFD sorts after a\u{1F600} in UTF-16 code units but before it in UTF-8 bytes.
    const names = ['a\u{1F600}', 'a\uFFFD', 'b', 'B', 'a', 'a~', 'a b', 'é', 'z', '0', 'a-b', 'ab', 'Z'];
    const keys = names.map(key);
    await putAll(store, keys);
    const expected = sortKeys(keys);
    expect(expected.indexOf(key('a\uFFFD'))).toBeLessThan(expected.indexOf(key('a\u{1F600}')));
    expect(await listKeys(store, prefix)).toEqual(expected);
    const page = await store.listPage({ prefix });
    expect(page.items.map((i) => i.key)).toEqual(expected);
    expect(page.prefixes).toEqual([]);
    expect(page.cursor).toBeUndefined();
  });

  h.case('list summaries carry size, quoted etag and lastModified', async ({ store, prefix, key }) => {
    const a = await store.put(key('one'), 'x');
    const b = await store.put(key('two'), 'xyz12');
    const entries = await collect(store.list({ prefix }));
    expect(entries).toHaveLength(2);
    const [first, second] = entries;
    if (first === undefined || second === undefined || isCommonPrefix(first) || isCommonPrefix(second)) {
      return expect.fail('expected two objects');
    }
    expectSummary(first, key('one'), 1);
    expectSummary(second, key('two'), 5);
    expect(first.etag).toBe(a.etag);
    expect(second.etag).toBe(b.etag);
  });

  h.case('list shows the new size and etag after an overwrite', async ({ store, prefix, key }) => {
    await store.put(key('changing'), 'short');
    const second = await store.put(key('changing'), 'a longer body');
    const [entry] = await collect(store.list({ prefix }));
    if (entry === undefined || isCommonPrefix(entry)) return expect.fail('expected one object');
    expectSummary(entry, key('changing'), 13);
    expect(entry.etag).toBe(second.etag);
  });

  h.case('prefix filtering returns only keys that start with the prefix', async ({ store, key }) => {
    await putAll(store, ['p/one', 'p/two', 'p/sub/three', 'pp', 'q/one', 'o'].map(key));
    expect(await listKeys(store, key('p/'))).toEqual(sortKeys(['p/one', 'p/two', 'p/sub/three'].map(key)));
  });

  h.case('a prefix without trailing slash matches partial segments', async ({ store, key, caps }) => {
    const names = ['photos/cat.jpg', 'photos/car.png', 'photos/dog.jpg', 'photos/ca/inner.jpg', 'photosx'];
    await putAll(store, names.map(key));
    expect(await listKeys(store, key('photos/ca'))).toEqual(
      sortKeys(['photos/cat.jpg', 'photos/car.png', 'photos/ca/inner.jpg'].map(key)),
    );
    if (caps.listDelimiter) {
      const page = await store.listPage({ prefix: key('photos/ca'), delimiter: '/' });
      expect(page.prefixes).toEqual([key('photos/ca/')]);
      expect(page.items.map((i) => i.key)).toEqual(sortKeys(['photos/car.png', 'photos/cat.jpg'].map(key)));
    }
  });

  h.case('a key equal to the prefix is listed with the keys that extend it', async ({ store, key }) => {
    await putAll(store, ['abc', 'abcd', 'abd'].map(key));
    expect(await listKeys(store, key('abc'))).toEqual([key('abc'), key('abcd')]);
  });

  h.case('a prefix with no objects lists nothing', async ({ store, key, prefix }) => {
    await store.put(key('other'), 'x');
    expect(await listKeys(store, key('nothing-here/'))).toEqual([]);
    const page = await store.listPage({ prefix: key('nothing-here/') });
    expect(page).toEqual({ items: [], prefixes: [] });
    expect(await listKeys(store, `${prefix}zzz`)).toEqual([]);
  });

  h.case('listing without a prefix reaches our keys (startAfter positions it)', async ({ store, key }) => {
    await putAll(store, ['a', 'b'].map(key));
    const page = await store.listPage({ startAfter: key('a'), limit: 1 });
    expect(page.items.map((i) => i.key)).toEqual([key('b')]);
  });

  h.case(
    'delimiter folds deeper keys into folders beside the objects at that level',
    { requires: [DELIMITER] },
    async ({ store, prefix, key }) => {
      await putAll(store, ['top.txt', 'a/1', 'a/2', 'b/c/3', 'zz'].map(key));
      const page = await store.listPage({ prefix, delimiter: '/' });
      expect(page.items.map((i) => i.key)).toEqual([key('top.txt'), key('zz')]);
      expect(page.prefixes).toEqual([key('a/'), key('b/')]);
      expect(page.cursor).toBeUndefined();
      const entries = await collect(store.list({ prefix, delimiter: '/' }));
      expect(entries.map((e) => (isCommonPrefix(e) ? e : e.key))).toEqual([
        { prefix: key('a/') },
        { prefix: key('b/') },
        key('top.txt'),
        key('zz'),
      ]);
    },
  );

  h.case('nested folders list level by level', { requires: [DELIMITER] }, async ({ store, key }) => {
    await putAll(store, ['b/c/3', 'b/c/d/4', 'b/e', 'b/f/5'].map(key));
    const b = await store.listPage({ prefix: key('b/'), delimiter: '/' });
    expect(b.prefixes).toEqual([key('b/c/'), key('b/f/')]);
    expect(b.items.map((i) => i.key)).toEqual([key('b/e')]);
    const c = await store.listPage({ prefix: key('b/c/'), delimiter: '/' });
    expect(c.prefixes).toEqual([key('b/c/d/')]);
    expect(c.items.map((i) => i.key)).toEqual([key('b/c/3')]);
  });

  for (const limit of [1, 2, 7]) {
    h.case(
      `pagination with limit ${limit} returns every key exactly once, in order`,
      async ({ store, prefix, key }) => {
        const keys = Array.from({ length: 20 }, (_, i) => key(`k${String(i).padStart(2, '0')}`));
        await putAll(store, keys);
        const pages = await allPages(store, { prefix, limit });
        const listed = pageEntries(pages);
        expect(listed).toEqual(keys);
        expectStrictlyAscending(listed);
        expect(pages.length).toBeGreaterThanOrEqual(Math.ceil(20 / limit));
      },
    );
  }

  h.case(
    'paging a delimited listing never repeats a folder',
    { requires: [DELIMITER], timeout: 60_000 },
    async ({ store, prefix, key }) => {
      await putAll(store, ['f1/a', 'f1/b', 'f1/c', 'f2/a', 'g', 'h/x', 'h/y', 'h/z/deep', 'i'].map(key));
      const expected = [key('f1/'), key('f2/'), key('g'), key('h/'), key('i')];
      for (const limit of [1, 2, 3]) {
        const listed = pageEntries(await allPages(store, { prefix, delimiter: '/', limit }));
        expect(listed, `limit ${limit}`).toEqual(expected);
      }
    },
  );

  h.case('a cursor resumes the listing in a new listPage call', async ({ store, prefix, key }) => {
    const keys = Array.from({ length: 10 }, (_, i) => key(`r${i}`));
    await putAll(store, keys);
    const first = await store.listPage({ prefix, limit: 3 });
    expect(first.items.map((i) => i.key)).toEqual(keys.slice(0, 3));
    expect(typeof first.cursor).toBe('string');
    const rest = await store.listPage({ prefix, cursor: first.cursor, limit: 100 });
    expect(rest.items.map((i) => i.key)).toEqual(keys.slice(3));
    expect(rest.cursor).toBeUndefined();
    // The same cursor may be used again: it names a position, not a consumed session.
    const again = await store.listPage({ prefix, cursor: first.cursor, limit: 2 });
    expect(again.items.map((i) => i.key)).toEqual(keys.slice(3, 5));
  });

  h.case('list with a small pageSize yields everything', async ({ store, prefix, key }) => {
    const keys = Array.from({ length: 13 }, (_, i) => key(`s${String(i).padStart(2, '0')}`));
    await putAll(store, keys);
    expect(await listKeys(store, prefix, 4)).toEqual(keys);
  });

  h.case('startAfter skips keys up to and including it', async ({ store, prefix, key }) => {
    const keys = Array.from({ length: 10 }, (_, i) => key(`k${i}`));
    await putAll(store, keys);
    const after = await collect(store.list({ prefix, startAfter: key('k4') }));
    expect(after.map((e) => (isCommonPrefix(e) ? e.prefix : e.key))).toEqual(keys.slice(5));
    // A startAfter that is not itself a key positions between keys.
    const between = await store.listPage({ prefix, startAfter: key('k4a'), limit: 2 });
    expect(between.items.map((i) => i.key)).toEqual([key('k5'), key('k6')]);
    const paged = pageEntries(await allPages(store, { prefix, startAfter: key('k6'), limit: 1 }));
    expect(paged).toEqual(keys.slice(7));
  });

  h.case('a malformed cursor is InvalidInput', async ({ store, prefix, key }) => {
    await store.put(key('x'), 'x');
    await expectStorageError(() => store.listPage({ prefix, cursor: 'not a cursor' }), 'InvalidInput');
    await expectStorageError(() => store.listPage({ prefix, cursor: '%%%%' }), 'InvalidInput');
  });

  h.case('a limit outside 1..10000 is InvalidInput', async ({ store, prefix }) => {
    await expectStorageError(() => store.listPage({ prefix, limit: 0 }), 'InvalidInput');
    await expectStorageError(() => store.listPage({ prefix, limit: -5 }), 'InvalidInput');
    await expectStorageError(() => store.listPage({ prefix, limit: 2.5 }), 'InvalidInput');
    await expectStorageError(() => store.listPage({ prefix, limit: 10_001 }), 'InvalidInput');
  });

  h.case('an invalid prefix is InvalidKey', async ({ store, prefix }) => {
    await expectStorageError(() => store.listPage({ prefix: '/abs' }), 'InvalidKey');
    await expectStorageError(() => store.listPage({ prefix: `${prefix}a//b` }), 'InvalidKey');
    await expectStorageError(() => collect(store.list({ prefix: `${prefix}../x` })), 'InvalidKey');
  });

  h.case(
    'weird keys round-trip through put, get, head and list',
    { timeout: 120_000 },
    async ({ store, prefix, key }) => {
      const keys = WEIRD_KEY_NAMES.map(key);
      await putAll(store, keys, (k) => `body of ${k}`);
      for (const k of keys) {
        expect(await getText(store, k), k).toBe(`body of ${k}`);
        expect((await store.head(k)).key, k).toBe(k);
        expect(await store.exists(k), k).toBe(true);
      }
      expect(await listKeys(store, prefix)).toEqual(sortKeys(keys));
    },
  );

  h.case('NFC and NFD spellings are different keys (no normalisation)', async ({ store, key }) => {
    const nfc = key('caf\u00e9');
    const nfd = key('cafe\u0301');
    await store.put(nfc, 'composed');
    expect(await store.exists(nfd)).toBe(false);
    await store.put(nfd, 'decomposed');
    expect(await getText(store, nfc)).toBe('composed');
    expect(await getText(store, nfd)).toBe('decomposed');
  });

  h.case('a 1024-byte key round-trips', async ({ store, prefix }) => {
    for (const unit of ['x', 'é', '日', '😀']) {
      const k = keyOfBytes(`${prefix}${unit.codePointAt(0)}/`, 1024, unit);
      await store.put(k, unit);
      expect(await getText(store, k)).toBe(unit);
      const listed = await listKeys(store, `${prefix}${unit.codePointAt(0)}/`);
      expect(listed).toEqual([k]);
    }
  });

  h.case('a 255-byte segment round-trips', async ({ store, prefix, key }) => {
    const segments = ['s'.repeat(255), '日'.repeat(85), `${'😀'.repeat(63)}abc`];
    for (const seg of segments) expect(Buffer.byteLength(seg)).toBe(255);
    const keys = segments.map((seg, i) => key(`${i}/${seg}`));
    await putAll(store, keys, (k) => `body ${keys.indexOf(k)}`);
    for (const [i, k] of keys.entries()) expect(await getText(store, k)).toBe(`body ${i}`);
    expect(await listKeys(store, prefix)).toEqual(sortKeys(keys));
  });

  h.case(
    'keys added and removed while paginating: every stable key is listed exactly once',
    { timeout: 120_000 },
    async ({ store, prefix, key }) => {
      const stable = Array.from({ length: 30 }, (_, i) => key(`s${String(i).padStart(2, '0')}`));
      await putAll(store, stable);
      const churn = new Set<string>();
      const listed: string[] = [];
      let cursor: string | undefined;
      let round = 0;
      do {
        const page = await store.listPage({ prefix, limit: 4, cursor });
        listed.push(...page.items.map((i) => i.key));
        cursor = page.cursor;
        // Between pages: add keys before, among and after the position, and remove earlier additions.
        const added = [
          `s${String(round).padStart(2, '0')}x`,
          `a${round}`,
          `t${round}`,
          `s${String(29 - round).padStart(2, '0')}y`,
        ].map(key);
        await putAll(store, added);
        for (const k of added) churn.add(k);
        if (round > 1) await store.delete(key(`t${round - 2}`));
        round++;
        if (round > 100) expect.fail('listing did not terminate');
      } while (cursor !== undefined);
      expectStrictlyAscending(listed);
      for (const k of stable)
        expect(
          listed.filter((l) => l === k),
          k,
        ).toHaveLength(1);
      for (const k of listed) expect(stable.includes(k) || churn.has(k), `unexpected ${k}`).toBe(true);
    },
  );

  h.case(
    'a key and a folder of the same name coexist',
    { excludes: [FILES_AND_FOLDERS] },
    async ({ store, prefix, key }) => {
      await store.put(key('both'), 'file');
      await store.put(key('both/child'), 'child');
      expect(await getText(store, key('both'))).toBe('file');
      expect(await listKeys(store, prefix)).toEqual([key('both'), key('both/child')]);
    },
  );

  h.case(
    'a key and a key below it written at the same time both survive',
    { excludes: [FILES_AND_FOLDERS] },
    async ({ store, key, options, skip }) => {
      const reason = options.serverLimitations?.racingFileAndFolderWrites;
      if (reason !== undefined) skip(`(server limitation) ${reason}`);
      for (let round = 0; round < 20; round++) {
        const file = key(`race${round}`);
        await Promise.all([store.put(file, 'file'), store.put(`${file}/child`, 'child')]);
        expect(await getText(store, file), `round ${round}: the acknowledged write of ${file}`).toBe('file');
        expect(await getText(store, `${file}/child`)).toBe('child');
      }
    },
  );

  h.case(
    'a key that clashes with a folder is Conflict',
    { requires: [FILES_AND_FOLDERS] },
    async ({ store, key }) => {
      await store.put(key('dir/child'), 'child');
      await expectStorageError(() => store.put(key('dir'), 'file'), 'Conflict', { key: key('dir') });
      await store.put(key('file'), 'file');
      await expectStorageError(() => store.put(key('file/child'), 'child'), 'Conflict', {
        key: key('file/child'),
      });
      expect(await getText(store, key('dir/child'))).toBe('child');
      expect(await getText(store, key('file'))).toBe('file');
    },
  );

  registerListLayoutCases(h);
}
