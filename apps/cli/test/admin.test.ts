import { utimes } from 'node:fs/promises';
import { join } from 'node:path';
import { describeWithServer, freshPostgresDatabase, uniqueBucketName } from '@stowage/testkit';
import { describe, expect, it } from 'vitest';
import {
  bucketAdmin,
  cleanEnv,
  explain,
  json,
  ndjson,
  type Run,
  s3Env,
  stowage,
  tempDir,
  writeFiles,
} from './helpers.js';

const ok = async (args: string[], env: NodeJS.ProcessEnv, cwd?: string): Promise<Run> => {
  const result = await stowage(args, { env, ...(cwd === undefined ? {} : { cwd }) });
  expect(result.code, explain(result)).toBe(0);
  return result;
};

describe('stowage index, db and lifecycle sweep (local mode, PGlite); keys and db on PostgreSQL', () => {
  it('index: records with totals by category, converging on a second run', async () => {
    const dataDir = await tempDir('admin-local');
    const work = await tempDir('admin-work');
    const env = cleanEnv({ STOWAGE_DATA_DIR: dataDir, STOWAGE_AUTH_SECRET: 'local-test-secret-0123456789' });
    await writeFiles(work, { 'photos/a.jpg': 'aaaa', 'photos/b.jpg': 'bb', 'docs/c.txt': 'cccccc' });
    await ok(['put', './photos', './docs', ''], env, work);
    type Index = {
      listed: number;
      upserted: number;
      unchanged: number;
      aggregate: { count: number; totalSize: number; byCategory: Record<string, { count: number }> };
    };
    const first = json<Index>(await ok(['index', '--json'], env));
    expect(first).toMatchObject({ listed: 3, upserted: 3 });
    expect(first.aggregate).toMatchObject({ count: 3, totalSize: 12 });
    expect(first.aggregate.byCategory).toMatchObject({ photos: { count: 2 }, docs: { count: 1 } });
    const second = (await ok(['index'], env)).stdout;
    expect(second).toContain('3 listed, 0 upserted, 3 unchanged');
    expect(second).toMatch(/photos\s+2\s+6 B/);

    // The embedded database: migrated when first opened.
    expect(json(await ok(['db', 'status', '--json'], env))).toMatchObject({ upToDate: true, pending: [] });

    // Lifecycle where the store has no native rules: a sweep by the clock.
    const old = join(dataDir, 'objects', 'docs', 'c.txt');
    const tenDaysAgo = new Date(Date.now() - 10 * 86_400_000);
    await utimes(old, tenDaysAgo, tenDaysAgo);
    const sweep = json<{ examined: number; expired: number }>(
      await ok(
        ['buckets', 'lifecycle', 'sweep', '--expire', 'docs/=7', '--expire', 'photos/=7', '--json'],
        env,
      ),
    );
    expect(sweep).toMatchObject({ examined: 3, expired: 1 });
    expect((await ok(['ls', '-r'], env)).stdout.split('\n').filter(Boolean)).toEqual([
      'photos/a.jpg',
      'photos/b.jpg',
    ]);
  }, 90_000);

  it('db status and migrate on a fresh PostgreSQL database; keys create, ls, revoke', async () => {
    const database = await freshPostgresDatabase('cli_db');
    try {
      const env = cleanEnv({
        STOWAGE_DATABASE_URL: database.url,
        STOWAGE_DATA_DIR: await tempDir('db'),
        STOWAGE_AUTH_SECRET: 'fleet-test-secret-0123456789',
      });
      const before = json<{ upToDate: boolean; pending: unknown[]; applied: unknown[] }>(
        await ok(['db', 'status', '--json'], env),
      );
      expect(before.upToDate).toBe(false);
      expect(before.applied).toEqual([]);
      expect(before.pending.length).toBeGreaterThan(0);
      const migrated = json<{ applied: unknown[] }>(await ok(['db', 'migrate', '--json'], env));
      expect(migrated.applied).toHaveLength(before.pending.length);
      expect((await ok(['db', 'status'], env)).stdout).toContain('up to date');
      expect(json<{ applied: unknown[] }>(await ok(['db', 'migrate', '--json'], env)).applied).toEqual([]);

      // Keys: the token is shown once; a revoked key is listed as revoked.
      const created = json<{ id: string; token: string; scopes: string[] }>(
        await ok(['keys', 'create', 'uploader', '--scope', 'read,write', '--json'], env),
      );
      expect(created.token.startsWith(`${created.id}.`)).toBe(true);
      expect(created.scopes).toEqual(['read', 'write']);
      const listed = ndjson<{ id: string; revokedAt: string | null; token?: string }>(
        await ok(['keys', 'ls', '--json'], env),
      );
      expect(listed).toEqual([expect.objectContaining({ id: created.id, revokedAt: null })]);
      expect(JSON.stringify(listed)).not.toContain(created.token);
      await ok(['keys', 'revoke', created.id], env);
      const revoked = ndjson<{ revokedAt: string | null }>(await ok(['keys', 'ls', '--json'], env));
      expect(revoked[0]!.revokedAt).not.toBeNull();
      const again = await stowage(['keys', 'revoke', created.id], { env });
      expect(again.code, explain(again)).toBe(3);
      const badScope = await stowage(['keys', 'create', 'x', '--scope', 'root'], { env });
      expect(badScope.code, explain(badScope)).toBe(2);

      const unreachable = await stowage(['db', 'status'], {
        env: cleanEnv({ STOWAGE_DATABASE_URL: 'postgres://postgres@127.0.0.1:1/nothing' }),
      });
      expect(unreachable.code, explain(unreachable)).toBe(5);
      expect(unreachable.stderr).toContain('database.url');
    } finally {
      await database.drop();
    }
  }, 60_000);
});

describeWithServer('seaweedfs', async (target) => {
  describe('stowage buckets and credentials (SeaweedFS)', () => {
    it('buckets create, ls, lifecycle set/ls/clear, rm (refused while not empty unless --force)', async () => {
      const name = uniqueBucketName('cli-buckets');
      // No bucket configured: creating the first one must still work.
      const { STOWAGE_S3_BUCKET: _none, ...connection } = s3Env(target, 'unused');
      const env = cleanEnv({ ...connection, STOWAGE_DATA_DIR: await tempDir('buckets') });
      await ok(['buckets', 'create', name], env);
      expect(
        ndjson<{ name: string }>(await ok(['buckets', 'ls', '--json'], env)).map((b) => b.name),
      ).toContain(name);
      const exists = await stowage(['buckets', 'create', name], { env });
      expect(exists.code, explain(exists)).toBe(1);
      expect(exists.stderr).toContain('AlreadyExists');

      await ok(['buckets', 'lifecycle', 'set', name, '--expire', 'tmp/=1', '--expire', 'logs/=30'], env);
      const rules = json<{ rules: Array<{ prefix: string; expireAfterDays: number }> }>(
        await ok(['buckets', 'lifecycle', 'ls', name, '--json'], env),
      );
      expect(rules.rules.map((r) => [r.prefix, r.expireAfterDays]).sort()).toEqual([
        ['logs/', 30],
        ['tmp/', 1],
      ]);
      await ok(['buckets', 'lifecycle', 'clear', name], env);

      const withObject = await stowage(['put', '-', `seaweedfs://${name}/a.txt`], { env, input: 'x' });
      expect(withObject.code, explain(withObject)).toBe(0);
      const refused = await stowage(['buckets', 'rm', name], { env });
      expect(refused.code, explain(refused)).toBe(1);
      expect(refused.stderr).toContain('Conflict');
      await ok(['buckets', 'rm', name, '--force'], env);
      expect(
        ndjson<{ name: string }>(await ok(['buckets', 'ls', '--json'], env)).map((b) => b.name),
      ).not.toContain(name);
    }, 60_000);

    it('wrong credentials and an unreachable endpoint: clear messages naming the setting', async () => {
      const admin = bucketAdmin(target);
      const bucket = uniqueBucketName('cli-creds');
      await admin.createBucket(bucket);
      try {
        const wrong = await stowage(['ls'], {
          env: cleanEnv({ ...s3Env(target, bucket), STOWAGE_S3_SECRET_ACCESS_KEY: 'not-the-secret' }),
        });
        expect(wrong.code, explain(wrong)).toBe(1);
        expect(wrong.stderr).toMatch(/^stowage: PermissionDenied: /m);
        expect(wrong.stderr).toContain('s3.secretAccessKey');
        expect(wrong.stderr).not.toContain('not-the-secret');
        const down = await stowage(['ls'], {
          env: cleanEnv({ ...s3Env(target, bucket), STOWAGE_S3_ENDPOINT: 'http://127.0.0.1:1' }),
        });
        expect(down.code, explain(down)).toBe(5);
        expect(down.stderr).toContain('s3.endpoint');
        const noBucket = await stowage(['ls'], { env: cleanEnv(s3Env(target, 'no-such-bucket-cli')) });
        expect(noBucket.code, explain(noBucket)).toBe(3);
        expect(noBucket.stderr).toContain('s3.bucket');
      } finally {
        await admin.deleteBucket(bucket, { force: true });
        admin.destroy();
      }
    }, 60_000);
  });
});
