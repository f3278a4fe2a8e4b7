import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isStorageError, type ObjectStore, readBytes } from '@stowage/core';
import { LocalObjectStore } from '@stowage/local';
import { MemoryJobStateStore, MemoryObjectStore } from '@stowage/memory';
import { createPrng, FaultyObjectStore } from '@stowage/testkit';
import { afterAll, describe, expect, it } from 'vitest';
import { HybridObjectStore } from './hybrid-object-store.js';
import { type MigrationReport, Migrator } from './migrator.js';

/*
 * THE ROLLOUT TEST. A full rollout 0 → 10 → 50 → 100 → 30 → 0 while a workload of writes,
 * overwrites, deletes and reads runs, 5% of backend calls fail on both sides, and the
 * migrator is killed (aborted) and resumed several times.
 *
 * Definitions the checks rest on:
 * - Every mutation of a key gets the next version number of that key; a write's content
 *   starts with "key|version|" and its sha256 is remembered per (key, version).
 * - A mutation is ACKNOWLEDGED when the hybrid call resolved. The workload retries a
 *   failed mutation (same version, same content) until it is acknowledged; an attempt that
 *   failed may still have taken effect, so its version counts as ATTEMPTED from its first try.
 * - A read that starts after version a was acknowledged must return a version >= a that
 *   is a write attempted before the read ended; NotFound is allowed only when the last
 *   acknowledged mutation is a delete (or none), or a delete newer than it was attempted.
 *   A read failing with an injected fault is counted, not checked (it returned nothing).
 * - At the end (faults off, one last migration): every key holds exactly its last
 *   acknowledged content (sha256), deleted keys are absent on both backends, every object
 *   is on the side its key routes to, and no cleanup is pending.
 */

interface KeyModel {
  size: number;
  next: number;
  /** Last acknowledged mutation. */
  acked: { version: number; deleted: boolean } | undefined;
  /** Versions of attempted deletes, ascending. */
  deletes: number[];
  busy: boolean;
}

interface RolloutCounts {
  writes: number;
  overwrites: number;
  deletes: number;
  reads: number;
  readsNotFound: number;
  readFaults: number;
  retriedMutations: number;
  injectedFaults: number;
  migrated: number;
  cleanedByMigrator: number;
  migratorRuns: number;
  migratorKills: number;
  resumes: number;
  pendingCleanupsRun: number;
  violations: string[];
}

interface RolloutConfig {
  name: string;
  keys: number;
  /** Workload operations per percentage step. */
  opsPerStep: number;
  concurrency: number;
  makeBackends(): Promise<{ from: ObjectStore; to: ObjectStore; dispose(): Promise<void> }>;
}

function contentFor(key: string, version: number, size: number): Buffer {
  const header = Buffer.from(`${key}|${version}|`, 'utf8');
  const total = Math.max(size, header.length);
  const out = Buffer.allocUnsafe(total);
  header.copy(out, 0);
  // Cheap deterministic filler: a PRNG seeded from the key and version.
  const seed = createHash('sha256').update(header).digest().readUInt32BE(0);
  const random = createPrng(seed);
  let i = header.length;
  for (; i + 4 <= total; i += 4) out.writeUInt32LE((random() * 0x100000000) >>> 0, i);
  for (; i < total; i++) out[i] = (random() * 256) | 0;
  return out;
}

function parseVersion(key: string, body: Buffer): number | undefined {
  const prefix = `${key}|`;
  const head = body.subarray(0, Math.min(body.length, Buffer.byteLength(prefix) + 24)).toString('utf8');
  if (!head.startsWith(prefix)) return undefined;
  const end = head.indexOf('|', prefix.length);
  const version = Number(head.slice(prefix.length, end));
  return Number.isInteger(version) && version > 0 ? version : undefined;
}

async function runRollout(config: RolloutConfig): Promise<RolloutCounts> {
  const random = createPrng(20_240_601);
  const backends = await config.makeBackends();
  const from = new FaultyObjectStore(backends.from, { failRatio: 0.05, seed: 11 });
  // The `to` side fails after the call took effect: writes and deletes happen, the caller sees an error.
  const to = new FaultyObjectStore(backends.to, { failRatio: 0.05, seed: 23, failAfterSideEffect: true });
  const jobs = new MemoryJobStateStore();
  const store = new HybridObjectStore({ from, to, percentage: 0, jobs, cleanupIntervalMs: 200 });
  const counts: RolloutCounts = {
    writes: 0,
    overwrites: 0,
    deletes: 0,
    reads: 0,
    readsNotFound: 0,
    readFaults: 0,
    retriedMutations: 0,
    injectedFaults: 0,
    migrated: 0,
    cleanedByMigrator: 0,
    migratorRuns: 0,
    migratorKills: 0,
    resumes: 0,
    pendingCleanupsRun: 0,
    violations: [],
  };
  const digests = new Map<string, string>();
  const model = new Map<string, KeyModel>();
  const keys: string[] = [];
  for (let i = 0; i < config.keys; i++) {
    // Mixed shapes: folders, spaces and unicode, so routing and listing see realistic keys.
    const key = i % 10 === 0 ? `assets/ü ${i}/blob.bin` : `data/${i % 37}/item-${i}.json`;
    const large = random() < 0.012;
    const size = large
      ? 64 * 1024 + Math.floor(random() * (1024 * 1024 - 64 * 1024))
      : 16 + Math.floor(random() * 2048);
    keys.push(key);
    model.set(key, { size, next: 0, acked: undefined, deletes: [], busy: false });
  }

  const violation = (message: string) => {
    if (counts.violations.length < 20) counts.violations.push(message);
    else counts.violations.length = 21;
  };

  const retryUntilAcknowledged = async (what: string, fn: () => Promise<unknown>) => {
    for (let attempt = 1; ; attempt++) {
      try {
        await fn();
        return;
      } catch (error) {
        if (!isStorageError(error) || !error.retryable || attempt > 60) {
          throw new Error(`${what} failed for good after ${attempt} attempts: ${String(error)}`, {
            cause: error,
          });
        }
        counts.retriedMutations++;
      }
    }
  };

  const write = async (key: string) => {
    const m = model.get(key)!;
    const version = ++m.next;
    const body = contentFor(key, version, m.size);
    digests.set(`${key}@${version}`, createHash('sha256').update(body).digest('hex'));
    const overwrite = m.acked !== undefined && !m.acked.deleted;
    await retryUntilAcknowledged(`put ${key}@${version}`, () =>
      store.put(key, body, {
        contentType: 'application/octet-stream',
        metadata: { version: String(version) },
      }),
    );
    m.acked = { version, deleted: false };
    if (overwrite) counts.overwrites++;
    else counts.writes++;
  };

  const remove = async (key: string) => {
    const m = model.get(key)!;
    const version = ++m.next;
    m.deletes.push(version);
    await retryUntilAcknowledged(`delete ${key}@${version}`, () => store.delete(key));
    m.acked = { version, deleted: true };
    counts.deletes++;
  };

  const read = async (key: string) => {
    const m = model.get(key)!;
    const ackedAtStart = m.acked;
    counts.reads++;
    let body: Buffer | undefined;
    try {
      body = await readBytes(await store.get(key));
    } catch (error) {
      if (isStorageError(error, 'NotFound')) {
        counts.readsNotFound++;
        const allowed =
          ackedAtStart === undefined ||
          ackedAtStart.deleted ||
          m.deletes.some((version) => version > ackedAtStart.version);
        if (!allowed) violation(`${key}: NotFound after version ${ackedAtStart?.version} was acknowledged`);
        return;
      }
      if (isStorageError(error) && error.retryable) {
        counts.readFaults++;
        return;
      }
      throw error;
    }
    const version = parseVersion(key, body);
    if (version === undefined) {
      violation(`${key}: read returned unrecognisable content`);
      return;
    }
    const digest = createHash('sha256').update(body).digest('hex');
    if (digests.get(`${key}@${version}`) !== digest)
      violation(`${key}@${version}: content differs from what was written`);
    if (ackedAtStart !== undefined && version < ackedAtStart.version) {
      violation(`${key}: read version ${version} after version ${ackedAtStart.version} was acknowledged`);
    }
    if (version > m.next || m.deletes.includes(version))
      violation(`${key}: read version ${version} was never written`);
  };

  /** Random operations on random keys; one mutation per key at a time, reads anywhere. */
  const workload = async (ops: number) => {
    let issued = 0;
    const worker = async () => {
      while (issued < ops) {
        issued++;
        const key = keys[Math.floor(random() * keys.length)]!;
        const m = model.get(key)!;
        const roll = random();
        if (roll < 0.5 || m.busy) {
          await read(key);
          continue;
        }
        m.busy = true;
        try {
          if (roll < 0.85) await write(key);
          else await remove(key);
        } finally {
          m.busy = false;
        }
      }
    };
    await Promise.all(Array.from({ length: config.concurrency }, worker));
  };

  /** Runs the migrator to completion, killing it once when `killAfterMoves` is given and acting at `onMoved`. */
  const migrate = async (
    options: { killAfterMoves?: number; at?: { moves: number; action: () => void } } = {},
  ) => {
    let killed = false;
    for (;;) {
      const controller = new AbortController();
      const migrator = new Migrator({
        store,
        jobs,
        jobId: 'rollout',
        concurrency: 4,
        retries: 5,
        retryDelayMs: 1,
        checkpointEvery: 50,
        signal: controller.signal,
      });
      let movesThisRun = 0;
      let acted = false;
      migrator.on('progress', (p: { outcome: string }) => {
        if (p.outcome !== 'moved') return;
        movesThisRun++;
        if (options.at !== undefined && !acted && movesThisRun >= options.at.moves) {
          acted = true;
          options.at.action();
        }
        if (!killed && options.killAfterMoves !== undefined && movesThisRun >= options.killAfterMoves) {
          killed = true;
          controller.abort(new Error('killed by the rollout test'));
        }
      });
      counts.migratorRuns++;
      let report: MigrationReport;
      try {
        report = await migrator.run();
      } catch (error) {
        if (!isStorageError(error, 'Aborted')) throw error;
        counts.migratorKills++;
        counts.migrated += movesThisRun;
        counts.resumes++;
        continue;
      }
      counts.migrated += movesThisRun;
      counts.cleanedByMigrator += report.cleaned;
      counts.pendingCleanupsRun += report.cleanups?.cleaned ?? 0;
      return report;
    }
  };

  try {
    // Seed every key on `from` (0%).
    let next = 0;
    await Promise.all(
      Array.from({ length: config.concurrency }, async () => {
        while (next < keys.length) {
          const key = keys[next++]!;
          model.get(key)!.busy = true;
          await write(key);
          model.get(key)!.busy = false;
        }
      }),
    );

    const step = async (percentage: number, migration: Parameters<typeof migrate>[0]) => {
      store.setPercentage(percentage);
      const [report] = await Promise.all([migrate(migration), workload(config.opsPerStep)]);
      return report;
    };
    const perKill = Math.max(5, Math.floor(config.keys / 60));
    await step(10, { killAfterMoves: perKill });
    // During the 50% migration the percentage is raised to 100: the run restarts its scan.
    await step(50, {
      at: { moves: perKill, action: () => store.setPercentage(100) },
      killAfterMoves: perKill * 3,
    });
    await step(30, {});
    await step(0, { killAfterMoves: perKill });

    // Faults off; one last pass must leave everything in place and nothing pending.
    from.setEnabled(false);
    to.setEnabled(false);
    counts.injectedFaults = from.injected + to.injected;
    await migrate({});
    await store.runPendingCleanups();

    // Final state, through the router and on the raw backends.
    expect(store.pendingCleanups).toBe(0);
    const live = new Set<string>();
    for (const key of keys) {
      const m = model.get(key)!;
      expect(m.acked, key).toBeDefined();
      if (m.acked!.deleted) {
        await expect(store.exists(key), `${key} was deleted`).resolves.toBe(false);
        await expect(backends.from.exists(key)).resolves.toBe(false);
        await expect(backends.to.exists(key)).resolves.toBe(false);
        continue;
      }
      live.add(key);
      const body = await readBytes(await store.get(key));
      const digest = createHash('sha256').update(body).digest('hex');
      expect(digest, `${key} holds version ${m.acked!.version}`).toBe(
        digests.get(`${key}@${m.acked!.version}`),
      );
      // 0%: everything lives on `from` only.
      await expect(backends.to.exists(key), `${key} left on to`).resolves.toBe(false);
    }
    const listed: string[] = [];
    for await (const entry of store.list({ pageSize: 777 })) if ('key' in entry) listed.push(entry.key);
    expect(listed.length).toBe(live.size);
    expect(new Set(listed)).toEqual(live);
    const onTo: string[] = [];
    for await (const entry of backends.to.list()) if ('key' in entry) onTo.push(entry.key);
    expect(onTo).toEqual([]);
    return counts;
  } finally {
    await store.close();
    await backends.dispose();
  }
}

function report(config: RolloutConfig, counts: RolloutCounts) {
  const { violations, ...numbers } = counts;
  console.log(`rollout ${config.name}: ${JSON.stringify(numbers)}`);
  if (violations.length > 0) console.log(`violations: ${violations.join('\n  ')}`);
}

describe('hybrid rollout 0 → 10 → 50 → 100 → 30 → 0 under faults', () => {
  const temps: string[] = [];
  afterAll(async () => {
    await Promise.all(temps.map((dir) => rm(dir, { recursive: true, force: true })));
  });

  it('memory + memory, 10,000 objects: nothing lost, nothing stale', { timeout: 240_000 }, async () => {
    const config: RolloutConfig = {
      name: 'memory+memory',
      keys: 10_000,
      opsPerStep: 4_000,
      concurrency: 16,
      makeBackends: async () => ({
        from: new MemoryObjectStore(),
        to: new MemoryObjectStore(),
        dispose: async () => {},
      }),
    };
    const counts = await runRollout(config);
    report(config, counts);
    expect(counts.violations).toEqual([]);
    expect(counts.migratorKills).toBeGreaterThanOrEqual(2);
    expect(counts.injectedFaults).toBeGreaterThan(0);
    expect(counts.migrated).toBeGreaterThan(config.keys);
  });

  it('memory + local, 1,000 objects: nothing lost, nothing stale', { timeout: 240_000 }, async () => {
    const dir = await mkdtemp(join(tmpdir(), 'stowage-hybrid-rollout-'));
    temps.push(dir);
    const config: RolloutConfig = {
      name: 'memory+local',
      keys: 1_000,
      opsPerStep: 600,
      concurrency: 8,
      makeBackends: async () => ({
        from: new MemoryObjectStore(),
        to: new LocalObjectStore({ root: join(dir, 'to'), fsync: false }),
        dispose: async () => {},
      }),
    };
    const counts = await runRollout(config);
    report(config, counts);
    expect(counts.violations).toEqual([]);
    expect(counts.migratorKills).toBeGreaterThanOrEqual(2);
    expect(counts.injectedFaults).toBeGreaterThan(0);
  });
});
