import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { explain, json, ndjson, type Run, sha256, shell, stowage, tempDir, writeFiles } from './helpers.js';

export interface Target {
  /** The CLI's environment for this store. */
  env: NodeJS.ProcessEnv;
  /** Whether a presigned URL can be fetched right away (a server answers it). */
  presignFetchable: boolean;
}

/**
 * Every object command, run as a subprocess against one store: the same scenario for local
 * mode and for SeaweedFS.
 */
export function describeObjectCommands(name: string, setup: () => Promise<Target>): void {
  describe(`stowage object commands (${name})`, () => {
    let target: Target;
    let work: string;
    const run = (args: string[], input?: string | Buffer) =>
      stowage(args, { env: target.env, cwd: work, ...(input === undefined ? {} : { input }) });
    const ok = async (args: string[], input?: string | Buffer): Promise<Run> => {
      const result = await run(args, input);
      expect(result.code, explain(result)).toBe(0);
      return result;
    };
    const files = {
      'site/index.html': '<!doctype html><title>hi</title>',
      'site/css/app.css': 'body { color: red }',
      'site/img/logo.bin': Buffer.alloc(70_000, 7),
      'site/docs/a b+c%.txt': 'odd name',
      'notes.txt': 'plain notes\n',
    };

    beforeAll(async () => {
      target = await setup();
      work = await tempDir(`objects-${name}`);
      await writeFiles(work, files);
    });

    it('put: a file, a directory recursively, and stdin; --json is one document', async () => {
      const single = await ok(['put', 'notes.txt', '--json']);
      expect(json<{ uploaded: Array<{ to: string; size: number }> }>(single).uploaded).toEqual([
        { from: 'notes.txt', to: 'notes.txt', size: 12 },
      ]);
      const tree = json<{ files: number; bytes: number }>(await ok(['put', './site', 'web/site', '--json']));
      expect(tree.files).toBe(4);
      const siteBytes = Object.entries(files)
        .filter(([k]) => k.startsWith('site/'))
        .reduce((n, [, v]) => n + Buffer.byteLength(v), 0);
      expect(tree.bytes).toBe(siteBytes);
      const piped = await ok(['put', '-', 'stdin/data.txt'], 'from stdin');
      expect(piped.stdout).toContain('- → stdin/data.txt');
    });

    it('ls: one level, recursive, long with human sizes, NDJSON', async () => {
      const top = await ok(['ls']);
      expect(top.stdout.split('\n').filter(Boolean)).toEqual(['notes.txt', 'stdin/', 'web/']);
      const deep = await ok(['ls', '-r', 'web/']);
      expect(deep.stdout.split('\n').filter(Boolean)).toEqual([
        'web/site/css/app.css',
        'web/site/docs/a b+c%.txt',
        'web/site/img/logo.bin',
        'web/site/index.html',
      ]);
      const long = await ok(['ls', '-lHr', '--summarize', 'web/site/img/']);
      expect(long.stdout).toMatch(/\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\s+68 KiB\s+web\/site\/img\/logo\.bin/);
      expect(long.stdout).toContain('1 objects, 68 KiB');
      const entries = ndjson<{ key?: string; prefix?: string; size?: number }>(
        await ok(['ls', '--json', 'web/site/']),
      );
      expect(entries).toEqual([
        { prefix: 'web/site/css/' },
        { prefix: 'web/site/docs/' },
        { prefix: 'web/site/img/' },
        expect.objectContaining({
          key: 'web/site/index.html',
          size: Buffer.byteLength(files['site/index.html']),
        }),
      ]);
    });

    it('head and cat: info with the sha256, bytes to stdout, byte ranges', async () => {
      const info = json<{ size: number; sha256?: string; contentType: string }>(
        await ok(['head', '--json', 'web/site/img/logo.bin']),
      );
      expect(info.size).toBe(70_000);
      expect(info.sha256).toBe(sha256(files['site/img/logo.bin'] as Buffer));
      expect((await ok(['cat', 'notes.txt', 'stdin/data.txt'])).stdout).toBe('plain notes\nfrom stdin');
      expect((await ok(['cat', '--range', '6-10', 'notes.txt'])).stdout).toBe('notes');
      const human = await ok(['head', 'web/site/index.html']);
      expect(human.stdout).toMatch(/content-type:\s+text\/html/);
    });

    it('a pipe: stowage cat a | stowage put - b', async () => {
      const piped = await shell(
        'stowage cat web/site/img/logo.bin | stowage put - copies/logo.bin && stowage cat copies/logo.bin | sha256sum',
        {
          env: target.env,
          cwd: work,
        },
      );
      expect(piped.code, explain(piped)).toBe(0);
      expect(piped.stdout).toContain(sha256(files['site/img/logo.bin'] as Buffer));
    });

    it('get: a file, a prefix recursively into a directory, and to stdout', async () => {
      const out = await tempDir(`get-${name}`);
      await ok(['get', 'notes.txt', join(out, 'n.txt')]);
      expect(await readFile(join(out, 'n.txt'), 'utf8')).toBe('plain notes\n');
      await ok(['get', '-r', 'web/site', join(out, 'mirror')]);
      expect(await readFile(join(out, 'mirror', 'docs', 'a b+c%.txt'), 'utf8')).toBe('odd name');
      expect(await readFile(join(out, 'mirror', 'img', 'logo.bin'))).toEqual(files['site/img/logo.bin']);
      // A named destination receives the prefix's contents; several sources go under their names.
      await ok(['get', 'web/site/css/', join(out, 'styles')]);
      expect(await readFile(join(out, 'styles', 'app.css'), 'utf8')).toBe('body { color: red }');
      await mkdir(join(out, 'both'));
      await ok(['get', 'notes.txt', 'web/site/css/', join(out, 'both')]);
      expect((await readdir(join(out, 'both'))).sort()).toEqual(['css', 'notes.txt']);
      expect((await ok(['get', 'web/site/index.html', '-'])).stdout).toBe(files['site/index.html']);
      // No partial-download leftovers anywhere.
      const names = await readdir(out, { recursive: true });
      expect(names.filter((n) => n.includes('.stowage-'))).toEqual([]);
    });

    it('cp and mv within the store, and mv of a prefix', async () => {
      await ok(['cp', 'notes.txt', 'archive/']);
      await ok(['cp', '-r', 'web/site/css/', 'archive/css/']);
      await ok(['mv', 'archive/notes.txt', 'archive/notes-moved.txt']);
      await ok(['mv', '-r', 'archive/css/', 'archive/styles/']);
      const keys = ndjson<{ key: string }>(await ok(['ls', '-r', '--json', 'archive/'])).map((e) => e.key);
      expect(keys).toEqual(['archive/notes-moved.txt', 'archive/styles/app.css']);
      expect((await ok(['cat', 'archive/styles/app.css'])).stdout).toBe('body { color: red }');
    });

    it('rm: a prefix needs --recursive; --dry-run deletes nothing; missing keys exit 3', async () => {
      const refused = await run(['rm', 'archive/']);
      expect(refused.code, explain(refused)).toBe(2);
      expect(refused.stderr).toContain('--recursive');
      const plan = json<{ dryRun: boolean; deleted: number; keys: string[] }>(
        await ok(['rm', '-r', '--dry-run', '--json', 'archive/']),
      );
      expect(plan).toMatchObject({ dryRun: true, deleted: 2 });
      expect((await ok(['ls', '-r', 'archive/'])).stdout.split('\n').filter(Boolean)).toHaveLength(2);
      await ok(['rm', '-r', 'archive/']);
      expect((await ok(['ls', '-r', 'archive/'])).stdout).toBe('');
      await ok(['rm', 'copies/logo.bin']);
      const missing = await run(['rm', 'copies/logo.bin']);
      expect(missing.code, explain(missing)).toBe(3);
      await ok(['rm', '--force', 'copies/logo.bin']);
    });

    it('presign: a GET URL (and a PUT request) that work until they expire', async () => {
      const url = (await ok(['presign', 'notes.txt', '--expires', '10m'])).stdout.trim();
      expect(url).toMatch(/^http:\/\//);
      const put = json<{ method: string; url: string; headers: Record<string, string> }>(
        await ok(['presign', '--put', '--json', 'uploads/x.txt']),
      );
      expect(put.method).toBe('PUT');
      if (target.presignFetchable) {
        expect(await (await fetch(url)).text()).toBe('plain notes\n');
        const uploaded = await fetch(put.url, {
          method: 'PUT',
          headers: put.headers,
          body: 'via presigned put',
        });
        expect(uploaded.status).toBeLessThan(300);
        expect((await ok(['cat', 'uploads/x.txt'])).stdout).toBe('via presigned put');
      }
    });

    it('exit codes and messages: not found 3, invalid key 2, missing local file 3', async () => {
      const notFound = await run(['get', 'nope/none.txt', '-']);
      expect(notFound.code, explain(notFound)).toBe(3);
      expect(notFound.stderr).toMatch(/^stowage: NotFound: /m);
      expect(notFound.stderr).not.toMatch(/\n\s+at /);
      const invalid = await run(['put', 'notes.txt', 'bad//key.txt']);
      expect(invalid.code, explain(invalid)).toBe(2);
      expect(invalid.stderr).toContain('InvalidKey');
      const noFile = await run(['put', './no-such-file.txt']);
      expect(noFile.code, explain(noFile)).toBe(3);
      expect(noFile.stderr).toContain('No such file or directory: ./no-such-file.txt');
      const asJson = await run(['head', '--json', 'nope/none.txt']);
      expect(asJson.code).toBe(3);
      expect(JSON.parse(asJson.stderr)).toMatchObject({ error: { kind: 'NotFound' }, exitCode: 3 });
      const verbose = await run(['head', '--verbose', 'nope/none.txt']);
      expect(verbose.stderr).toMatch(/\n\s+at /);
    });

    it('sync and verify: directory → store → directory, then only the changes; exit 4 on differences', async () => {
      const tree: Record<string, string> = {};
      for (let i = 0; i < 20; i++) tree[`tree/d${i % 3}/f${i}.txt`] = `file number ${i}\n`;
      await writeFiles(work, tree);
      type Report = {
        copied: number;
        updated: number;
        deleted: number;
        unchanged: number;
        failed: unknown[];
      };
      expect(json<Report>(await ok(['sync', './tree', 'synced/', '--json']))).toMatchObject({
        copied: 20,
        unchanged: 0,
      });
      // Same size, other bytes: only the sha256 tells.
      await writeFile(join(work, 'tree/d0/f0.txt'), 'file number X\n');
      await writeFile(join(work, 'tree/d1/f1.txt'), 'longer than it was\n');
      const diff = await run(['verify', './tree', 'synced/', '--json']);
      expect(diff.code, explain(diff)).toBe(4);
      expect(json<{ differing: Array<{ key: string; reason: string }> }>(diff).differing).toEqual([
        expect.objectContaining({ key: 'd0/f0.txt', reason: 'sha256' }),
        expect.objectContaining({ key: 'd1/f1.txt', reason: 'size' }),
      ]);
      expect(json<Report>(await ok(['sync', './tree', 'synced/', '--json']))).toMatchObject({
        copied: 0,
        updated: 2,
        unchanged: 18,
      });
      await ok(['verify', './tree', 'synced/']);
      const down = join(await tempDir(`sync-down-${name}`), 'copy');
      expect(json<Report>(await ok(['sync', 'synced/', down, '--json']))).toMatchObject({ copied: 20 });
      expect(await readFile(join(down, 'd0/f0.txt'), 'utf8')).toBe('file number X\n');
      const same = await ok(['verify', 'synced', down]);
      expect(same.stdout).toContain('20 matching, 0 missing, 0 extra, 0 differing');
    });

    it('put --no-overwrite refuses to replace; metadata and content type flags are kept', async () => {
      await writeFile(join(work, 'meta.dat'), 'x');
      await ok(['put', 'meta.dat', 'meta/one.dat', '--content-type', 'text/x-custom', '-m', 'owner=ann']);
      const info = json<{ contentType: string; metadata: Record<string, string> }>(
        await ok(['head', '--json', 'meta/one.dat']),
      );
      expect(info.contentType).toBe('text/x-custom');
      expect(info.metadata).toEqual({ owner: 'ann' });
      const refused = await run(['put', 'meta.dat', 'meta/one.dat', '--no-overwrite']);
      expect(refused.code, explain(refused)).toBe(1);
      expect(refused.stderr).toContain('AlreadyExists');
    });
  });
}
