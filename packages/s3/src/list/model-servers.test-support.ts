import { compareKeys, type ObjectSummary } from '@stowage/core';
import type { ListRequest, ListResponse, ListServer } from './list-server.js';
import { dirOf } from './tree-position.js';

/**
 * Model ListObjectsV2 servers for unit tests of the listing algorithms. The tree model
 * reproduces what SeaweedFS 4.48 was observed to do (see the s3 README, "Listing order");
 * the conformance suite checks the real servers.
 */
export interface ModelServer {
  list: ListServer;
  requests: ListRequest[];
}

const summary = (key: string): ObjectSummary => ({ key, size: 1, etag: '"e"', lastModified: new Date(0) });

function compareSegments(a: string[], b: string[]): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const c = compareKeys(a[i]!, b[i]!);
    if (c !== 0) return c;
  }
  return a.length - b.length;
}

/** Tree order: a walk of the directory tree, each directory's names in byte order. */
export function treeModel(keys: readonly string[]): ModelServer {
  const sorted = [...keys].sort((a, b) => compareSegments(a.split('/'), b.split('/')));
  const requests: ListRequest[] = [];
  const list: ListServer = async (request) => {
    requests.push(request);
    const position = request.token ?? request.startAfter;
    const dir = dirOf(request.prefix);
    if (position !== undefined && !position.startsWith(dir)) {
      throw new Error(`model: StartAfter ${JSON.stringify(position)} outside ${JSON.stringify(dir)}`);
    }
    return request.delimiter === undefined
      ? flatTree(sorted, request, position)
      : levelTree(sorted, request, position);
  };
  return { list, requests };
}

function flatTree(sorted: string[], request: ListRequest, position: string | undefined): ListResponse {
  const at = position?.split('/');
  const matching = sorted.filter((key) => {
    if (!key.startsWith(request.prefix)) return false;
    if (at === undefined) return true;
    const segments = key.split('/');
    // StartAfter names a position in the walk; a name's own folder lies behind it.
    const inside = segments.length > at.length && at.every((s, i) => s === segments[i]);
    return !inside && compareSegments(segments, at) > 0;
  });
  const page = matching.slice(0, request.maxKeys);
  const response: ListResponse = { keys: page.map(summary), folders: [] };
  const last = page.at(-1);
  const rest = matching.slice(page.length);
  // SeaweedFS 4.48 ends the listing early when only the last key's own folder follows.
  const onlyItsFolder = last !== undefined && rest.every((k) => k.startsWith(`${last}/`));
  if (rest.length > 0 && last !== undefined && !onlyItsFolder) {
    // SeaweedFS's token is the position after the last key: into its folder when it has one.
    response.next = sorted.some((k) => k.startsWith(`${last}/`)) ? `${last}/` : last;
  }
  return response;
}

function levelTree(sorted: string[], request: ListRequest, position: string | undefined): ListResponse {
  const dir = dirOf(request.prefix);
  let after: string | undefined;
  if (position !== undefined) {
    const rest = position.slice(dir.length);
    const slash = rest.indexOf('/');
    if (slash >= 0 && slash !== rest.length - 1)
      throw new Error(`model: StartAfter ${position} below the level`);
    after = slash >= 0 ? rest.slice(0, -1) : rest;
  }
  const names = new Map<string, { file: boolean; folder: boolean }>();
  for (const key of sorted) {
    if (!key.startsWith(request.prefix)) continue;
    const rest = key.slice(dir.length);
    const slash = rest.indexOf('/');
    const name = slash < 0 ? rest : rest.slice(0, slash);
    if (after !== undefined && compareKeys(name, after) <= 0) continue;
    const entry = names.get(name) ?? { file: false, folder: false };
    if (slash < 0) entry.file = true;
    else entry.folder = true;
    names.set(name, entry);
  }
  const ordered = [...names.entries()].sort((a, b) => compareKeys(a[0], b[0]));
  const page = ordered.slice(0, request.maxKeys);
  const response: ListResponse = { keys: [], folders: [] };
  for (const [name, { file, folder }] of page) {
    if (file) response.keys.push(summary(dir + name));
    if (folder) response.folders.push(`${dir}${name}/`);
  }
  const last = page.at(-1);
  if (ordered.length > page.length && last !== undefined) response.next = dir + last[0];
  return response;
}

/**
 * Byte order, as S3 specifies. `foldersBeforeStartAfter: 'drop'` reproduces moto, which
 * leaves out a folder that sorts before StartAfter even when keys inside it follow StartAfter.
 */
export function lexicographicModel(
  keys: readonly string[],
  options: { foldersBeforeStartAfter?: 'list' | 'drop' } = {},
): ModelServer {
  const sorted = [...keys].sort(compareKeys);
  const requests: ListRequest[] = [];
  const list: ListServer = async (request) => {
    requests.push(request);
    const position = request.token ?? request.startAfter;
    const entries: string[] = [];
    for (const key of sorted) {
      if (!key.startsWith(request.prefix) || (position !== undefined && compareKeys(key, position) <= 0))
        continue;
      let entry = key;
      if (request.delimiter !== undefined) {
        const slash = key.indexOf('/', request.prefix.length);
        if (slash >= 0) entry = key.slice(0, slash + 1);
      }
      if (entry === entries.at(-1)) continue;
      if (
        entry !== key &&
        options.foldersBeforeStartAfter === 'drop' &&
        request.startAfter !== undefined &&
        compareKeys(entry, request.startAfter) <= 0
      ) {
        continue;
      }
      entries.push(entry);
    }
    const page = entries.slice(0, request.maxKeys);
    const response: ListResponse = {
      keys: page.filter((e) => !e.endsWith('/')).map(summary),
      folders: page.filter((e) => e.endsWith('/')),
    };
    const last = page.at(-1);
    // A token past a folder must skip the rest of it, as S3's opaque tokens do.
    if (entries.length > page.length && last !== undefined)
      response.next = last.endsWith('/') ? `${last}\u{10FFFF}` : last;
    return response;
  };
  return { list, requests };
}
