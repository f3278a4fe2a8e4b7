import { isStorageError, type ListPage, type ListPageOptions, type ObjectSummary } from '@stowage/core';
import { describe, expect, it } from 'vitest';
import { encodeKeyCursor } from './cursor.js';
import { listFromPages } from './list-from-pages.js';
import { assertPageProgress } from './page-progress.js';

const item = (key: string): ObjectSummary => ({ key, size: 1, etag: '"e"', lastModified: new Date(0) });
const page = (keys: string[], prefixes: string[] = [], cursor?: string): ListPage => {
  const p: ListPage = { items: keys.map(item), prefixes };
  if (cursor !== undefined) p.cursor = encodeKeyCursor(cursor);
  return p;
};

function kindOf(run: () => unknown): string {
  try {
    run();
    return 'ok';
  } catch (error) {
    return isStorageError(error) ? error.kind : 'foreign';
  }
}

describe('assertPageProgress', () => {
  it('accepts a page that moves forward', () => {
    expect(kindOf(() => assertPageProgress(page(['b', 'c'], [], 'c'), 'a', {}))).toBe('ok');
    expect(kindOf(() => assertPageProgress(page([], [], 'b'), 'a', {}))).toBe('ok');
  });

  it('refuses entries at or before the position, out of order, or a cursor that stays put', () => {
    expect(kindOf(() => assertPageProgress(page(['a', 'b']), 'a', {}))).toBe('Unexpected');
    expect(kindOf(() => assertPageProgress(page(['c', 'b']), 'a', {}))).toBe('Unexpected');
    expect(kindOf(() => assertPageProgress(page([], [], 'a'), 'a', {}))).toBe('Unexpected');
    expect(kindOf(() => assertPageProgress(page(['a/']), 'a/', { delimiter: '/' }))).toBe('Unexpected');
  });

  it('allows the folder that holds a start position below the listed level, first only', () => {
    expect(kindOf(() => assertPageProgress(page(['c'], ['bo/'], 'c'), 'bo/x', { delimiter: '/' }))).toBe(
      'ok',
    );
    expect(kindOf(() => assertPageProgress(page([], ['bo/'], 'bo/'), 'bo/x', { delimiter: '/' }))).toBe('ok');
    expect(kindOf(() => assertPageProgress(page(['a'], ['bo/']), 'bo/x', { delimiter: '/' }))).toBe(
      'Unexpected',
    );
    expect(kindOf(() => assertPageProgress(page([], ['bo/']), 'bo/x', {}))).toBe('Unexpected');
  });
});

describe('listFromPages', () => {
  it('fails with Unexpected instead of looping when a store repeats a page', async () => {
    const stuck = async (_: ListPageOptions) => page(['a', 'b'], [], 'b');
    const seen: string[] = [];
    const error = await (async () => {
      for await (const entry of listFromPages(stuck, {}, { backend: 'broken' })) {
        seen.push('key' in entry ? entry.key : entry.prefix);
      }
    })().catch((e: unknown) => e);
    expect(isStorageError(error, 'Unexpected')).toBe(true);
    expect((error as Error).message).toMatch(/broken returned a listing page that goes backwards/);
    expect(seen).toEqual(['a', 'b']);
  });
});
