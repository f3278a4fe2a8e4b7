import { compareKeys } from '@stowage/core';

/** "/" — every byte below it sorts a name's continuation before the name's folder. */
export const SLASH = 0x2f;

/**
 * A string that sorts immediately before `name`: no real key segment lies between the two.
 * Used as a server StartAfter that lets `name` itself (and its folder) be listed.
 */
export function justBefore(name: string): string {
  const chars = [...name];
  const last = chars.pop()?.codePointAt(0) ?? 0;
  let previous = last - 1;
  if (previous < 0) return chars.join('');
  // Lone surrogates cannot be encoded; the code point order skips them, so step over.
  if (previous >= 0xd800 && previous <= 0xdfff) previous = 0xd7ff;
  // "/" would split the name into two segments; no segment holds it, so "." serves as well.
  if (previous === SLASH) previous = SLASH - 1;
  // U+10FFFF is the largest code point, and no real key holds it, so nothing sorts between.
  return `${chars.join('')}${String.fromCodePoint(previous)}\u{10FFFF}`;
}

/** The directory part of a prefix: everything up to and including its last "/". */
export function dirOf(prefix: string): string {
  return prefix.slice(0, prefix.lastIndexOf('/') + 1);
}

/**
 * The shortest proper prefix of `name`, at least `min` characters long, that is followed
 * by a byte below "/". A folder of that name would list after `name` in byte order yet
 * before it in tree order.
 */
function overtakingStem(name: string, min: number): string | undefined {
  for (let j = Math.max(1, min); j < name.length; j++) {
    if (name.charCodeAt(j) < SLASH) return name.slice(0, j);
  }
  return undefined;
}

/**
 * Where a tree-order server (see `tree-walk.ts`) must start a flat listing of `prefix` so
 * that it returns every key after the byte position `after`: `undefined` for the
 * beginning, `null` when nothing under the prefix can follow `after`.
 *
 * Keys after `after` in byte order come after it in tree order too, except inside a
 * folder `q/` where `q` is a stem of one of `after`'s segments followed by a byte below
 * "/" (`report/…` sorts after `report.pdf` but is walked before it). So the start is just
 * before the shallowest, shortest such stem; without one it is right after `after`
 * itself, its own folder included (`after + "/"`).
 */
export function treeStart(prefix: string, after: string | undefined): string | undefined | null {
  if (after === undefined) return undefined;
  if (!after.startsWith(prefix)) return compareKeys(after, prefix) < 0 ? undefined : null;
  const dir = dirOf(prefix);
  const segments = after.slice(dir.length).split('/');
  let base = dir;
  for (const [i, name] of segments.entries()) {
    const stem = overtakingStem(name, i === 0 ? prefix.length - dir.length : 1);
    if (stem !== undefined) return base + justBefore(stem);
    base += `${name}/`;
  }
  return after.endsWith('/') ? after : `${after}/`;
}

/**
 * Where a tree-order server must start a delimited listing of `prefix`'s level so that it
 * returns every entry after `after` (a key or folder at that level).
 */
export function treeLevelStart(prefix: string, after: string | undefined): string | undefined | null {
  if (after === undefined) return undefined;
  if (!after.startsWith(prefix)) return compareKeys(after, prefix) < 0 ? undefined : null;
  const dir = dirOf(prefix);
  const rest = after.slice(dir.length);
  if (rest === '') return undefined;
  const folder = rest.endsWith('/');
  const name = folder ? rest.slice(0, -1) : rest;
  const stem = overtakingStem(name, prefix.length - dir.length);
  if (stem !== undefined) return dir + justBefore(stem);
  // After a folder: the server skips the name and its folder, both already listed.
  // After a key: its folder (if any) still follows it, so start just before the name.
  return folder ? dir + name : dir + justBefore(name);
}
