// What every process of the fleet test shares: its configuration, the content of each
// version written, the backends (with injected faults), and the log format.
import { createHash } from 'node:crypto';
import { writeSync } from 'node:fs';
import type { ObjectStore, RolloutSnapshot, RolloutState } from '@stowage/core';
import { LocalObjectStore } from '@stowage/local';
import { SeaweedFsObjectStore } from '@stowage/seaweedfs';
import { createPrng, FaultyObjectStore } from '@stowage/testkit';

export interface SeaweedTarget {
  endpoint: string;
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
  bucket: string;
}

export interface FleetConfig {
  /** PostgreSQL database of this run (created for it, dropped after). */
  dbUrl: string;
  /** Rollout name and hybrid namespace. */
  namespace: string;
  fromRoot: string;
  /** `to` is a second local directory, or a SeaweedFS bucket. */
  to: { kind: 'local'; root: string } | { kind: 'seaweedfs'; target: SeaweedTarget };
  keys: number;
  /** Keys 0..hotKeys-1 are written by every writer, often. */
  hotKeys: number;
  /** Share of backend calls failing, per side: half before the call, half after it took effect. */
  faultRatio: number;
  writerConcurrency: number;
  /** Percentages the controller moves through (the first is set before anything starts). */
  steps: number[];
  /** Least time at each step. */
  stepMs: number;
  /** Steps (by index) after which the controller also waits for the Migrator to settle, up to `settleWaitMs`. */
  waitSettledAfter: number[];
  settleWaitMs: number;
  rolloutPollMs: number;
  /** Workers (by id) that hear of rollout changes this much later than the others. */
  lagging: Record<string, number>;
  logDir: string;
}

export type FleetRole = 'writer' | 'migrator' | 'controller';

/** Monotonic time in ns (CLOCK_MONOTONIC: one clock for every process on the machine). */
export function now(): bigint {
  return process.hrtime.bigint();
}

/**
 * An append-only log of one process, one JSON object per line, written with a synchronous
 * write(2) per line: a line is in the file before the next step starts, and a SIGKILL loses
 * nothing already written (the kernel holds it).
 */
export class EventLog {
  constructor(readonly fd: number) {}

  write(event: Record<string, unknown>): void {
    writeSync(this.fd, `${JSON.stringify(event, (_k, v) => (typeof v === 'bigint' ? v.toString() : v))}\n`);
  }
}

export function keyName(i: number): string {
  return `fleet/${String(i).padStart(5, '0')}.bin`;
}

/** The bytes of one version: a header naming it, then filler from a PRNG seeded by it. */
export function contentFor(key: string, writer: string, seq: number, size: number): Buffer {
  const header = Buffer.from(`${key}|${writer}|${seq}|`, 'utf8');
  const total = Math.max(size, header.length);
  const out = Buffer.allocUnsafe(total);
  header.copy(out, 0);
  const random = createPrng(createHash('sha256').update(header).digest().readUInt32BE(0));
  for (let i = header.length; i < total; i++) out[i] = (random() * 256) | 0;
  return out;
}

export function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** Both sides, each failing `faultRatio` of calls (half before the call, half after it took effect). */
export function makeBackends(
  config: FleetConfig,
  seed: number,
  faults = true,
): { from: ObjectStore; to: ObjectStore; faulty: FaultyObjectStore[]; destroy(): void } {
  const rawFrom = new LocalObjectStore({ root: config.fromRoot, fsync: false });
  let rawTo: ObjectStore;
  let destroy = () => {};
  if (config.to.kind === 'local') {
    rawTo = new LocalObjectStore({ root: config.to.root, fsync: false });
  } else {
    const { bucket, endpoint, region, accessKeyId, secretAccessKey } = config.to.target;
    const seaweed = new SeaweedFsObjectStore({
      bucket,
      endpoint,
      region,
      credentials: { accessKeyId, secretAccessKey },
    });
    rawTo = seaweed;
    destroy = () => seaweed.destroy();
  }
  if (!faults || config.faultRatio === 0) return { from: rawFrom, to: rawTo, faulty: [], destroy };
  const half = config.faultRatio / 2;
  const wrap = (store: ObjectStore, s: number) => {
    const after = new FaultyObjectStore(store, { failRatio: half, seed: s, failAfterSideEffect: true });
    const before = new FaultyObjectStore(after, { failRatio: half, seed: s + 1 });
    return { store: before, parts: [after, before] };
  };
  const f = wrap(rawFrom, seed * 10 + 1);
  const t = wrap(rawTo, seed * 10 + 5);
  return { from: f.store, to: t.store, faulty: [...f.parts, ...t.parts], destroy };
}

/**
 * A process that hears of rollout changes late (a slow network, a missed notification and
 * a long poll): its watcher gets every change `lagMs` after the others.
 */
export function lagging(rollouts: RolloutState, lagMs: number): RolloutState {
  if (lagMs <= 0) return rollouts;
  return {
    get: (name) => rollouts.get(name),
    set: (name, percentage, options) => rollouts.set(name, percentage, options),
    close: () => rollouts.close(),
    watch(name, listener) {
      const timers = new Set<NodeJS.Timeout>();
      const stop = rollouts.watch(name, (snapshot: RolloutSnapshot) => {
        const timer = setTimeout(() => {
          timers.delete(timer);
          listener(snapshot);
        }, lagMs);
        timers.add(timer);
      });
      return () => {
        stop();
        for (const timer of timers) clearTimeout(timer);
      };
    },
  };
}
