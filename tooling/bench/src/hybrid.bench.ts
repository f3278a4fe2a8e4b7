// HybridObjectStore overhead vs the routed backend alone (reads and writes), and Migrator
// throughput vs a raw copy loop (get → put → delete), on local disk and on SeaweedFS, in one run.
// The hybrid runs at 100%, so every key routes to `to` and the measured backend is `to`.
// Targets (issue 14): read overhead <= 3%; migration >= 0.8x the raw loop, verified.
// Env: STOWAGE_BENCH_DIR (temp root), STOWAGE_BENCH_SMALL_OPS, STOWAGE_BENCH_ROUNDS,
// the STOWAGE_SEAWEED_* variables of tooling/servers/env.sh (SeaweedFS is skipped, with the
// reason printed, when it is not reachable).
// Runnable on its own: node --experimental-transform-types --expose-gc --import ./register-ts-hooks.mjs hybrid.bench.ts

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ObjectStore } from '@stowage/core';
import { HybridObjectStore, Migrator } from '@stowage/hybrid';
import { LocalObjectStore } from '@stowage/local';
import { MemoryJobStateStore } from '@stowage/memory';
import { S3BucketAdmin } from '@stowage/s3';
import { SeaweedFsObjectStore } from '@stowage/seaweedfs';
import { s3TestTarget } from '@stowage/testkit';
import {
  deterministicBuffer,
  deterministicStream,
  drain,
  KiB,
  MiB,
  peakRssGrowth,
  printTable,
  type Row,
  runOps,
} from './bench-utils.ts';

const SMALL = 4 * KiB;
const SMALL_OPS = Number(process.env.STOWAGE_BENCH_SMALL_OPS ?? 2000);
const CONCURRENCY = 16;
const LARGE = 8 * MiB;
const LARGE_OPS = 16;
const MIGRATE_OBJECTS = Number(process.env.STOWAGE_BENCH_MIGRATE_OBJECTS ?? 600);
const MIGRATE_SIZE = 64 * KiB;
const MIGRATE_CONCURRENCY = 8;
const HUGE = Number(process.env.STOWAGE_BENCH_HUGE_BYTES ?? 256 * MiB);
const ROUNDS = Number(process.env.STOWAGE_BENCH_ROUNDS ?? 7);

interface Backend {
  name: string;
  /** A fresh, empty store for one side; `dispose` removes everything made. */
  make(label: string): Promise<ObjectStore>;
  dispose(): Promise<void>;
}

const smallBody = deterministicBuffer(SMALL, 1);
const largeBody = deterministicBuffer(LARGE, 2);
const migrateBody = deterministicBuffer(MIGRATE_SIZE, 3);

/**
 * Runs `a` and `b` alternately (order flipped every round) and returns each one's median
 * time and the median of the per-round ratios b/a: on a shared machine load drifts, and a
 * ratio measured within one round is far steadier than two independent best-ofs.
 */
async function paired(
  rounds: number,
  a: () => Promise<number>,
  b: () => Promise<number>,
): Promise<{ a: number; b: number; ratio: number }> {
  const as: number[] = [];
  const bs: number[] = [];
  const ratios: number[] = [];
  for (let r = 0; r < rounds; r++) {
    let ta: number;
    let tb: number;
    if (r % 2 === 0) {
      ta = await a();
      tb = await b();
    } else {
      tb = await b();
      ta = await a();
    }
    as.push(ta);
    bs.push(tb);
    ratios.push(ta / tb);
  }
  return { a: median(as), b: median(bs), ratio: median(ratios) };
}

function median(values: number[]): number {
  const sorted = [...values].sort((x, y) => x - y);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** A row from a paired measurement of `count` units: rates are count/median time; the ratio is the paired median. */
function pairedRow(
  scenario: string,
  unit: string,
  count: number,
  m: { a: number; b: number; ratio: number },
  names: [string, string],
): Row & { ratio: number } {
  return { scenario, unit, values: { [names[0]]: count / m.a, [names[1]]: count / m.b }, ratio: m.ratio };
}

/** Reads and writes: the routed backend alone vs the hybrid in front of it. */
async function overhead(backend: Backend): Promise<Array<Row & { ratio: number }>> {
  const from = await backend.make('ovh-from');
  const to = await backend.make('ovh-to');
  const hybrid = new HybridObjectStore({ from, to, percentage: 100, jobs: new MemoryJobStateStore() });
  const keys = Array.from({ length: SMALL_OPS }, (_, i) => `small/${i % 50}/obj-${i}`);
  const names: [string, string] = ['backend', 'hybrid'];
  const rows: Array<Row & { ratio: number }> = [];
  const each =
    (
      store: ObjectStore,
      op: (store: ObjectStore, i: number) => Promise<unknown>,
      n = SMALL_OPS,
      c = CONCURRENCY,
    ) =>
    () =>
      runOps(n, c, (i) => op(store, i));

  // Writes first (they also create the objects the reads use).
  const put = (store: ObjectStore, i: number) => store.put(keys[i]!, smallBody);
  rows.push(
    pairedRow(
      `put ${SMALL / KiB} KiB x${SMALL_OPS} (c=${CONCURRENCY})`,
      'ops/s',
      SMALL_OPS,
      await paired(ROUNDS, each(to, put), each(hybrid, put)),
      names,
    ),
  );
  const get = async (store: ObjectStore, i: number) => drain((await store.get(keys[i]!)).body);
  rows.push(
    pairedRow(
      `get ${SMALL / KiB} KiB x${SMALL_OPS} (c=${CONCURRENCY})`,
      'ops/s',
      SMALL_OPS,
      await paired(ROUNDS, each(to, get), each(hybrid, get)),
      names,
    ),
  );
  const head = (store: ObjectStore, i: number) => store.head(keys[i]!);
  rows.push(
    pairedRow(
      `head x${SMALL_OPS} (c=${CONCURRENCY})`,
      'ops/s',
      SMALL_OPS,
      await paired(ROUNDS, each(to, head), each(hybrid, head)),
      names,
    ),
  );
  // CPU per operation (user+system of this process): what the hybrid adds on top of the
  // backend call, far less sensitive to other load on the machine than wall-clock rates.
  const cpuPerOp = async (store: ObjectStore) => {
    const start = process.cpuUsage();
    await runOps(SMALL_OPS, CONCURRENCY, (i) => get(store, i));
    const used = process.cpuUsage(start);
    return (used.user + used.system) / SMALL_OPS;
  };
  const cpu = { backend: [] as number[], hybrid: [] as number[] };
  for (let r = 0; r < ROUNDS; r++) {
    for (const name of r % 2 === 0 ? (['backend', 'hybrid'] as const) : (['hybrid', 'backend'] as const)) {
      cpu[name].push(await cpuPerOp(name === 'backend' ? to : hybrid));
    }
  }
  const cpuBackend = median(cpu.backend);
  const cpuHybrid = median(cpu.hybrid);
  // Rates (ops per CPU-second) so that "higher is better" holds for this row too.
  rows.push({
    scenario: `get ${SMALL / KiB} KiB: client CPU (${cpuBackend.toFixed(1)} vs ${cpuHybrid.toFixed(1)} µs/op)`,
    unit: 'ops/cpu-s',
    values: { backend: 1e6 / cpuBackend, hybrid: 1e6 / cpuHybrid },
    ratio: cpuBackend / cpuHybrid,
  });

  await to.put('large/one', largeBody);
  const getLarge = async (store: ObjectStore) => drain((await store.get('large/one')).body);
  const large = await paired(ROUNDS, each(to, getLarge, LARGE_OPS, 4), each(hybrid, getLarge, LARGE_OPS, 4));
  rows.push(
    pairedRow(`get ${LARGE / MiB} MiB x${LARGE_OPS} (c=4)`, 'MiB/s', (LARGE_OPS * LARGE) / MiB, large, names),
  );

  // For information: a key not migrated yet costs a NotFound on the routed side first.
  const fallbackKeys = keys.slice(0, Math.min(500, keys.length)).map((k) => `fallback/${k}`);
  await runOps(fallbackKeys.length, CONCURRENCY, (i) => from.put(fallbackKeys[i]!, smallBody));
  const getFallback = async (store: ObjectStore, i: number) =>
    drain((await store.get(fallbackKeys[i]!)).body);
  rows.push(
    pairedRow(
      `get ${SMALL / KiB} KiB not yet migrated (fallback) x${fallbackKeys.length}`,
      'ops/s',
      fallbackKeys.length,
      await paired(
        ROUNDS,
        each(from, getFallback, fallbackKeys.length),
        each(hybrid, getFallback, fallbackKeys.length),
      ),
      names,
    ),
  );
  await hybrid.close();
  return rows;
}

/** Migration of MIGRATE_OBJECTS objects from one store to another: Migrator vs a raw copy loop. */
async function migration(backend: Backend): Promise<Array<Row & { ratio?: number }>> {
  const keys = Array.from({ length: MIGRATE_OBJECTS }, (_, i) => `mig/${i % 20}/obj-${i}`);
  let made = 0;
  const fresh = async (which: string) => {
    made++;
    const from = await backend.make(`mig-from-${made}-${which}`);
    const to = await backend.make(`mig-to-${made}-${which}`);
    await runOps(keys.length, CONCURRENCY, (i) =>
      from.put(keys[i]!, migrateBody, { contentType: 'application/octet-stream' }),
    );
    return { from, to };
  };
  const raw = async () => {
    const { from, to } = await fresh('raw');
    return runOps(keys.length, MIGRATE_CONCURRENCY, async (i) => {
      const key = keys[i]!;
      const got = await from.get(key);
      await to.put(key, got.body, { contentType: got.info.contentType, contentLength: got.info.size });
      await from.delete(key);
    });
  };
  // reread: every copy read back and hashed (the Migrator's `reread`); by default a
  // destination that checked the source's sha256 while writing is trusted.
  const migrator = (reread: boolean) => async () => {
    const { from, to } = await fresh(reread ? 'reread' : 'migrator');
    const store = new HybridObjectStore({ from, to, percentage: 100, jobs: new MemoryJobStateStore() });
    const start = process.hrtime.bigint();
    const report = await new Migrator({
      store,
      jobs: new MemoryJobStateStore(),
      concurrency: MIGRATE_CONCURRENCY,
      reread,
    }).run();
    const s = Number(process.hrtime.bigint() - start) / 1e9;
    if (report.moved !== keys.length || report.failed.length > 0) {
      throw new Error(
        `migration incomplete: ${JSON.stringify({ ...report, failed: report.failed.slice(0, 3) })}`,
      );
    }
    await store.close();
    return s;
  };
  const m = await paired(ROUNDS, raw, migrator(false));
  const mr = await paired(ROUNDS, raw, migrator(true));
  const mb = (keys.length * MIGRATE_SIZE) / MiB;
  const names: [string, string] = ['raw', 'migrator'];
  const rows: Array<Row & { ratio?: number }> = [
    pairedRow(
      `move ${keys.length} x ${MIGRATE_SIZE / KiB} KiB (c=${MIGRATE_CONCURRENCY})`,
      'objects/s',
      keys.length,
      m,
      names,
    ),
    pairedRow(
      `move ${keys.length} x ${MIGRATE_SIZE / KiB} KiB (c=${MIGRATE_CONCURRENCY})`,
      'MiB/s',
      mb,
      m,
      names,
    ),
    pairedRow(
      `move ${keys.length} x ${MIGRATE_SIZE / KiB} KiB (c=${MIGRATE_CONCURRENCY}), reread`,
      'objects/s',
      keys.length,
      mr,
      names,
    ),
  ];

  // One huge object: the migrator streams (hash on the way, re-read to verify) instead of buffering.
  const from = await backend.make('mig-huge-from');
  const to = await backend.make('mig-huge-to');
  await from.put('huge/object.bin', deterministicStream(HUGE, 9), { contentLength: HUGE });
  const store = new HybridObjectStore({ from, to, percentage: 100, jobs: new MemoryJobStateStore() });
  const { result: seconds, growth } = await peakRssGrowth(async () => {
    const start = process.hrtime.bigint();
    const report = await new Migrator({ store, jobs: new MemoryJobStateStore(), concurrency: 1 }).run();
    if (report.moved !== 1) throw new Error(`huge migration failed: ${JSON.stringify(report.failed)}`);
    return Number(process.hrtime.bigint() - start) / 1e9;
  });
  await store.close();
  rows.push({
    scenario: `move 1 x ${HUGE / MiB} MiB: throughput`,
    unit: 'MiB/s',
    values: { migrator: HUGE / MiB / seconds },
  });
  rows.push({
    scenario: `move 1 x ${HUGE / MiB} MiB: peak RSS growth`,
    unit: 'MiB',
    values: { migrator: growth / MiB },
  });
  return rows;
}

function localBackend(base: string): Backend {
  return {
    name: 'local',
    make: async (label) => new LocalObjectStore({ root: join(base, label) }),
    dispose: () => rm(base, { recursive: true, force: true }),
  };
}

async function seaweedBackend(): Promise<Backend | string> {
  const target = await s3TestTarget('seaweedfs');
  if (!target.available) return target.reason;
  const connection = {
    endpoint: target.endpoint,
    region: target.region,
    credentials: { accessKeyId: target.accessKeyId, secretAccessKey: target.secretAccessKey },
  };
  const admin = new S3BucketAdmin({ provider: 'seaweedfs', ...connection });
  const made: Array<{ bucket: string; store: SeaweedFsObjectStore }> = [];
  const run = Date.now().toString(36);
  return {
    name: 'seaweedfs',
    make: async (label) => {
      const bucket = `bench-hybrid-${run}-${label}`
        .toLowerCase()
        .replace(/[^a-z0-9-]/g, '-')
        .slice(0, 63);
      await admin.createBucket(bucket);
      const store = new SeaweedFsObjectStore({ ...connection, bucket });
      made.push({ bucket, store });
      return store;
    },
    dispose: async () => {
      for (const { bucket, store } of made) {
        store.destroy();
        await admin.deleteBucket(bucket, { force: true }).catch((error: unknown) => {
          console.error(`could not delete bucket ${bucket}: ${String(error)}`);
        });
      }
      admin.destroy();
    },
  };
}

const base = await mkdtemp(join(process.env.STOWAGE_BENCH_DIR ?? tmpdir(), 'stowage-bench-hybrid-'));
const backends: Backend[] = [localBackend(base)];
const seaweed = await seaweedBackend();
if (typeof seaweed === 'string') {
  console.log(
    `SeaweedFS skipped: ${seaweed}\nStart it: bash tooling/servers/start.sh seaweedfs && . tooling/servers/env.sh`,
  );
} else {
  backends.push(seaweed);
}

/** printTable, with the ratio column replaced by the paired median ratio where there is one. */
function print(title: string, columns: [string, string], rows: Array<Row & { ratio?: number }>): void {
  printTable(title, columns, rows, columns[1], columns[0]);
  const paired = rows.filter((row) => row.ratio !== undefined);
  if (paired.length > 0) {
    console.log(
      `  paired median ${columns[1]}/${columns[0]} per round (steadier than the ratio of medians above):`,
    );
    for (const row of paired) console.log(`    ${row.scenario} [${row.unit}]: ${row.ratio!.toFixed(3)}x`);
  }
}

try {
  for (const backend of backends) {
    print(
      `hybrid overhead, routed backend = ${backend.name} (median of ${ROUNDS}; higher is better)`,
      ['backend', 'hybrid'],
      await overhead(backend),
    );
    print(
      `migration ${backend.name} -> ${backend.name} (median of ${ROUNDS}; higher is better, except RSS)`,
      ['raw', 'migrator'],
      await migration(backend),
    );
  }
} finally {
  for (const backend of backends) await backend.dispose();
}
