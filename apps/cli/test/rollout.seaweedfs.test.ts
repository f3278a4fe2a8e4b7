import { type ChildProcess, spawn } from 'node:child_process';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isCommonPrefix } from '@stowage/core';
import { routeFor } from '@stowage/hybrid';
import { S3ObjectStore } from '@stowage/s3';
import { describeWithServer, freshPostgresDatabase, uniqueBucketName } from '@stowage/testkit';
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

const FOLLOWER = fileURLToPath(new URL('./fixtures/follower.mjs', import.meta.url));

interface MigrateReport {
  moved: number;
  verified: number;
  skipped: number;
  failed: unknown[];
  completed: boolean;
  percentage: number;
  resumedAfter?: string;
  thisRun?: { moved: number; verified: number };
}

/** Resolves with the first stdout line matching `pattern`. */
function waitForLine(child: ChildProcess, pattern: RegExp, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    let buffer = '';
    const timer = setTimeout(
      () => reject(new Error(`no line matching ${pattern} within ${timeoutMs} ms; got: ${buffer}`)),
      timeoutMs,
    );
    const onData = (d: Buffer) => {
      buffer += d.toString();
      const line = buffer.split('\n').find((l) => pattern.test(l));
      if (line !== undefined) {
        clearTimeout(timer);
        child.stdout!.off('data', onData);
        resolve(line);
      }
    };
    child.stdout!.on('data', onData);
  });
}

describeWithServer('seaweedfs', async (target) => {
  const database = await freshPostgresDatabase('cli_rollout');
  const admin = bucketAdmin(target);
  const bucket = uniqueBucketName('cli-hybrid');
  await admin.createBucket(bucket);
  const seaweed = new S3ObjectStore({
    provider: 'seaweedfs',
    bucket,
    endpoint: target.endpoint,
    region: target.region,
    forcePathStyle: true,
    credentials: { accessKeyId: target.accessKeyId, secretAccessKey: target.secretAccessKey },
  });
  afterAll(async () => {
    seaweed.destroy();
    await admin.deleteBucket(bucket, { force: true });
    admin.destroy();
    await database.drop();
  });

  /** Hybrid mode: a local data directory → SeaweedFS, sharing one PostgreSQL database. */
  const hybridEnv = (dataDir: string, rollout: string) =>
    cleanEnv({
      ...s3Env(target, bucket, 'hybrid'),
      STOWAGE_HYBRID_FROM: 'local',
      STOWAGE_HYBRID_TO: 'seaweedfs',
      STOWAGE_DATABASE_URL: database.url,
      STOWAGE_ROLLOUT: rollout,
      STOWAGE_DATA_DIR: dataDir,
      STOWAGE_AUTH_SECRET: 'cli-test-secret-0123456789abcdef',
    });

  describe('stowage rollout and migrate (hybrid: local → SeaweedFS, PostgreSQL)', () => {
    it('rollout set reaches a separately running process on the same database', async () => {
      const env = hybridEnv(await tempDir('follow'), 'cli-follow');
      const follower = spawn(process.execPath, [FOLLOWER], { env, stdio: ['pipe', 'pipe', 'pipe'] });
      let followerErr = '';
      follower.stderr.on('data', (d: Buffer) => {
        followerErr += d.toString();
      });
      try {
        expect(await waitForLine(follower, /^ready /, 30_000)).toBe('ready 0');
        const status = await stowage(['rollout', 'status', '--json'], { env });
        expect(status.code, explain(status)).toBe(0);
        expect(json(status)).toMatchObject({
          rollout: 'cli-follow',
          percentage: 0,
          database: 'server',
          shared: true,
        });

        const seen = waitForLine(follower, /^percentage 40$/, 15_000);
        const set = await stowage(['rollout', 'set', '40', '--json'], { env });
        expect(set.code, explain(set)).toBe(0);
        expect(json(set)).toMatchObject({ rollout: 'cli-follow', percentage: 40, previous: 0, shared: true });
        await seen;

        const back = waitForLine(follower, /^percentage 15$/, 15_000);
        expect((await stowage(['rollout', 'set', '15'], { env })).stdout).toContain('40% → 15%');
        await back;

        const refused = await stowage(['rollout', 'set', '101'], { env });
        expect(refused.code, explain(refused)).toBe(2);
        const stale = await stowage(['rollout', 'set', '20', '--expect-version', '1'], { env });
        expect(stale.code, explain(stale)).toBe(1);
        expect(stale.stderr).toContain('Conflict');
      } finally {
        follower.stdin.end();
        const closed = await finished(follower, 15_000).catch(() => undefined);
        if (closed === undefined) follower.kill('SIGKILL');
        expect(followerErr).toBe('');
      }
    }, 90_000);

    it('migrate killed with SIGKILL at ~30% and resumed: every key verified, none copied twice', async () => {
      const dataDir = await tempDir('migrate');
      const env = hybridEnv(dataDir, 'cli-migrate');
      const work = await tempDir('migrate-work');
      const files: Record<string, string> = {};
      for (let i = 0; i < 300; i++) files[`tree/g${i % 6}/k${i}.txt`] = `object ${i} `.repeat(20 + (i % 30));
      await writeFiles(work, files);
      const run = async (args: string[]): Promise<Run> => {
        const result = await stowage(args, { env, cwd: work, timeoutMs: 120_000 });
        expect(result.code, explain(result)).toBe(0);
        return result;
      };
      // At 0% every key is written to the local side.
      await run(['put', './tree', 'm/']);
      expect((await seaweed.listPage({ prefix: 'm/', limit: 1 })).items).toHaveLength(0);
      await run(['rollout', 'set', '50']);
      const keys = Object.keys(files).map((f) => `m/${f.slice('tree/'.length)}`);
      const routed = keys.filter((k) => routeFor(k, 50) === 'to');
      expect(routed.length).toBeGreaterThan(100);

      const dry = json<{ wouldMove: number; moved: number }>(await run(['migrate', '--dry-run', '--json']));
      expect(dry).toMatchObject({ wouldMove: routed.length, moved: 0 });

      const child = spawnStowage(
        ['migrate', '--json', '--progress', 'ndjson', '--concurrency', '1', '--checkpoint-every', '10'],
        { env, cwd: work },
      );
      let stderr = '';
      child.stderr!.on('data', (d: Buffer) => {
        stderr += d.toString();
        for (const line of stderr.split('\n')) {
          const moved = /"moved":(\d+)/.exec(line);
          if (moved !== null && Number(moved[1]) >= routed.length * 0.3 && !child.killed)
            child.kill('SIGKILL');
        }
      });
      const killed = await finished(child, 120_000);
      expect(killed.signal, explain(killed)).toBe('SIGKILL');

      const atKill = new Map<string, string>();
      for await (const entry of seaweed.list({ prefix: 'm/' })) {
        if (!isCommonPrefix(entry))
          atKill.set(entry.key, `${entry.etag} ${entry.lastModified.toISOString()}`);
      }
      expect(atKill.size).toBeGreaterThan(0);
      expect(atKill.size).toBeLessThan(routed.length);

      const report = json<MigrateReport>(await run(['migrate', '--json']));
      expect(report).toMatchObject({ completed: true, failed: [], percentage: 50 });
      const movedThisRun = report.thisRun?.moved ?? report.moved;
      // Each routed key was copied exactly once: before the kill, or by the resumed run.
      expect(atKill.size + movedThisRun).toBe(routed.length);
      expect(report.thisRun?.verified ?? report.verified).toBe(movedThisRun);

      const after = new Map<string, string>();
      for await (const entry of seaweed.list({ prefix: 'm/' })) {
        if (!isCommonPrefix(entry)) after.set(entry.key, `${entry.etag} ${entry.lastModified.toISOString()}`);
      }
      expect([...after.keys()].sort()).toEqual([...routed].sort());
      for (const [key, version] of atKill) expect(after.get(key), key).toBe(version);
      const local = (
        await readdir(join(dataDir, 'objects', 'm'), { recursive: true, withFileTypes: true })
      ).filter((d) => d.isFile() && !d.name.startsWith('.stowage-'));
      expect(local).toHaveLength(keys.length - routed.length);
      // Every key, wherever it now lives, has the bytes it was written with.
      await run(['verify', './tree', 'm/']);
      const again = json<MigrateReport>(await run(['migrate', '--json']));
      expect(again.moved).toBe(0);
    }, 150_000);
  });
});
