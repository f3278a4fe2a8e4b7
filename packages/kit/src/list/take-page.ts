import { isCommonPrefix, type ListEntry, type ListPage } from '@stowage/core';
import { encodeKeyCursor } from './cursor.js';

/** Pages this large or larger are not peeked past: a server page holds at most 1,000 keys. */
export const PEEK_BELOW = 1000;

/**
 * One page from a listing: up to `limit` entries, and a cursor (the last position) when more
 * may follow. Below `PEEK_BELOW` one more entry is read, to leave the cursor out of a last
 * page that is exactly full (adapters fetch `limit + 1` up front, so it is at hand); a full
 * page of 1,000 or more always carries a cursor, and the page after it may be empty, since
 * peeking would cost a request the next page makes anyway. The listing is closed either way.
 */
export async function takePage(entries: AsyncIterator<ListEntry>, limit: number): Promise<ListPage> {
  const page: ListPage = { items: [], prefixes: [] };
  let last: string | undefined;
  try {
    for (let n = 0; n < limit; n++) {
      const next = await entries.next();
      if (next.done) return page;
      if (isCommonPrefix(next.value)) {
        page.prefixes.push(next.value.prefix);
        last = next.value.prefix;
      } else {
        page.items.push(next.value);
        last = next.value.key;
      }
    }
    const more = limit >= PEEK_BELOW || !(await entries.next()).done;
    if (more && last !== undefined) page.cursor = encodeKeyCursor(last);
    return page;
  } finally {
    await entries.return?.(undefined);
  }
}
