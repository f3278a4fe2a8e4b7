import {
  compareKeys,
  isCommonPrefix,
  type ListEntry,
  type ListPage,
  type ObjectSummary,
} from '@stowage/core';
import { encodeKeyCursor, mergePage } from '@stowage/kit';
import type { Side } from './routing.js';

/** One entry of the two sides' listings at the same position. */
export interface MergedEntry {
  /** A key, or a folder ending in the delimiter. */
  position: string;
  folder: boolean;
  from?: ObjectSummary | true;
  to?: ObjectSummary | true;
}

function positionOf(entry: ListEntry): string {
  return isCommonPrefix(entry) ? entry.prefix : entry.key;
}

/**
 * Merges one page from each side into position order, pairing equal positions. Only
 * positions both pages can vouch for are returned: past the last entry of a side that has
 * more, that side's entries are unknown, so the merge stops there (`bounded`).
 */
export function mergeSidePages(
  fromPage: ListPage,
  toPage: ListPage,
): { entries: MergedEntry[]; bounded: boolean } {
  const a = mergePage(fromPage);
  const b = mergePage(toPage);
  let bound: string | undefined;
  for (const [page, entries] of [
    [fromPage, a],
    [toPage, b],
  ] as const) {
    const last = entries.at(-1);
    if (page.cursor !== undefined && last !== undefined) {
      const pos = positionOf(last);
      if (bound === undefined || compareKeys(pos, bound) < 0) bound = pos;
    }
  }
  const out: MergedEntry[] = [];
  let i = 0;
  let j = 0;
  const put = (entry: ListEntry, side: Side, target?: MergedEntry): MergedEntry => {
    const merged = target ?? { position: positionOf(entry), folder: isCommonPrefix(entry) };
    merged[side] = isCommonPrefix(entry) ? true : entry;
    return merged;
  };
  while (i < a.length || j < b.length) {
    const ea = a[i];
    const eb = b[j];
    let merged: MergedEntry;
    if (eb === undefined) {
      merged = put(ea!, 'from');
      i++;
    } else if (ea === undefined) {
      merged = put(eb, 'to');
      j++;
    } else {
      const c = compareKeys(positionOf(ea), positionOf(eb));
      if (c < 0) {
        merged = put(ea, 'from');
        i++;
      } else if (c > 0) {
        merged = put(eb, 'to');
        j++;
      } else {
        merged = put(eb, 'to', put(ea, 'from'));
        i++;
        j++;
      }
    }
    if (bound !== undefined && compareKeys(merged.position, bound) > 0) break;
    out.push(merged);
  }
  return { entries: out, bounded: bound !== undefined };
}

/**
 * Builds the hybrid page from merged entries: `keep` decides (and picks the summary of)
 * each entry; entries it drops still advance the cursor. At most `limit` entries.
 */
export async function buildPage(
  merged: { entries: MergedEntry[]; bounded: boolean },
  limit: number,
  keep: (entry: MergedEntry) => Promise<ObjectSummary | 'folder' | undefined>,
): Promise<ListPage> {
  const items: ObjectSummary[] = [];
  const prefixes: string[] = [];
  let emitted = 0;
  let last: string | undefined;
  let more = merged.bounded;
  for (const entry of merged.entries) {
    if (emitted === limit) {
      more = true;
      break;
    }
    last = entry.position;
    const kept = await keep(entry);
    if (kept === undefined) continue;
    if (kept === 'folder') prefixes.push(entry.position);
    else items.push(kept);
    emitted++;
  }
  return more && last !== undefined
    ? { items, prefixes, cursor: encodeKeyCursor(last) }
    : { items, prefixes };
}

/**
 * Two listings of the same side from the same position, as one: entries of either, with
 * the completeness bound of the shorter one (past it, one of them saw nothing).
 */
export function unionPages(a: ListPage, b: ListPage): ListPage {
  const bound = [a, b]
    .filter((page) => page.cursor !== undefined)
    .map((page) => lastPosition(page))
    .filter((pos): pos is string => pos !== undefined)
    .sort(compareKeys)[0];
  const within = (pos: string) => bound === undefined || compareKeys(pos, bound) <= 0;
  const items = new Map<string, ObjectSummary>();
  for (const item of [...a.items, ...b.items]) if (within(item.key)) items.set(item.key, item);
  const prefixes = new Set<string>();
  for (const prefix of [...a.prefixes, ...b.prefixes]) if (within(prefix)) prefixes.add(prefix);
  const out: ListPage = {
    items: [...items.values()].sort((x, y) => compareKeys(x.key, y.key)),
    prefixes: [...prefixes].sort(compareKeys),
  };
  // The cursor only signals "more may follow"; mergeSidePages reads the bound from the last entry.
  if (bound !== undefined) out.cursor = encodeKeyCursor(bound);
  return out;
}

function lastPosition(page: ListPage): string | undefined {
  const entries = mergePage(page);
  const last = entries.at(-1);
  return last === undefined ? undefined : positionOf(last);
}
