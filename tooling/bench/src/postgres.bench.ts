// @stowage/postgres on PGlite (embedded) and on the loopback PostgreSQL server: bulk upserts,
// prefix queries at growing table sizes, and what a local-mode user waits for when PGlite starts.
// Sizes: 10k and 100k records by default; STOWAGE_BENCH_LARGE=1 adds 1M (minutes, not seconds).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ObjectRecordInput } from '@stowage/core';
import { PostgresDatabase, PostgresMetadataRepository } from '@stowage/postgres';
import pg from 'pg';

const ADMIN_URL = process.env.STOWAGE_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const SIZES = process.env.STOWAGE_BENCH_LARGE === '1' ? [10_000, 100_000, 1_000_000] : [10_000, 100_000];
const BATCH = 1_000;

function record(i: number): ObjectRecordInput {
  const day = i % 365;
  return {
    key: `media/${String(Math.floor(i / 1000)).padStart(4, '0')}/${day}/${i.toString(36)}.jpg`,
    backend: 'local',
    size: 1024 + (i % 4096),
    contentType: 'image/jpeg',
    etag: `"${i.toString(16)}"`,
    visibility: 'public',
    category: ['image', 'thumb', 'avatar'][i % 3]!,
    attributes: { width: 640, height: 480 },
  };
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

async function measure(label: string, db: PostgresDatabase): Promise<void> {
  const repo = new PostgresMetadataRepository(db);
  let written = 0;
  for (const size of SIZES) {
    const start = performance.now();
    for (let from = written; from < size; from += BATCH) {
      const batch = Array.from({ length: Math.min(BATCH, size - from) }, (_, j) => record(from + j));
      await repo.upsertMany(batch);
    }
    const seconds = (performance.now() - start) / 1000;
    const rate = (size - written) / seconds;
    written = size;
    const latencies: number[] = [];
    for (let q = 0; q < 300; q++) {
      const prefix = `media/${String(q % Math.max(1, Math.floor(size / 1000))).padStart(4, '0')}/${q % 365}/`;
      const t = performance.now();
      await repo.query({ prefix, limit: 100 });
      latencies.push(performance.now() - t);
    }
    latencies.sort((a, b) => a - b);
    console.log(
      `${label.padEnd(9)} ${String(size).padStart(9)} records  upsertMany ${Math.round(rate).toLocaleString('en').padStart(8)} rows/s` +
        `  prefix query p50 ${percentile(latencies, 50).toFixed(2)} ms  p99 ${percentile(latencies, 99).toFixed(2)} ms`,
    );
  }
}

async function pgliteStartup(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'stowage-pglite-bench-'));
  try {
    const rssBefore = process.memoryUsage.rss();
    let t = performance.now();
    const cold = await PostgresDatabase.open({ dataDir: dir });
    const coldMs = performance.now() - t;
    const rss = process.memoryUsage.rss() - rssBefore;
    await cold.close();
    t = performance.now();
    const warm = await PostgresDatabase.open({ dataDir: dir });
    const warmMs = performance.now() - t;
    await warm.close();
    console.log(
      `PGlite start: cold (initdb + migrations) ${coldMs.toFixed(0)} ms, warm (reopen) ${warmMs.toFixed(0)} ms, ` +
        `RSS growth after open ${(rss / 1024 / 1024).toFixed(0)} MiB`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await pgliteStartup();

const dir = mkdtempSync(join(tmpdir(), 'stowage-pglite-bench-'));
const lite = await PostgresDatabase.open({ dataDir: dir });
try {
  await measure('pglite', lite);
} finally {
  await lite.close();
  rmSync(dir, { recursive: true, force: true });
}

const name = `stowage_bench_${process.pid}`;
const admin = new pg.Client({ connectionString: ADMIN_URL });
await admin.connect();
await admin.query(`CREATE DATABASE ${name}`);
const url = new URL(ADMIN_URL);
url.pathname = `/${name}`;
const server = await PostgresDatabase.open({ url: url.href });
try {
  await measure('postgres', server);
} finally {
  await server.close();
  await admin.query(`DROP DATABASE ${name} WITH (FORCE)`);
  await admin.end();
}
