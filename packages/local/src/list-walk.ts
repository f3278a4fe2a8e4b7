import type { Dirent } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { compareKeys, keyProblem } from '@stowage/core';
import { isAfter, levelFolder } from '@stowage/kit';
import { errnoCode } from './fs-errors.js';
import { isReservedName } from './reserved-names.js';

export type WalkEntry = { kind: 'file'; key: string; path: string } | { kind: 'folder'; prefix: string };

interface Named {
  name: string;
  /** The name as it sorts among its siblings: directories sort as "name/" (all their keys start so). */
  sortKey: Buffer;
  dir: boolean;
}

/**
 * Yields the keys under `prefix` in UTF-8 byte order straight from the directory tree, with
 * no index: directories are read one at a time and sorted, only directories that can hold
 * matching keys are entered, and subtrees wholly at or before `after` are skipped. With
 * `delimiter`, each first-level directory below the prefix becomes one folder, reported only
 * if it holds a key after `after` (directories holding no keys are never reported).
 * Symbolic links, reserved (temp, sidecar) names and special files are never listed or followed.
 */
export async function* walkKeys(
  rootPath: string,
  prefix: string,
  after: string | undefined,
  delimiter: '/' | undefined,
): AsyncGenerator<WalkEntry> {
  const cut = prefix.lastIndexOf('/') + 1;
  const startKey = prefix.slice(0, cut);
  const namePrefix = prefix.slice(cut);
  const skipFolder = levelFolder(prefix, after, delimiter);
  const startPath = startKey === '' ? rootPath : `${rootPath}/${startKey.slice(0, -1)}`;
  yield* walkDir(startKey, startPath, namePrefix, true);

  async function* walkDir(
    dirKey: string,
    dirPath: string,
    namePrefix: string,
    top: boolean,
  ): AsyncGenerator<WalkEntry> {
    for (const entry of await readSorted(dirPath, namePrefix)) {
      const path = `${dirPath}/${entry.name}`;
      if (!entry.dir) {
        const key = dirKey + entry.name;
        if (isAfter(key, after, skipFolder)) yield { kind: 'file', key, path };
        continue;
      }
      const sub = `${dirKey}${entry.name}/`;
      // Every key below `sub` starts with it: if `sub` sorts before `after` and is not a
      // prefix of it, the whole subtree is already behind the cursor.
      if (after !== undefined && compareKeys(sub, after) <= 0 && !after.startsWith(sub)) continue;
      if (sub === skipFolder) continue;
      if (delimiter !== undefined && top) {
        for await (const _ of walkDir(sub, path, '', false)) {
          yield { kind: 'folder', prefix: sub };
          break;
        }
        continue;
      }
      yield* walkDir(sub, path, '', false);
    }
  }
}

async function readSorted(dirPath: string, namePrefix: string): Promise<Named[]> {
  let dirents: Dirent[];
  try {
    dirents = await readdir(dirPath, { withFileTypes: true });
  } catch (error) {
    const code = errnoCode(error);
    // Gone (deleted concurrently), or not a directory (the prefix names a file): nothing to list.
    if (code === 'ENOENT' || code === 'ENOTDIR') return [];
    throw error;
  }
  const out: Named[] = [];
  for (const d of dirents) {
    if (isReservedName(d.name) || (namePrefix !== '' && !d.name.startsWith(namePrefix))) continue;
    const dir = d.isDirectory();
    if (!dir && !d.isFile()) continue; // symlinks, sockets, fifos: not objects, never followed
    // Files a person dropped in with names no key can have (backslash, control characters).
    if (keyProblem(d.name) !== undefined) continue;
    out.push({ name: d.name, dir, sortKey: Buffer.from(dir ? `${d.name}/` : d.name, 'utf8') });
  }
  out.sort((a, b) => Buffer.compare(a.sortKey, b.sortKey));
  return out;
}
