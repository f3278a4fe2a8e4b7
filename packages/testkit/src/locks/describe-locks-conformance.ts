import { isStorageError, type Lease, type Locks, type StorageError } from '@stowage/core';
import { expect } from 'vitest';
import {
  type CaseRegistry,
  type Category,
  caseNames,
  describePortSuite,
  type PortCase,
  type PortConformanceOptions,
} from '../helpers/port-suite.js';

export interface LocksConformanceOptions extends PortConformanceOptions<Locks> {
  /**
   * Another instance over the same lock space (another process would hold such a one: a
   * second connection to the same database). Without it the cross-instance cases are
   * skipped, saying so (in-process locks share nothing between instances).
   */
  createPeer?(): Locks | Promise<Locks>;
}

type LockCase = PortCase<Locks, LocksConformanceOptions>;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function kindOf(run: () => Promise<unknown>): Promise<string> {
  try {
    await run();
    return 'ok';
  } catch (error) {
    return isStorageError(error) ? (error as StorageError).kind : `foreign: ${String(error)}`;
  }
}

/** Resolves to true when `promise` settles within `ms`. */
async function settlesWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  try {
    return await Promise.race([
      promise.then(
        () => true,
        () => true,
      ),
      late,
    ]);
  } finally {
    clearTimeout(timer);
  }
}

function registerModeCases(cases: CaseRegistry<LockCase>): void {
  cases.case('an exclusive lock excludes every other holder until released', async ({ port, ns }) => {
    const key = `${ns}/k`;
    const held = await port.acquire(key, 'exclusive');
    expect(await port.tryAcquire(key, 'exclusive')).toBeUndefined();
    expect(await port.tryAcquire(key, 'shared')).toBeUndefined();
    await held.release();
    const again = await port.tryAcquire(key, 'exclusive');
    expect(again).toBeDefined();
    await again!.release();
  });

  cases.case('shared locks coexist and keep an exclusive one out', async ({ port, ns }) => {
    const key = `${ns}/k`;
    const a = await port.acquire(key, 'shared');
    const b = await port.acquire(key, 'shared');
    expect(await port.tryAcquire(key, 'exclusive')).toBeUndefined();
    await a.release();
    expect(await port.tryAcquire(key, 'exclusive')).toBeUndefined();
    await b.release();
    const ex = await port.tryAcquire(key, 'exclusive');
    expect(ex).toBeDefined();
    await ex!.release();
  });

  cases.case('different keys do not wait for each other', async ({ port, ns }) => {
    const a = await port.acquire(`${ns}/a`, 'exclusive');
    const b = await port.tryAcquire(`${ns}/b`, 'exclusive');
    expect(b).toBeDefined();
    await Promise.all([a.release(), b!.release()]);
  });

  cases.case('keys with any portable character are locks of their own', async ({ port, ns }) => {
    const keys = ['ü/€', '%_\'"', 'a b', 'x'.repeat(900), '😀'].map((k) => `${ns}/${k}`);
    const leases = await Promise.all(keys.map((k) => port.acquire(k, 'exclusive')));
    for (const k of keys) expect(await port.tryAcquire(k, 'exclusive'), k).toBeUndefined();
    await Promise.all(leases.map((l) => l.release()));
  });

  cases.case('releasing twice is harmless, and a held lease is not lost', async ({ port, ns }) => {
    const lease = await port.acquire(`${ns}/k`, 'exclusive');
    expect(lease.lost.aborted).toBe(false);
    await lease.release();
    await lease.release();
    const next = await port.tryAcquire(`${ns}/k`, 'exclusive');
    expect(next).toBeDefined();
    await next!.release();
  });
}

function registerWaitingCases(cases: CaseRegistry<LockCase>): void {
  cases.case('a waiting acquire is granted once the holder releases', async ({ port, ns }) => {
    const key = `${ns}/k`;
    const held = await port.acquire(key, 'exclusive');
    let granted = false;
    const waiting = port.acquire(key, 'exclusive').then((lease) => {
      granted = true;
      return lease;
    });
    await sleep(50);
    expect(granted).toBe(false);
    await held.release();
    expect(await settlesWithin(waiting, 5_000)).toBe(true);
    await (await waiting).release();
  });

  cases.case('a wait aborted by its signal is Aborted and leaves nothing held', async ({ port, ns }) => {
    const key = `${ns}/k`;
    const held = await port.acquire(key, 'exclusive');
    const controller = new AbortController();
    const waiting = port.acquire(key, 'exclusive', { signal: controller.signal });
    setTimeout(() => controller.abort(), 30);
    expect(await kindOf(() => waiting)).toBe('Aborted');
    await held.release();
    const next = await port.acquire(key, 'exclusive', { signal: AbortSignal.timeout(5_000) });
    await next.release();
  });

  cases.case('a wait whose signal times out is Timeout', async ({ port, ns }) => {
    const key = `${ns}/k`;
    const held = await port.acquire(key, 'exclusive');
    expect(await kindOf(() => port.acquire(key, 'shared', { signal: AbortSignal.timeout(30) }))).toBe(
      'Timeout',
    );
    await held.release();
  });

  cases.case(
    'exclusive sections never overlap under contention',
    { timeout: 60_000 },
    async ({ port, ns }) => {
      const key = `${ns}/counter`;
      let inside = 0;
      let overlaps = 0;
      let total = 0;
      await Promise.all(
        Array.from({ length: 12 }, async () => {
          for (let i = 0; i < 8; i++) {
            const lease = await port.acquire(key, 'exclusive');
            inside++;
            if (inside > 1) overlaps++;
            await sleep(1);
            total++;
            inside--;
            await lease.release();
          }
        }),
      );
      expect(overlaps).toBe(0);
      expect(total).toBe(96);
    },
  );

  cases.case(
    'readers never see a writer at work, and both make progress',
    { timeout: 60_000 },
    async ({ port, ns }) => {
      const key = `${ns}/rw`;
      let writing = false;
      let readersSawWriter = 0;
      let reads = 0;
      let writes = 0;
      const readers = Array.from({ length: 6 }, async () => {
        for (let i = 0; i < 10; i++) {
          const lease = await port.acquire(key, 'shared');
          if (writing) readersSawWriter++;
          reads++;
          await sleep(1);
          await lease.release();
        }
      });
      const writers = Array.from({ length: 2 }, async () => {
        for (let i = 0; i < 5; i++) {
          const lease = await port.acquire(key, 'exclusive');
          writing = true;
          await sleep(2);
          writing = false;
          writes++;
          await lease.release();
        }
      });
      await Promise.all([...readers, ...writers]);
      expect(readersSawWriter).toBe(0);
      expect([reads, writes]).toEqual([60, 10]);
    },
  );
}

function registerPeerCases(cases: CaseRegistry<LockCase>): void {
  const withPeer = async (c: LockCase): Promise<Locks> => {
    if (c.options.createPeer === undefined)
      c.skip('has no peer instance over the same lock space (options.createPeer)');
    return c.options.createPeer!();
  };

  cases.case('a lock excludes the same key on another instance', async (c) => {
    const peer = await withPeer(c);
    try {
      const key = `${c.ns}/shared-space`;
      const held = await c.port.acquire(key, 'exclusive');
      expect(await peer.tryAcquire(key, 'shared')).toBeUndefined();
      const waiting = peer.acquire(key, 'exclusive');
      await sleep(50);
      await held.release();
      expect(await settlesWithin(waiting, 5_000)).toBe(true);
      const lease: Lease = await waiting;
      expect(await c.port.tryAcquire(key, 'shared')).toBeUndefined();
      await lease.release();
    } finally {
      await peer.close();
    }
  });

  cases.case('an instance that goes away releases its locks (as a process that dies)', async (c) => {
    const peer = await withPeer(c);
    const key = `${c.ns}/dies`;
    await peer.acquire(key, 'exclusive');
    await peer.acquire(`${key}-2`, 'shared');
    await peer.close();
    const lease = await c.port.acquire(key, 'exclusive', { signal: AbortSignal.timeout(5_000) });
    const other = await c.port.acquire(`${key}-2`, 'exclusive', { signal: AbortSignal.timeout(5_000) });
    await Promise.all([lease.release(), other.release()]);
  });

  cases.case('shared locks coexist across instances', async (c) => {
    const peer = await withPeer(c);
    try {
      const key = `${c.ns}/readers`;
      const a = await c.port.acquire(key, 'shared');
      const b = await peer.tryAcquire(key, 'shared');
      expect(b).toBeDefined();
      expect(await c.port.tryAcquire(key, 'exclusive')).toBeUndefined();
      await Promise.all([a.release(), b!.release()]);
    } finally {
      await peer.close();
    }
  });
}

const CATEGORIES: ReadonlyArray<Category<LockCase>> = [
  ['modes', registerModeCases],
  ['waiting', registerWaitingCases],
  ['across instances', registerPeerCases],
];

/**
 * Registers the Locks contract: exclusive and shared modes, waiting with cancellation and
 * timeouts, mutual exclusion under contention, and (given a peer instance) exclusion across
 * instances and release when an instance goes away.
 */
export function describeLocksConformance(options: LocksConformanceOptions): void {
  describePortSuite<Locks, LocksConformanceOptions>('Locks conformance', options, CATEGORIES, async () => {});
}

export function locksConformanceCaseNames(): string[] {
  return caseNames(CATEGORIES);
}
