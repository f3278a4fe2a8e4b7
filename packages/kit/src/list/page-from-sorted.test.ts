import {
  compareKeys,
  isStorageError,
  type ListPage,
  type ListPageOptions,
  type ObjectSummary,
} from '@stowage/core';
import { describe, expect, it } from 'vitest';
import { encodeKeyCursor } from './cursor.js';
import { listFromPages } from './list-from-pages.js';
import { pageFromSorted } from './page-from-sorted.js';

const summaries = (keys: string[]): ObjectSummary[] =>
  [...keys].sort(compareKeys).map((key) => ({ key, size: 1, etag: '"e"', lastModified: new Date(0) }));

const KEYS = ['a', 'a/1', 'a/2', 'a/b/1', 'ab', 'b/x', 'b/y/z', 'c', 'photos/cat', 'photos/dog', 'photoshop'];
const sorted = summaries(KEYS);

function all(options: ListPageOptions): { items: string[]; prefixes: string[] } {
  const items: string[] = [];
  const prefixes: string[] = [];
  let cursor: string | undefined;
  let pages = 0;
  do {
    const page: ListPage = pageFromSorted(sorted, { ...options, cursor });
    items.push(...page.items.map((i) => i.key));
    prefixes.push(...page.prefixes);
    cursor = page.cursor;
    if (++pages > 100) throw new Error('pagination does not terminate');
  } while (cursor !== undefined);
  return { items, prefixes };
}

describe('pageFromSorted', () => {
  it('lists everything in byte order', () => {
    expect(all({}).items).toEqual(KEYS);
  });

  it('filters by prefix, with and without a trailing slash', () => {
    expect(all({ prefix: 'photos/' }).items).toEqual(['photos/cat', 'photos/dog']);
    expect(all({ prefix: 'photo' }).items).toEqual(['photos/cat', 'photos/dog', 'photoshop']);
    expect(all({ prefix: 'a' }).items).toEqual(['a', 'a/1', 'a/2', 'a/b/1', 'ab']);
  });

  it('folds folders with a delimiter', () => {
    expect(all({ delimiter: '/' })).toEqual({
      items: ['a', 'ab', 'c', 'photoshop'],
      prefixes: ['a/', 'b/', 'photos/'],
    });
    expect(all({ delimiter: '/', prefix: 'a/' })).toEqual({ items: ['a/1', 'a/2'], prefixes: ['a/b/'] });
  });

  it.each([1, 2, 3, 7])('pages with limit %i return every entry exactly once', (limit) => {
    expect(all({ limit }).items).toEqual(KEYS);
    expect(all({ limit, delimiter: '/' })).toEqual(all({ delimiter: '/' }));
  });

  it('honours startAfter, including a folder position', () => {
    expect(all({ startAfter: 'ab' }).items).toEqual([
      'b/x',
      'b/y/z',
      'c',
      'photos/cat',
      'photos/dog',
      'photoshop',
    ]);
    expect(all({ startAfter: 'a/', delimiter: '/' })).toEqual({
      items: ['ab', 'c', 'photoshop'],
      prefixes: ['b/', 'photos/'],
    });
  });

  it('a cursor stays valid when keys change behind and ahead of it', () => {
    const first = pageFromSorted(sorted, { limit: 3 });
    expect(first.items.map((i) => i.key)).toEqual(['a', 'a/1', 'a/2']);
    const changed = summaries([...KEYS.filter((k) => k !== 'a/1' && k !== 'c'), '0', 'zz']);
    const rest = pageFromSorted(changed, { cursor: first.cursor });
    expect(rest.items.map((i) => i.key)).toEqual([
      'a/b/1',
      'ab',
      'b/x',
      'b/y/z',
      'photos/cat',
      'photos/dog',
      'photoshop',
      'zz',
    ]);
  });

  it('rejects malformed cursors, limits, delimiters and prefixes', () => {
    const kinds = [
      () => pageFromSorted(sorted, { cursor: 'garbage' }),
      () => pageFromSorted(sorted, { cursor: `${encodeKeyCursor('a')}x!` }),
      () => pageFromSorted(sorted, { limit: 0 }),
      () => pageFromSorted(sorted, { delimiter: '|' as '/' }),
    ].map((f) => {
      try {
        f();
        return 'no error';
      } catch (e) {
        return isStorageError(e) ? e.kind : 'foreign';
      }
    });
    expect(kinds).toEqual(['InvalidInput', 'InvalidInput', 'InvalidInput', 'InvalidInput']);
    expect(() => pageFromSorted(sorted, { prefix: '/x' })).toThrow(/Invalid prefix/);
  });

  it('list() merges objects and folders lazily across pages', async () => {
    const seen: string[] = [];
    for await (const entry of listFromPages(async (o) => pageFromSorted(sorted, o), {
      delimiter: '/',
      pageSize: 2,
    })) {
      seen.push('key' in entry ? entry.key : `[${entry.prefix}]`);
    }
    expect(seen).toEqual(['a', '[a/]', 'ab', '[b/]', 'c', '[photos/]', 'photoshop']);
  });
});
