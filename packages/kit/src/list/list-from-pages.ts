import type { ListEntry, ListOptions, ListPage, ListPageOptions } from '@stowage/core';
import { decodeKeyCursor } from './cursor.js';
import { mergePage } from './merge-page.js';
import { assertPageProgress } from './page-progress.js';

/**
 * Implements `list` on top of `listPage`: pages are fetched lazily, and objects and
 * folders of each page are yielded merged in key order.
 * @throws Unexpected when a page does not move forward (see `assertPageProgress`).
 */
export async function* listFromPages(
  listPage: (options: ListPageOptions) => Promise<ListPage>,
  options: ListOptions = {},
  ctx: { operation?: string; backend?: string } = {},
): AsyncGenerator<ListEntry> {
  let cursor: string | undefined;
  let after = options.startAfter;
  const { pageSize, ...rest } = options;
  do {
    const page = await listPage({ ...rest, limit: pageSize ?? 1000, cursor });
    assertPageProgress(page, after, rest, ctx);
    yield* mergePage(page);
    cursor = page.cursor;
    if (cursor !== undefined) after = decodeKeyCursor(cursor, ctx);
  } while (cursor !== undefined);
}

export { mergePage } from './merge-page.js';
