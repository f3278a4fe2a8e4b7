// What a fleet-safe hybrid costs per operation (issue 9 §5): put/get/head/delete of small
// objects through HybridObjectStore with
//   in-process  — the default: in-process per-key locks, records in memory (one process);
//   pg-locked   — PostgresLocks + PostgresJobStateStore, every operation locked: a lock round
//                 trip and a stale-copy record read per operation (what a rollout costs while
//                 its percentage is changing and keys are moving);
//   pg-fast     — the same, following a PostgresRolloutState whose current version the
//                 Migrator has settled: the fast path, no per-key locks (steady state).
// Paired: every round runs the three in rotating order; ratios are per-round medians against
// in-process. Over memory+memory (where the hybrid's own cost shows most) and local+local.
// Needs PostgreSQL (STOWAGE_POSTGRES_URL, default the loopback server).
// Env: STOWAGE_BENCH_LOCK_OPS (default 2000), STOWAGE_BENCH_ROUNDS (default 5).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ObjectStore } from '@stowage/core';
import { HybridObjectStore, Migrator } from '@stowage/hybrid';
import { LocalObjectStore } from '@stowage/local';
import { MemoryJobStateStore, MemoryObjectStore } from '@stowage/memory';
import {
  PostgresDatabase,
  PostgresJobStateStore,
  PostgresLocks,
  PostgresRolloutState,
} from '@stowage/postgres';
import { deterministicBuffer, drain, KiB, printTable, type Row, runOps } from './bench-utils.ts';

const OPS = Number(process.env.STOWAGE_BENCH_LOCK_OPS ?? 2000);
const ROUNDS = Number(process.env.STOWAGE_BENCH_ROUNDS ?? 5);
const CONCURRENCY = 16;
const ADMIN_URL = process.env.STOWAGE_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const body = deterministicBuffer(1 * KiB, 7);
const VARIANTS = ['in-process', 'pg-locked', 'pg-fast'] as const;
type Variant = (typeof VARIANTS)[number];
const PHASES = ['put', 'get', 'head', 'delete'] as const;
type Phase = (typeof PHASES)[number];

interface Side {
  name: string;
  make(label: string): Promise<ObjectStore>;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

async function openVariant(
  variant: Variant,
  side: Side,
  db: PostgresDatabase,
  round: number,
): Promise<{ store: HybridObjectStore; close(): Promise<void> }> {
  const from = await side.make(`${variant}-${round}-from`);
  const to = await side.make(`${variant}-${round}-to`);
  if (variant === 'in-process') {
    const store = new HybridObjectStore({ from, to, percentage: 100, jobs: new MemoryJobStateStore() });
    return { store, close: () => store.close() };
  }
  const locks = new PostgresLocks(db, `bench-${round + 1}`);
  const namespace = `bench-${variant}-${side.name.replace('+', '-')}-${round + 1}`;
  const store = new HybridObjectStore({
    from,
    to,
    percentage: 100,
    jobs: new PostgresJobStateStore(db),
    locks,
    namespace,
    cleanupIntervalMs: 0,
  });
  let rollouts: PostgresRolloutState | undefined;
  if (variant === 'pg-fast') {
    rollouts = new PostgresRolloutState(db);
    store.followRollout(rollouts, namespace);
    // Nothing to move: the Migrator's pass settles the version at once.
    const report = await new Migrator({ store, jobId: namespace }).run();
    if (!report.settled || store.rollout?.mode !== 'fast') throw new Error('the rollout did not settle');
  }
  return {
    store,
    async close() {
      await store.close();
      await locks.close();
      await rollouts?.close();
    },
  };
}

/** One round of one variant: seconds per phase. */
async function round(
  variant: Variant,
  side: Side,
  db: PostgresDatabase,
  r: number,
): Promise<Record<Phase, number>> {
  const { store, close } = await openVariant(variant, side, db, r);
  const keys = Array.from({ length: OPS }, (_, i) => `small/${i % 50}/obj-${i}`);
  try {
    return {
      put: await runOps(OPS, CONCURRENCY, (i) => store.put(keys[i]!, body)),
      get: await runOps(OPS, CONCURRENCY, async (i) => drain((await store.get(keys[i]!)).body)),
      head: await runOps(OPS, CONCURRENCY, (i) => store.head(keys[i]!)),
      delete: await runOps(OPS, CONCURRENCY, (i) => store.delete(keys[i]!)),
    };
  } finally {
    await close();
  }
}

async function measure(side: Side, db: PostgresDatabase): Promise<void> {
  const seconds = new Map<string, number[]>();
  const ratios = new Map<string, number[]>();
  const push = (map: Map<string, number[]>, key: string, value: number) =>
    map.set(key, [...(map.get(key) ?? []), value]);
  // A warm-up round of each (discarded): the first to run would otherwise pay for the JIT.
  for (const variant of VARIANTS) await round(variant, side, db, -1);
  for (let r = 0; r < ROUNDS; r++) {
    const order = [...VARIANTS.slice(r % VARIANTS.length), ...VARIANTS.slice(0, r % VARIANTS.length)];
    const times = {} as Record<Variant, Record<Phase, number>>;
    for (const variant of order) times[variant] = await round(variant, side, db, r);
    for (const phase of PHASES) {
      for (const variant of VARIANTS) {
        push(seconds, `${variant}/${phase}`, times[variant][phase]);
        // Rate ratio against in-process within this round: above 1 is faster.
        push(ratios, `${variant}/${phase}`, times['in-process'][phase] / times[variant][phase]);
      }
    }
  }
  const rows: Row[] = PHASES.map((phase) => ({
    scenario: `${phase} 1 KiB x${OPS} (c=${CONCURRENCY})`,
    unit: 'ops/s',
    values: Object.fromEntries(VARIANTS.map((v) => [v, OPS / median(seconds.get(`${v}/${phase}`)!)])),
  }));
  printTable(
    `hybrid per-operation cost by lock protocol, ${side.name} (median of ${ROUNDS}; higher is better)`,
    [...VARIANTS],
    rows,
    'pg-locked',
    'in-process',
  );
  console.log('  paired median per round, rate relative to in-process (1.00x = as fast):');
  for (const phase of PHASES) {
    const cells = VARIANTS.slice(1).map((v) => {
      const us = (median(seconds.get(`${v}/${phase}`)!) * 1e6) / OPS;
      return `${v} ${median(ratios.get(`${v}/${phase}`)!).toFixed(3)}x (${us.toFixed(0)} µs/op wall at c=${CONCURRENCY})`;
    });
    const base = (median(seconds.get(`in-process/${phase}`)!) * 1e6) / OPS;
    console.log(`    ${phase.padEnd(6)} in-process ${base.toFixed(0)} µs/op; ${cells.join('; ')}`);
  }
}

const name = `stowage_bench_locks_${process.pid}`;
const admin = async (sql: string) => {
  const server = await PostgresDatabase.open({ url: ADMIN_URL, migrate: false });
  try {
    await server.query('admin', sql);
  } finally {
    await server.close();
  }
};
await admin(`CREATE DATABASE ${name}`);
const url = new URL(ADMIN_URL);
url.pathname = `/${name}`;
const db = await PostgresDatabase.open({ url: url.href });
const base = await mkdtemp(join(process.env.STOWAGE_BENCH_DIR ?? tmpdir(), 'stowage-bench-locks-'));
try {
  await measure({ name: 'memory+memory', make: async () => new MemoryObjectStore() }, db);
  await measure(
    { name: 'local+local', make: async (label) => new LocalObjectStore({ root: join(base, label) }) },
    db,
  );
} finally {
  await db.close();
  await admin(`DROP DATABASE ${name} WITH (FORCE)`);
  await rm(base, { recursive: true, force: true });
}
