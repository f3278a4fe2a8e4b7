// One process of the fleet test (fleet.postgres.test.ts starts several):
//   node --experimental-transform-types --import ./ts-hooks.mjs fleet-worker.ts <role> <config.json> <id> <seed>
// writer: puts, overwrites, deletes and reads of the shared key space through a hybrid store
//         following the shared rollout, logging each operation as it begins and ends;
// migrator: runs the Migrator again and again (it settles each version it completes);
// controller: moves the percentage through the configured steps.
// SIGTERM stops a process cleanly (operations in flight end first); the test also SIGKILLs some.
import { openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { getBytes, isStorageError, NoopLogger } from '@stowage/core';
import {
  PostgresDatabase,
  PostgresJobStateStore,
  PostgresLocks,
  PostgresRolloutState,
} from '@stowage/postgres';
import { createPrng } from '@stowage/testkit';
import { HybridObjectStore } from '../../src/hybrid-object-store.js';
import { Migrator } from '../../src/migrator.js';
import { ROLLOUT_JOB_KIND, type RolloutMarker } from '../../src/rollout-marker.js';
import {
  contentFor,
  EventLog,
  type FleetConfig,
  type FleetRole,
  keyName,
  lagging,
  makeBackends,
  now,
  sha256,
} from './fleet-common.js';

const [role, configPath, id, seedText] = process.argv.slice(2) as [FleetRole, string, string, string];
const config = JSON.parse(readFileSync(configPath, 'utf8')) as FleetConfig;
const seed = Number(seedText);
const log = new EventLog(openSync(join(config.logDir, `${id}.log`), 'a'));
const stop = new AbortController();
process.on('SIGTERM', () => stop.abort(new Error('SIGTERM')));
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const db = await PostgresDatabase.open({
  url: config.dbUrl,
  migrate: false,
  rolloutPollMs: config.rolloutPollMs,
});
const jobs = new PostgresJobStateStore(db);
const rollouts = new PostgresRolloutState(db);
log.write({ e: 'start', role, id, pid: process.pid, t: now() });

function openStore(): { store: HybridObjectStore; locks: PostgresLocks; close(): Promise<void> } {
  const locks = new PostgresLocks(db, 'fleet');
  const backends = makeBackends(config, seed);
  const store = new HybridObjectStore({
    from: backends.from,
    to: backends.to,
    percentage: config.steps[0]!,
    jobs,
    locks,
    namespace: config.namespace,
    cleanupIntervalMs: 500,
    settledCheckMs: 200,
    logger: new NoopLogger(),
  });
  store.followRollout(lagging(rollouts, config.lagging[id] ?? 0), config.namespace);
  return {
    store,
    locks,
    async close() {
      await store.close();
      await locks.close();
      backends.destroy();
      const injected = backends.faulty.reduce((n, f) => n + f.injected, 0);
      const calls = backends.faulty.reduce((n, f) => n + f.calls, 0);
      log.write({ e: 'faults', injected, calls, t: now() });
    },
  };
}

async function writer(): Promise<void> {
  const { store, close } = openStore();
  const random = createPrng(seed);
  let seq = 0;
  const loop = async () => {
    while (!stop.signal.aborted) {
      const hot = random() < 0.3;
      const key = keyName(Math.floor(random() * (hot ? config.hotKeys : config.keys)));
      const pick = random();
      if (pick < 0.45) {
        seq++;
        const opId = `${id}-${seq}`;
        const body = contentFor(key, id, seq, 32 + Math.floor(random() * 1500));
        log.write({ e: 'b', id: opId, k: key, op: 'put', sha: sha256(body), t: now() });
        try {
          await store.put(key, body, { contentType: 'application/octet-stream' });
          log.write({ e: 'a', id: opId, t: now() });
        } catch (error) {
          log.write({ e: 'f', id: opId, t: now(), kind: isStorageError(error) ? error.kind : String(error) });
        }
      } else if (pick < 0.55) {
        seq++;
        const opId = `${id}-${seq}`;
        log.write({ e: 'b', id: opId, k: key, op: 'del', t: now() });
        try {
          await store.delete(key);
          log.write({ e: 'a', id: opId, t: now() });
        } catch (error) {
          log.write({ e: 'f', id: opId, t: now(), kind: isStorageError(error) ? error.kind : String(error) });
        }
      } else {
        const t0 = now();
        try {
          const bytes = await getBytes(store, key);
          log.write({ e: 'r', k: key, t0, t1: now(), sha: sha256(bytes) });
        } catch (error) {
          if (isStorageError(error, 'NotFound')) log.write({ e: 'r', k: key, t0, t1: now(), sha: null });
          else
            log.write({
              e: 'rf',
              k: key,
              t0,
              t1: now(),
              kind: isStorageError(error) ? error.kind : String(error),
            });
        }
      }
    }
  };
  await Promise.all(Array.from({ length: config.writerConcurrency }, loop));
  await close();
}

async function migrator(): Promise<void> {
  const { store, close } = openStore();
  while (!stop.signal.aborted) {
    try {
      const report = await new Migrator({
        store,
        concurrency: 4,
        jobId: 'fleet',
        signal: stop.signal,
        retries: 5,
        retryDelayMs: 10,
        checkpointEvery: 20,
      }).run();
      log.write({
        e: 'm',
        t: now(),
        version: report.rolloutVersion,
        percentage: report.percentage,
        settled: report.settled,
        scanned: report.scanned,
        moved: report.moved,
        cleaned: report.cleaned,
        failed: report.failed.length,
        passes: report.passes,
        resumedAfter: report.resumedAfter,
      });
      if (report.settled) {
        // Settled: nothing to do until the rollout moves.
        while (!stop.signal.aborted && store.rollout?.version === report.rolloutVersion) await sleep(20);
      } else {
        await sleep(50);
      }
    } catch (error) {
      if (stop.signal.aborted) break;
      log.write({ e: 'merr', t: now(), error: String(error) });
      await sleep(100);
    }
  }
  await close();
}

async function settledAt(version: number, timeoutMs: number): Promise<boolean> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    const marker = await jobs.get<RolloutMarker>(ROLLOUT_JOB_KIND, config.namespace);
    if (marker?.data.settled?.version === version) return true;
    await sleep(25);
  }
  return false;
}

async function controller(): Promise<void> {
  let current = await rollouts.get(config.namespace);
  for (let step = 1; step < config.steps.length && !stop.signal.aborted; step++) {
    await sleep(config.stepMs);
    if (config.waitSettledAfter.includes(step - 1) && current !== null) {
      const settled = await settledAt(current.version, config.settleWaitMs);
      log.write({ e: 'settled', version: current.version, settled, t: now() });
    }
    current = await rollouts.set(config.namespace, config.steps[step]!);
    log.write({ e: 'c', p: current.percentage, version: current.version, t: now() });
  }
  if (current !== null) {
    const settled = await settledAt(current.version, config.settleWaitMs);
    log.write({ e: 'settled', version: current.version, settled, t: now() });
  }
}

try {
  if (role === 'writer') await writer();
  else if (role === 'migrator') await migrator();
  else await controller();
  log.write({ e: 'stop', t: now() });
} finally {
  await rollouts.close();
  await db.close();
}
process.exit(0);
