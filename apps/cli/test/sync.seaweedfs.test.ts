import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describeWithServer, uniqueBucketName } from '@stowage/testkit';
import { afterAll, describe, expect, it } from 'vitest';
import {
  bucketAdmin,
  cleanEnv,
  explain,
  finished,
  json,
  type Run,
  s3Env,
  spawnStowage,
  stowage,
  tempDir,
  writeFiles,
} from './helpers.js';

interface SyncReport {
  copied: number;
  updated: number;
  deleted: number;
  unchanged: number;
  bytes: number;
  failed: unknown[];
  planned?: Array<{ action: string; key: string }>;
}

describeWithServer('seaweedfs', async (target) => {
  const admin = bucketAdmin(target);
  const bucket = uniqueBucketName('cli-sync');
  const other = uniqueBucketName('cli-sync2');
  await admin.createBucket(bucket);
  await admin.createBucket(other);
  afterAll(async () => {
    await admin.deleteBucket(bucket, { force: true });
    await admin.deleteBucket(other, { force: true });
    admin.destroy();
  });

  describe('stowage sync of a 1,000-file tree (SeaweedFS)', () => {
    let env: NodeJS.ProcessEnv;
    let work: string;
    const ok = async (args: string[]): Promise<Run> => {
      const result = await stowage(args, { env, cwd: work, timeoutMs: 120_000 });
      expect(result.code, explain(result)).toBe(0);
      return result;
    };

    it('copies everything once, then only what changed (same-size edits found by sha256), --delete and --dry-run', async () => {
      env = cleanEnv({ ...s3Env(target, bucket), STOWAGE_DATA_DIR: await tempDir('sync-data') });
      work = await tempDir('sync-work');
      const files: Record<string, string> = {};
      for (let i = 0; i < 1000; i++)
        files[`tree/d${i % 10}/s${i % 7}/f${i}.txt`] = `file ${i} `.padEnd(64 + (i % 50), '.');
      await writeFiles(work, files);

      const first = json<SyncReport>(await ok(['sync', './tree', 'mirror/', '--json']));
      expect(first).toMatchObject({ copied: 1000, updated: 0, deleted: 0, unchanged: 0, failed: [] });

      // 5 edits that keep the size, 5 that change it, 5 new files, 5 deleted.
      for (let i = 0; i < 5; i++) {
        const key = `tree/d${i % 10}/s${i % 7}/f${i}.txt`;
        await writeFile(join(work, key), files[key]!.replace('file', 'FILE'));
      }
      for (let i = 5; i < 10; i++) {
        const key = `tree/d${i % 10}/s${i % 7}/f${i}.txt`;
        await writeFile(join(work, key), `${files[key]}+`);
      }
      for (let i = 0; i < 5; i++) await writeFile(join(work, `tree/new-${i}.txt`), `new ${i}`);
      for (let i = 10; i < 15; i++) await rm(join(work, `tree/d${i % 10}/s${i % 7}/f${i}.txt`));

      const plan = json<SyncReport>(
        await ok(['sync', './tree', 'mirror/', '--delete', '--dry-run', '--json']),
      );
      expect(plan).toMatchObject({ copied: 5, updated: 10, deleted: 5, unchanged: 985 });
      expect(plan.planned).toHaveLength(20);
      // The dry run changed nothing.
      const stillOld = await stowage(['cat', 'mirror/d0/s0/f0.txt'], { env, cwd: work });
      expect(stillOld.stdout).toBe(files['tree/d0/s0/f0.txt']);

      const second = json<SyncReport>(await ok(['sync', './tree', 'mirror/', '--delete', '--json']));
      expect(second).toMatchObject({ copied: 5, updated: 10, deleted: 5, unchanged: 985, failed: [] });
      await ok(['verify', './tree', 'mirror/']);
    }, 150_000);

    it('store → store (another bucket) and back to a directory; verify reports missing, extra and differing keys with exit 4', async () => {
      // One tenth of the tree (100 keys) keeps the run short; the paths are the same as for 1,000.
      const copy = `seaweedfs://${other}/copy/`;
      expect(json<SyncReport>(await ok(['sync', 'mirror/d1/', copy, '--json']))).toMatchObject({
        copied: 99,
      });
      expect(json<SyncReport>(await ok(['sync', 'mirror/d1/', copy, '--json']))).toMatchObject({
        copied: 0,
        unchanged: 99,
      });
      await ok(['verify', 'mirror/d1/', copy]);

      await ok(['rm', `${copy}s0/f21.txt`]);
      const edited = await stowage(['put', '-', `${copy}s2/f51.txt`], { env, cwd: work, input: 'edited' });
      expect(edited.code, explain(edited)).toBe(0);
      const extra = await stowage(['put', '-', `${copy}zz-extra.txt`], { env, cwd: work, input: 'extra' });
      expect(extra.code, explain(extra)).toBe(0);
      const result = await stowage(['verify', 'mirror/d1/', copy, '--json'], {
        env,
        cwd: work,
        timeoutMs: 120_000,
      });
      expect(result.code, explain(result)).toBe(4);
      const report = json<{
        missing: string[];
        extra: string[];
        differing: Array<{ key: string }>;
        matching: number;
      }>(result);
      expect(report.missing).toEqual(['s0/f21.txt']);
      expect(report.extra).toEqual(['zz-extra.txt']);
      expect(report.differing.map((d) => d.key)).toEqual(['s2/f51.txt']);
      expect(report.matching).toBe(97);

      const down = join(await tempDir('sync-down'), 'copy');
      expect(json<SyncReport>(await ok(['sync', copy, down, '--json']))).toMatchObject({ copied: 99 });
      expect(await readFile(join(down, 's2/f51.txt'), 'utf8')).toBe('edited');
      expect(json<SyncReport>(await ok(['sync', copy, down, '--json']))).toMatchObject({
        copied: 0,
        unchanged: 99,
      });
    }, 150_000);

    it('Ctrl-C stops a sync cleanly (exit 130, how to resume); running it again completes it', async () => {
      const child = spawnStowage(['sync', './tree/d3', 'interrupted/', '-j', '1'], { env, cwd: work });
      let out = '';
      child.stdout!.on('data', (d: Buffer) => {
        out += d.toString();
        if (out.split('\n').length > 10 && !child.killed) child.kill('SIGINT');
      });
      const stopped = await finished(child, 120_000);
      expect(stopped.code, explain(stopped)).toBe(130);
      expect(stopped.stderr).toContain('run the same sync again to resume');
      const resumed = json<SyncReport>(await ok(['sync', './tree/d3', 'interrupted/', '--json']));
      expect(resumed.copied).toBeGreaterThan(0);
      expect(resumed.copied).toBeLessThan(99);
      expect(resumed.copied + resumed.unchanged).toBe(99);
      await ok(['verify', './tree/d3', 'interrupted/']);
    }, 150_000);
  });
});
