import {
  type Body,
  isStorageError,
  type Lease,
  type LockMode,
  type Locks,
  type ObjectInfo,
  readText,
  StorageError,
} from '@stowage/core';
import type { CheckedPutOptions } from '@stowage/kit';
import { InProcessLocks, MemoryJobStateStore, MemoryObjectStore, MemoryRolloutState } from '@stowage/memory';
import { FaultyObjectStore } from '@stowage/testkit';
import { describe, expect, it } from 'vitest';
import { HybridObjectStore } from './hybrid-object-store.js';
import { Migrator } from './migrator.js';
import { ROLLOUT_JOB_KIND } from './rollout-marker.js';
import { routingBucket } from './routing.js';
import { CLEANUP_JOB_KIND } from './stale-copies.js';

/*
 * The protocol for several processes, with two hybrid stores in one process standing for two
 * processes: they share the backends, a JobStateStore, a Locks service and a RolloutState,
 * and nothing else. The fleet test (test/fleet.postgres.test.ts) runs real processes.
 */

function keyWhere(test: (bucket: number) => boolean, prefix = 'k/'): string {
  for (let i = 0; ; i++) {
    const key = `${prefix}${i}`;
    if (test(routingBucket(key))) return key;
  }
}

async function caught(promise: Promise<unknown>): Promise<StorageError> {
  try {
    await promise;
  } catch (error) {
    if (isStorageError(error)) return error;
    throw error;
  }
  throw new Error('expected a StorageError');
}

/** Locks that count acquisitions (and can lose every lease they handed out). */
class CountingLocks implements Locks {
  acquired = 0;
  private readonly inner = new InProcessLocks();
  private lost = new AbortController();

  async acquire(key: string, mode: LockMode, options?: { signal?: AbortSignal }): Promise<Lease> {
    this.acquired++;
    return this.wrap(await this.inner.acquire(key, mode, options));
  }

  async tryAcquire(key: string, mode: LockMode): Promise<Lease | undefined> {
    const lease = await this.inner.tryAcquire(key, mode);
    if (lease !== undefined) this.acquired++;
    return lease === undefined ? undefined : this.wrap(lease);
  }

  close(): Promise<void> {
    return this.inner.close();
  }

  /** As a dropped lock-service connection: every lease is gone (and released). */
  loseAll(): void {
    this.lost.abort(new StorageError('Unavailable', 'connection lost'));
    this.lost = new AbortController();
  }

  private wrap(lease: Lease): Lease {
    return { lost: this.lost.signal, release: () => lease.release() };
  }
}

/** A store whose puts wait until `open()` (to hold an operation in flight). */
class GatedStore extends MemoryObjectStore {
  private gate: Promise<void> | undefined;
  private openGate: (() => void) | undefined;
  entered: Promise<void> = Promise.resolve();
  private signalEntered: (() => void) | undefined;

  close(): void {
    this.gate = new Promise((resolve) => {
      this.openGate = resolve;
    });
    this.entered = new Promise((resolve) => {
      this.signalEntered = resolve;
    });
  }

  open(): void {
    this.openGate?.();
    this.gate = undefined;
  }

  protected override async putObject(
    key: string,
    body: Body,
    options: CheckedPutOptions,
  ): Promise<ObjectInfo> {
    if (this.gate !== undefined) {
      this.signalEntered?.();
      await this.gate;
    }
    return super.putObject(key, body, options);
  }
}

function fleet(
  options: { fromFaults?: ConstructorParameters<typeof FaultyObjectStore>[1]; fastPath?: boolean } = {},
) {
  const fromInner = new GatedStore();
  const toInner = new MemoryObjectStore();
  const from = new FaultyObjectStore(fromInner, options.fromFaults ?? {});
  const to = new FaultyObjectStore(toInner, {});
  const jobs = new MemoryJobStateStore();
  const locks = new CountingLocks();
  const rollouts = new MemoryRolloutState();
  const process = () =>
    new HybridObjectStore({
      from,
      to,
      percentage: 0,
      jobs,
      locks,
      cleanupIntervalMs: 0,
      settledCheckMs: 5,
      ...(options.fastPath === undefined ? {} : { fastPath: options.fastPath }),
    });
  return { fromInner, toInner, from, to, jobs, locks, rollouts, a: process(), b: process() };
}

describe('several processes sharing locks and records', () => {
  it('a stale copy one process recorded is never served by another that routes to it', async () => {
    const { a, b, fromInner } = fleet({ fromFaults: { failNth: 1, operations: ['delete'] } });
    const key = keyWhere((bucket) => bucket < 50);
    await a.put(key, 'v1'); // both at 0%: on `from`
    expect(await readText(await b.get(key))).toBe('v1'); // B has loaded what was recorded then
    a.setPercentage(50); // A has heard of the change, B not yet
    // A writes to `to`, cannot remove from's copy: it records it stale before acknowledging.
    await a.put(key, 'v2');
    expect(await fromInner.exists(key)).toBe(true);
    // B still routes the key to `from`, which holds v1: it reads the record under the key's lock.
    expect(b.percentage).toBe(0);
    expect(await readText(await b.get(key))).toBe('v2');
    expect(await b.exists(key)).toBe(true);
    expect((await b.head(key)).size).toBe(2);
    // A cleanup in B (it reads the records durably) removes the stale copy.
    expect((await b.runPendingCleanups()).cleaned).toBe(1);
    expect(await fromInner.exists(key)).toBe(false);
    expect(await readText(await b.get(key))).toBe('v2');
  });
});

describe('following a shared rollout', () => {
  it('seeds a rollout that was never set, and refuses setPercentage and a second follow', async () => {
    const { a, rollouts } = fleet();
    a.followRollout(rollouts, 'main');
    await a.put('x', 'x');
    expect(await rollouts.get('main')).toMatchObject({ percentage: 0, version: 1 });
    expect(a.rollout).toMatchObject({ name: 'main', version: 1, percentage: 0, mode: 'locked' });
    expect((await caught(Promise.resolve().then(() => a.setPercentage(10)))).kind).toBe('Conflict');
    expect(() => a.followRollout(rollouts, 'main')).toThrow(/already follows/);
    await a.close();
  });

  it('no process operates at a newer version while an operation at an older one is in flight', async () => {
    const { a, b, rollouts, fromInner, toInner } = fleet();
    await rollouts.set('main', 0);
    a.followRollout(rollouts, 'main');
    b.followRollout(rollouts, 'main');
    await a.exists('warm');
    await b.exists('warm');
    const key = keyWhere((bucket) => bucket < 50);
    fromInner.close();
    const slow = a.put(key, 'at-v1'); // routes to `from` at version 1, held in flight
    await fromInner.entered;
    await rollouts.set('main', 50); // version 2: the key now routes to `to`
    let bDone = false;
    const bWrite = b.put(key, 'at-v2').then(() => {
      bDone = true;
    });
    await new Promise((resolve) => setTimeout(resolve, 30));
    // B has heard of version 2 but waits: A still operates at version 1.
    expect(bDone).toBe(false);
    fromInner.open();
    await slow;
    await bWrite;
    expect(await readText(await toInner.get(key))).toBe('at-v2');
    expect(await fromInner.exists(key)).toBe(false);
    expect(a.rollout?.version).toBe(2);
    expect(b.rollout?.version).toBe(2);
    await a.close();
    await b.close();
  });

  it('once the Migrator settles a version, put/get/head/exists/delete take no locks, until the percentage changes', async () => {
    const { a, b, rollouts, locks, jobs } = fleet();
    await rollouts.set('main', 0);
    a.followRollout(rollouts, 'main');
    b.followRollout(rollouts, 'main');
    for (let i = 0; i < 20; i++) await b.put(`k/${i}`, `v${i}`);
    await rollouts.set('main', 50);
    const report = await new Migrator({ store: a }).run();
    expect(report).toMatchObject({ settled: true, rolloutVersion: 2, failed: [] });
    expect(report.moved).toBeGreaterThan(0);
    expect(
      (await jobs.get<{ settled: { version: number } }>(ROLLOUT_JOB_KIND, 'default'))?.data.settled?.version,
    ).toBe(2);
    expect(a.rollout?.mode).toBe('fast');
    // B notices within settledCheckMs.
    await b.exists('k/0');
    await new Promise((resolve) => setTimeout(resolve, 20));
    await b.exists('k/0');
    expect(b.rollout?.mode).toBe('fast');
    const before = locks.acquired;
    for (let i = 0; i < 20; i++) {
      expect(await readText(await b.get(`k/${i}`))).toBe(`v${i}`);
      expect((await b.head(`k/${i}`)).size).toBe(`v${i}`.length);
      expect(await b.exists(`k/${i}`)).toBe(true);
      await b.put(`k/${i}`, `w${i}`);
      expect(await readText(await a.get(`k/${i}`))).toBe(`w${i}`);
    }
    await b.delete('k/0');
    expect(await a.exists('k/0')).toBe(false);
    expect(locks.acquired).toBe(before);
    // A new percentage: locked again until the Migrator settles it.
    await rollouts.set('main', 100);
    await b.exists('k/1');
    expect(b.rollout).toMatchObject({ version: 3, mode: 'locked' });
    await b.get('k/1');
    expect(locks.acquired).toBeGreaterThan(before);
    await a.close();
    await b.close();
  });

  it('a pass with failures does not settle; a later clean pass does', async () => {
    const { a, rollouts, fromInner, toInner, jobs, locks } = fleet();
    await rollouts.set('main', 0);
    a.followRollout(rollouts, 'main');
    for (let i = 0; i < 10; i++) await a.put(`k/${i}`, `v${i}`);
    await rollouts.set('main', 100);
    // Every copy to `to` fails: nothing moves, nothing settles.
    const broken = new HybridObjectStore({
      from: a.from,
      to: new FaultyObjectStore(toInner, { failRatio: 1, operations: ['put'] }),
      percentage: 0,
      jobs,
      locks,
      cleanupIntervalMs: 0,
    });
    broken.followRollout(rollouts, 'main');
    const failed = await new Migrator({ store: broken, retries: 0 }).run();
    expect(failed.settled).toBe(false);
    expect(failed.failed.length).toBe(10);
    expect(await fromInner.exists('k/0')).toBe(true);
    const report = await new Migrator({ store: a }).run();
    expect(report).toMatchObject({ settled: true, moved: 10 });
    await broken.close();
    await a.close();
  });

  it('deletes must succeed on the routed side: a leftover may only be recorded on the other side', async () => {
    const { a, rollouts, fromInner, jobs } = fleet({ fromFaults: { failNth: 1, operations: ['delete'] } });
    await rollouts.set('main', 0);
    a.followRollout(rollouts, 'main');
    const key = keyWhere(() => true);
    await a.put(key, 'v1'); // on `from`, the routed side at 0%
    const error = await caught(a.delete(key));
    expect(error.kind).toBe('Unavailable');
    expect(await readText(await a.get(key))).toBe('v1'); // not acknowledged, and not applied
    expect(await jobs.list(CLEANUP_JOB_KIND)).toMatchObject({ items: [] });
    await a.delete(key);
    expect(await fromInner.exists(key)).toBe(false);
    await a.close();
  });

  it('an operation whose locks were lost is not acknowledged', async () => {
    const { a, locks, fromInner } = fleet();
    fromInner.close();
    const write = a.put('k/lost', 'v');
    await fromInner.entered;
    locks.loseAll();
    fromInner.open();
    expect((await caught(write)).message).toMatch(/lock this operation relied on was lost/);
  });

  it('the fast path reads the other side on a miss (an upload presigned earlier), never a recorded stale copy', async () => {
    const { a, rollouts, fromInner, toInner, jobs } = fleet();
    await rollouts.set('main', 100);
    a.followRollout(rollouts, 'main');
    expect((await new Migrator({ store: a }).run()).settled).toBe(true);
    expect(a.rollout?.mode).toBe('fast');
    await fromInner.put('late', 'uploaded through an old URL');
    expect(await readText(await a.get('late'))).toBe('uploaded through an old URL');
    await fromInner.put('stale', 'old');
    await jobs.save(CLEANUP_JOB_KIND, 'default:stale', {
      namespace: 'default',
      key: 'stale',
      stale: 'from',
      reason: 'write',
      since: new Date().toISOString(),
    });
    expect(isStorageError(await caught(a.get('stale')), 'NotFound')).toBe(true);
    expect(await a.exists('stale')).toBe(false);
    await toInner.put('stale', 'fresh');
    expect(await readText(await a.get('stale'))).toBe('fresh');
    await a.close();
  });
});
