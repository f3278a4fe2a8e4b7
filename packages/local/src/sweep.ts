import type { Dirent } from 'node:fs';
import { lstat, readdir, readFile, stat, unlink } from 'node:fs/promises';
import { type JournalHolder, removeDir } from './folders.js';
import { errnoCode } from './fs-errors.js';
import { isSidecarName, isTempName } from './reserved-names.js';

export interface SweepResult {
  tempFiles: number;
  orphanSidecars: number;
  emptyDirs: number;
}

/**
 * Removes what crashed writes leave behind: temp files older than `olderThanMs` (younger
 * ones may belong to writes in flight), sidecars whose body is gone, and directories left
 * empty. Never follows symlinks. Objects are never touched.
 */
export async function sweepDebris(
  root: string,
  olderThanMs: number,
  nowMs: number,
  journal?: JournalHolder,
): Promise<SweepResult> {
  const result: SweepResult = { tempFiles: 0, orphanSidecars: 0, emptyDirs: 0 };
  await sweepDir(root, true);
  return result;

  async function sweepDir(dir: string, isRoot: boolean): Promise<void> {
    let entries: Dirent[];
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch (error) {
      if (errnoCode(error) === 'ENOENT' || errnoCode(error) === 'ENOTDIR') return;
      throw error;
    }
    for (const e of entries) {
      const path = `${dir}/${e.name}`;
      if (e.isDirectory()) {
        await sweepDir(path, false);
      } else if (e.isFile() && isTempName(e.name)) {
        const st = await lstat(path).catch(() => undefined);
        if (
          st !== undefined &&
          nowMs - st.mtimeMs >= olderThanMs &&
          (await unlink(path).then(
            () => true,
            () => false,
          ))
        ) {
          result.tempFiles++;
        }
      } else if (e.isFile() && isSidecarName(e.name)) {
        const name = await readFile(path, 'utf8').then(
          (text) => (JSON.parse(text) as { name?: unknown }).name,
          () => undefined,
        );
        const bodyGone =
          typeof name === 'string' &&
          !name.includes('/') &&
          (await stat(`${dir}/${name}`).then(
            () => false,
            (error: unknown) => errnoCode(error) === 'ENOENT',
          ));
        if (
          bodyGone &&
          (await unlink(path).then(
            () => true,
            () => false,
          ))
        )
          result.orphanSidecars++;
      }
    }
    if (!isRoot && (await removeDir(dir, journal))) result.emptyDirs++;
  }
}
