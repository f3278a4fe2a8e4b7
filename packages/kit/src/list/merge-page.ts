import { compareKeys, type ListEntry, type ListPage } from '@stowage/core';

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
