import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { getBytes, isStorageError, type ObjectStore } from '@stowage/core';
import {
  PostgresDatabase,
  PostgresJobStateStore,
  PostgresLocks,
  PostgresRolloutState,
} from '@stowage/postgres';
import { S3BucketAdmin } from '@stowage/s3';
import { ENABLE_SERVERS_HINT, isCi, mapLimit, s3TestTarget, uniqueBucketName } from '@stowage/testkit';
import { describe, expect, it, type TestContext } from 'vitest';
import { HybridObjectStore } from '../src/hybrid-object-store.js';
import { Migrator } from '../src/migrator.js';
import { CLEANUP_JOB_KIND } from '../src/stale-copies.js';
import { checkFleet, parseLogs } from './fleet/fleet-checker.js';
import { type FleetConfig, type FleetRole, keyName, makeBackends, sha256 } from './fleet/fleet-common.js';

/*
 * THE FLEET TEST (issue 9 §4): one rollout 0 → 10 → 50 → 100 → 30 → 0 shared by separate OS
 * processes on one PostgreSQL database — three writers (puts, overwrites, deletes and reads of
 * one key space, hot keys written by all three), a Migrator and a controller that moves the
 * percentage through PostgresRolloutState — with 5% of backend calls failing on both sides
 * (half of them after the call took effect), and one writer and the Migrator SIGKILLed
 * mid-run and restarted. Each process logs what it began, acknowledged and read (append-only,
 * CLOCK_MONOTONIC times); the checker (fleet/fleet-checker.ts) counts lost writes,
 * resurrected deletes, stale reads and final states that are not the last write, from the
 * logs and the final content of every key. They must all be zero.
 *
 * Small by default (CI: 500 keys, short steps); STOWAGE_SOAK=1 runs the large version
 * (5,000 keys, 50 hot keys, long steps). Needs PostgreSQL (STOWAGE_POSTGRES_URL, default the
 * loopback server) and, for the second variant, SeaweedFS; in CI a missing server fails.
 */

const SOAK = process.env.STOWAGE_SOAK === '1';
const SIZE = SOAK
  ? { keys: 5000, hotKeys: 50, stepMs: 6000, writerConcurrency: 8, settleWaitMs: 120_000, tailMs: 3000 }
  : { keys: 500, hotKeys: 10, stepMs: 1200, writerConcurrency: 4, settleWaitMs: 20_000, tailMs: 800 };
const TIMEOUT_MS = SOAK ? 30 * 60_000 : 150_000;
const ADMIN_URL = process.env.STOWAGE_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const HOOKS = fileURLToPath(new URL('./fleet/ts-hooks.mjs', import.meta.url));
const WORKER = fileURLToPath(new URL('./fleet/fleet-worker.ts', import.meta.url));
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A database of its own for one run; `drop()` removes it. @throws when the server cannot be reached. */
async function freshDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `stowage_fleet_${randomBytes(4).toString('hex')}`;
  const admin = async (sql: string) => {
    const db = await PostgresDatabase.open({ url: ADMIN_URL, migrate: false });
    try {
      await db.query('admin', sql);
    } finally {
      await db.close();
    }
  };
  await admin(`CREATE DATABASE ${name}`);
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  return { url: url.href, drop: () => admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`) };
}

/** Unreachable server: a failure in CI, a visible skip elsewhere. */
function unavailable(ctx: TestContext, reason: string): never {
  if (isCi()) throw new Error(`${reason}. CI must run the real servers: ${ENABLE_SERVERS_HINT}`);
  ctx.skip(`${reason}. To run this test: ${ENABLE_SERVERS_HINT}`);
  throw new Error('unreachable');
}

interface Worker {
  id: string;
  child: ChildProcess;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

async function runFleet(ctx: TestContext, variant: 'local+local' | 'local+seaweedfs'): Promise<void> {
  const started = Date.now();
  let seaweed:
    | { admin: S3BucketAdmin; bucket: string; target: Awaited<ReturnType<typeof s3TestTarget>> }
    | undefined;
  if (variant === 'local+seaweedfs') {
    const target = await s3TestTarget('seaweedfs');
    if (!target.available) unavailable(ctx, target.reason);
    const admin = new S3BucketAdmin({
      provider: 'seaweedfs',
      endpoint: target.endpoint,
      region: target.region,
      credentials: { accessKeyId: target.accessKeyId, secretAccessKey: target.secretAccessKey },
    });
    const bucket = uniqueBucketName('fleet');
    await admin.createBucket(bucket);
    seaweed = { admin, bucket, target };
  }
  let fresh: Awaited<ReturnType<typeof freshDatabase>>;
  try {
    fresh = await freshDatabase();
  } catch (error) {
    seaweed?.admin.destroy();
    unavailable(ctx, `PostgreSQL at ${ADMIN_URL} is unreachable (${String(error)})`);
  }
  const dir = join(tmpdir(), `stowage-fleet-${randomBytes(4).toString('hex')}`);
  const logDir = join(dir, 'logs');
  mkdirSync(logDir, { recursive: true });
  const target = seaweed?.target;
  const config: FleetConfig = {
    dbUrl: fresh.url,
    namespace: 'fleet',
    fromRoot: join(dir, 'from'),
    to:
      target?.available === true
        ? {
            kind: 'seaweedfs',
            target: {
              endpoint: target.endpoint,
              region: target.region,
              accessKeyId: target.accessKeyId,
              secretAccessKey: target.secretAccessKey,
              bucket: seaweed!.bucket,
            },
          }
        : { kind: 'local', root: join(dir, 'to') },
    keys: SIZE.keys,
    hotKeys: SIZE.hotKeys,
    faultRatio: 0.05,
    writerConcurrency: SIZE.writerConcurrency,
    steps: [0, 10, 50, 100, 30, 0],
    stepMs: SIZE.stepMs,
    // Settled before 10 → 50 and before 100 → 30 (fast path in use when the change comes); the
    // other changes come while keys are still moving.
    waitSettledAfter: [0, 1, 3, 5],
    settleWaitMs: SIZE.settleWaitMs,
    rolloutPollMs: 100,
    // One writer (and its restart) hears of every change late: processes disagree for a while.
    lagging: { w3: 1000, w2b: 500 },
    logDir,
  };
  const configPath = join(dir, 'config.json');
  writeFileSync(configPath, JSON.stringify(config));

  const workers: Worker[] = [];
  const start = (role: FleetRole, id: string, seed: number): Worker => {
    const out = openSync(join(logDir, `${id}.out`), 'a');
    const child = spawn(
      process.execPath,
      [
        '--experimental-transform-types',
        '--no-warnings',
        '--import',
        HOOKS,
        WORKER,
        role,
        configPath,
        id,
        String(seed),
      ],
      { stdio: ['ignore', out, out] },
    );
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
      child.on('exit', (code, signal) => resolve({ code, signal })),
    );
    const worker = { id, child, exited };
    workers.push(worker);
    return worker;
  };
  const logOf = (id: string) => {
    const file = join(logDir, `${id}.log`);
    return existsSync(file) ? readFileSync(file, 'utf8') : '';
  };
  const waitFor = async (what: string, test: () => boolean, timeoutMs: number) => {
    const until = Date.now() + timeoutMs;
    while (!test()) {
      if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
      await sleep(25);
    }
  };
  const stopClean = async (worker: Worker) => {
    worker.child.kill('SIGTERM');
    const { code, signal } = await worker.exited;
    if (code !== 0) {
      throw new Error(
        `${worker.id} exited with ${code ?? signal}:\n${readFileSync(join(logDir, `${worker.id}.out`), 'utf8').slice(-4000)}`,
      );
    }
  };

  try {
    // The database schema and the first percentage exist before any worker starts.
    const setup = await PostgresDatabase.open({ url: fresh.url });
    await new PostgresRolloutState(setup).set(config.namespace, config.steps[0]!, { expectedVersion: 0 });
    await setup.close();

    const writers = [start('writer', 'w1', 11), start('writer', 'w2', 22), start('writer', 'w3', 33)];
    let migrator = start('migrator', 'm1', 44);
    const controller = start('controller', 'ctl', 55);
    const reached = (p: number) => logOf('ctl').includes(`"p":${p},`);

    // One writer SIGKILLed while keys move 10 → 50, and restarted.
    await waitFor('the 50% step', () => reached(50), 120_000);
    await sleep(SIZE.stepMs / 3);
    writers[1]!.child.kill('SIGKILL');
    await writers[1]!.exited;
    await sleep(200);
    writers[1] = start('writer', 'w2b', 23);
    // The Migrator SIGKILLed while keys move 50 → 100, and restarted (it resumes its checkpoint).
    await waitFor('the 100% step', () => reached(100), 120_000);
    await sleep(SIZE.stepMs / 4);
    migrator.child.kill('SIGKILL');
    await migrator.exited;
    await sleep(200);
    migrator = start('migrator', 'm2', 45);

    const ended = await controller.exited;
    expect(ended.code, readFileSync(join(logDir, 'ctl.out'), 'utf8')).toBe(0);
    await sleep(SIZE.tailMs);
    await Promise.all(writers.map(stopClean));
    await stopClean(migrator);

    // The final state, without faults: one last Migrator run (it must settle), then every key.
    const db = await PostgresDatabase.open({ url: fresh.url, migrate: false });
    const locks = new PostgresLocks(db, 'fleet');
    const rollouts = new PostgresRolloutState(db);
    const jobs = new PostgresJobStateStore(db);
    const backends = makeBackends(config, 99, false);
    const store = new HybridObjectStore({
      from: backends.from,
      to: backends.to,
      percentage: 0,
      jobs,
      locks,
      namespace: config.namespace,
      cleanupIntervalMs: 0,
    });
    store.followRollout(rollouts, config.namespace);
    const finals = new Map<string, string | null>();
    let final: Awaited<ReturnType<Migrator['run']>>;
    let onTo: number;
    let pending: number;
    try {
      final = await new Migrator({ store, jobId: 'fleet', concurrency: 8 }).run();
      const keys = Array.from({ length: config.keys }, (_, i) => keyName(i));
      await mapLimit(keys, 16, async (key) => {
        try {
          finals.set(key, sha256(await getBytes(store, key)));
        } catch (error) {
          if (!isStorageError(error, 'NotFound')) throw error;
          finals.set(key, null);
        }
      });
      onTo = await count(backends.to);
      pending = (await jobs.list(CLEANUP_JOB_KIND, { limit: 1000 })).items.length;
    } finally {
      await store.close();
      await locks.close();
      await rollouts.close();
      await db.close();
      backends.destroy();
    }

    const texts = readdirSync(logDir)
      .filter((f) => f.endsWith('.log'))
      .map((f) => readFileSync(join(logDir, f), 'utf8'));
    const { mutations, reads, readsFailed } = parseLogs(texts);
    const { counts, examples } = checkFleet(mutations, reads, readsFailed, finals);
    const events = texts.flatMap((t) =>
      t
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as Record<string, unknown>),
    );
    const runs = events.filter((e) => e.e === 'm');
    const summary = {
      variant,
      ...counts,
      injectedFaults: events.filter((e) => e.e === 'faults').reduce((n, e) => n + Number(e.injected), 0),
      percentageChanges: events.filter((e) => e.e === 'c').length,
      migratorRuns: runs.length,
      versionsSettled: new Set(runs.filter((e) => e.settled === true).map((e) => e.version)).size,
      moved: runs.reduce((n, e) => n + Number(e.moved), 0),
      kills: 2,
      finalMigration: { settled: final.settled, moved: final.moved, failed: final.failed.length },
      objectsOnToAtZero: onTo,
      pendingCleanups: pending,
      seconds: Math.round((Date.now() - started) / 100) / 10,
    };
    console.log(`fleet ${variant}: ${JSON.stringify(summary)}`);
    expect(examples, 'violations').toEqual([]);
    expect({
      lostWrites: counts.lostWrites,
      resurrectedDeletes: counts.resurrectedDeletes,
      staleReads: counts.staleReads,
      phantomReads: counts.phantomReads,
      finalMismatches: counts.finalMismatches,
      objectsOnToAtZero: onTo,
      pendingCleanups: pending,
    }).toEqual({
      lostWrites: 0,
      resurrectedDeletes: 0,
      staleReads: 0,
      phantomReads: 0,
      finalMismatches: 0,
      objectsOnToAtZero: 0,
      pendingCleanups: 0,
    });
    // The run did what it claims: work under faults, every step, kills, settled versions.
    expect(counts.putsAcked).toBeGreaterThan(100);
    expect(counts.deletesAcked).toBeGreaterThan(10);
    expect(counts.reads).toBeGreaterThan(100);
    expect(summary.injectedFaults).toBeGreaterThan(10);
    expect(summary.percentageChanges).toBe(config.steps.length - 1);
    expect(summary.versionsSettled).toBeGreaterThanOrEqual(3);
    expect(final.settled).toBe(true);
  } finally {
    for (const worker of workers)
      if (worker.child.exitCode === null && worker.child.signalCode === null) worker.child.kill('SIGKILL');
    await Promise.all(workers.map((w) => w.exited));
    await fresh.drop().catch(() => {});
    if (seaweed !== undefined) {
      await seaweed.admin.deleteBucket(seaweed.bucket, { force: true }).catch(() => {});
      seaweed.admin.destroy();
    }
    if (process.env.STOWAGE_FLEET_KEEP !== '1') rmSync(dir, { recursive: true, force: true });
    else console.log(`fleet logs kept in ${dir}`);
  }
}

async function count(store: ObjectStore): Promise<number> {
  let n = 0;
  for await (const entry of store.list({ prefix: 'fleet/' })) if ('key' in entry) n++;
  return n;
}

describe('a rollout shared by separate processes on PostgreSQL', () => {
  it(
    'local + local directories: nothing lost, nothing resurrected, nothing stale',
    (ctx) => runFleet(ctx, 'local+local'),
    TIMEOUT_MS,
  );
  it(
    'local + SeaweedFS: nothing lost, nothing resurrected, nothing stale',
    (ctx) => runFleet(ctx, 'local+seaweedfs'),
    TIMEOUT_MS,
  );
});
