import { compareKeys } from '../keys/validate-key.js';
import type { ListEntry, ListOptions, ListPage, ListPageOptions } from '../model/object-info.js';

/**
 * Implements `list` on top of `listPage`: pages are fetched lazily, and objects and
 * folders of each page are yielded merged in key order.
 */
export async function* listFromPages(
  listPage: (options: ListPageOptions) => Promise<ListPage>,
  options: ListOptions = {},
): AsyncGenerator<ListEntry> {
  let cursor: string | undefined;
  const { pageSize, ...rest } = options;
  do {
    const page = await listPage({ ...rest, limit: pageSize ?? 1000, cursor });
    yield* mergePage(page);
    cursor = page.cursor;
  } while (cursor !== undefined);
}

/** A page's objects and folders as one key-ordered sequence. */
export function mergePage(page: ListPage): ListEntry[] {
  const out: ListEntry[] = [];
  let i = 0;
  let j = 0;
  while (i < page.items.length || j < page.prefixes.length) {
    const item = page.items[i];
    const prefix = page.prefixes[j];
    if (prefix === undefined || (item !== undefined && compareKeys(item.key, prefix) < 0)) {
      out.push(item!);
      i++;
    } else {
      out.push({ prefix });
      j++;
    }
  }
  return out;
}
