import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isStorageError, type StorageError } from '@stowage/core';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  bundledMigrations,
  migrate,
  PostgresDatabase,
  PostgresJobStateStore,
  PostgresMetadataRepository,
} from '../src/index.js';
import { freshDatabase } from './fresh-database.js';

async function failure(run: () => Promise<unknown>): Promise<StorageError> {
  try {
    await run();
  } catch (error) {
    if (isStorageError(error)) return error;
    throw error;
  }
  throw new Error('expected a StorageError');
}

describe('migrations', () => {
  let fresh: Awaited<ReturnType<typeof freshDatabase>>;
  beforeAll(async () => {
    fresh = await freshDatabase('migrations');
  });
  afterAll(() => fresh.drop());

  it('ten processes starting at once apply each migration once', async () => {
    const handles = await Promise.all(
      Array.from({ length: 10 }, () => PostgresDatabase.open({ url: fresh.url, poolSize: 2 })),
    );
    try {
      const applied = handles.map((h) => h.migrations.applied.length);
      expect(applied.filter((n) => n > 0)).toEqual([bundledMigrations().length]);
      const { rows } = await handles[0]!.query<{ n: string }>(
        't',
        'SELECT count(*) AS n FROM stowage_migrations',
      );
      expect(Number(rows[0]!.n)).toBe(bundledMigrations().length);
    } finally {
      await Promise.all(handles.map((h) => h.close()));
    }
  });

  it('a migration applied with other contents than its file stops everything, clearly', async () => {
    const db = await PostgresDatabase.open({ url: fresh.url });
    try {
      const changed = bundledMigrations().map((m, i) => (i === 0 ? { ...m, checksum: 'f'.repeat(64) } : m));
      const error = await failure(() => migrate(db.sql, changed));
      expect(error.kind).toBe('ConfigInvalid');
      expect(error.message).toMatch(/Migration 1 \(initial\) was applied with different contents/);
    } finally {
      await db.close();
    }
  });
});

describe('on a real server', () => {
  let fresh: Awaited<ReturnType<typeof freshDatabase>>;
  let db: PostgresDatabase;
  beforeAll(async () => {
    fresh = await freshDatabase('server');
    db = await PostgresDatabase.open({ url: fresh.url });
  });
  afterAll(async () => {
    await db.close();
    await fresh.drop();
  });

  it('a prefix query over 100k records is an index scan (EXPLAIN)', async () => {
    const repo = new PostgresMetadataRepository(db);
    for (let from = 0; from < 100_000; from += 5_000) {
      await repo.upsertMany(
        Array.from({ length: 5_000 }, (_, j) => ({
          key: `p/${String(from + j).padStart(6, '0')}`,
          backend: 'local',
          size: 1,
          contentType: 't',
          etag: 'e',
          visibility: 'private' as const,
          attributes: {},
        })),
      );
    }
    await db.query('analyze', 'ANALYZE stowage_objects');
    const { rows } = await db.query<{ 'QUERY PLAN': string }>(
      'explain',
      `EXPLAIN SELECT key FROM stowage_objects WHERE key >= $1 AND key < $2 AND deleted_at IS NULL ORDER BY key LIMIT 101`,
      ['p/01234', 'p/01235'],
    );
    const plan = rows.map((r) => r['QUERY PLAN']).join('\n');
    expect(plan).toMatch(/Index (Only )?Scan using stowage_objects_pkey/);
    const page = await repo.query({ prefix: 'p/01234', limit: 100 });
    expect(page.items.map((r) => r.key)).toEqual(Array.from({ length: 10 }, (_, i) => `p/01234${i}`));
  }, 120_000);

  it('a connection killed mid-transaction is a retryable Unavailable, and nothing is half-written', async () => {
    const jobs = new PostgresJobStateStore(db);
    const error = await failure(() =>
      db.transaction('test', async (tx) => {
        await tx.query(
          `INSERT INTO stowage_jobs (kind, id, data, version, updated_at) VALUES ('k', 'half', '{}', 1, now())`,
        );
        const { rows } = await tx.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
        const killer = new pg.Client({ connectionString: fresh.url });
        await killer.connect();
        await killer.query('SELECT pg_terminate_backend($1)', [rows[0]!.pid]);
        await killer.end();
        await tx.query(
          `INSERT INTO stowage_jobs (kind, id, data, version, updated_at) VALUES ('k', 'other', '{}', 1, now())`,
        );
      }),
    );
    expect(error.kind).toBe('Unavailable');
    expect(error.retryable).toBe(true);
    expect(await jobs.get('k', 'half')).toBeNull();
    // The pool recovers: the next statement gets a new connection.
    expect((await jobs.save('k', 'after', { ok: true })).version).toBe(1);
  });

  it('a server that refuses connections is Unavailable (retryable), naming no password', async () => {
    const error = await failure(() =>
      PostgresDatabase.open({ url: 'postgres://stowage:hunter2-secret@127.0.0.1:1/nowhere' }),
    );
    expect(error.kind).toBe('Unavailable');
    expect(error.retryable).toBe(true);
    expect(error.message).not.toContain('hunter2');
  });
});

describe('PGlite directory lock', () => {
  const dir = mkdtempSync(join(tmpdir(), 'stowage-pglite-lock-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('a second process gets a clear Conflict; a pid file left by a dead process is taken over', async () => {
    const db = await PostgresDatabase.open({ dataDir: dir });
    const script = `import('${new URL('../src/index.ts', import.meta.url).href}').then(async ({ PostgresDatabase }) => {
      try { await PostgresDatabase.open({ dataDir: ${JSON.stringify(dir)} }); console.log('opened'); }
      catch (e) { console.log(e.kind + ': ' + e.message); } process.exit(0); });`;
    const out = execFileSync(
      process.execPath,
      [
        '--experimental-transform-types',
        '--no-warnings',
        '--import',
        new URL('./ts-hooks.mjs', import.meta.url).href,
        '-e',
        script,
      ],
      {
        encoding: 'utf8',
        timeout: 60_000,
      },
    );
    expect(out).toMatch(/^Conflict: The PGlite database in .* is open in process \d+/m);
    await db.close();
    // A crashed process leaves its pid file behind: a pid that no longer runs.
    const dead = spawn(process.execPath, ['-e', '0']);
    const deadPid = dead.pid!;
    await new Promise((resolve) => dead.on('exit', resolve));
    writeFileSync(join(dir, 'stowage.pid'), String(deadPid));
    const again = await PostgresDatabase.open({ dataDir: dir });
    await again.close();
  }, 120_000);
});
