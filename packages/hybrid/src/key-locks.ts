import type { Lease, Locks } from '@stowage/core';
import { KeyedRwLock } from '@stowage/kit';

/** Locks held by one operation. */
export interface Held {
  /** Gives the locks back (never throws; a port's release runs in the background). */
  release(): void;
  /** Aborts when a lock was lost before release (its lock service connection died). */
  readonly lost: AbortSignal | undefined;
}

export interface LockRequest {
  key: string;
  exclusive: boolean;
}

/**
 * The hybrid's per-key locks: the kit's in-process reader/writer lock (the default, with a
 * synchronous fast path for reads), or a `Locks` port shared by a fleet of processes. Keys
 * are taken in one fixed order (merged, sorted), so two operations — in one process or in
 * two — cannot deadlock.
 */
export interface KeyLocking {
  /** True when the locks are shared beyond this process (a `Locks` port was configured). */
  readonly shared: boolean;
  /** A shared lock taken synchronously when it is free (in-process only), else undefined. */
  tryShared(key: string): Held | undefined;
  acquire(requests: LockRequest[], signal?: AbortSignal): Promise<Held>;
  /** Waits for releases still in flight (a port's unlock round trips). */
  settle(): Promise<void>;
}

/** Merged (exclusive wins) and in byte order of the lock names. */
function ordered(requests: LockRequest[]): LockRequest[] {
  const merged = new Map<string, boolean>();
  for (const { key, exclusive } of requests) merged.set(key, (merged.get(key) ?? false) || exclusive);
  return [...merged.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([key, exclusive]) => ({ key, exclusive }));
}

export class LocalKeyLocking implements KeyLocking {
  readonly shared = false;
  private readonly lock = new KeyedRwLock();

  tryShared(key: string): Held | undefined {
    const release = this.lock.tryAcquire(key, false);
    return release === undefined ? undefined : { release, lost: undefined };
  }

  async acquire(requests: LockRequest[]): Promise<Held> {
    // The kit's lock merges and orders several keys itself.
    const release =
      requests.length === 1
        ? await this.lock.acquire(requests[0]!.key, requests[0]!.exclusive)
        : await this.lock.acquireMany(requests);
    return { release, lost: undefined };
  }

  async settle(): Promise<void> {}
}

/** Lock names of object keys: `k:<namespace>:<key>` (rollout gates use `v:<namespace>:<version>`). */
export function keyLockName(namespace: string, key: string): string {
  return `k:${namespace}:${key}`;
}

export class PortKeyLocking implements KeyLocking {
  readonly shared = true;
  private readonly releasing = new Set<Promise<void>>();

  constructor(
    private readonly locks: Locks,
    private readonly namespace: string,
  ) {}

  tryShared(): Held | undefined {
    return undefined;
  }

  async acquire(requests: LockRequest[], signal?: AbortSignal): Promise<Held> {
    const leases: Lease[] = [];
    try {
      for (const { key, exclusive } of ordered(
        requests.map((r) => ({ ...r, key: keyLockName(this.namespace, r.key) })),
      )) {
        const options = signal === undefined ? {} : { signal };
        leases.push(await this.locks.acquire(key, exclusive ? 'exclusive' : 'shared', options));
      }
    } catch (error) {
      this.releaseAll(leases);
      throw error;
    }
    const signals = [...new Set(leases.map((lease) => lease.lost))];
    const lost = signals.length === 1 ? signals[0] : AbortSignal.any(signals);
    let released = false;
    return {
      lost,
      release: () => {
        if (released) return;
        released = true;
        this.releaseAll(leases);
      },
    };
  }

  async settle(): Promise<void> {
    await Promise.all([...this.releasing]);
  }

  /** Releases in reverse order, in the background: the caller's answer need not wait for the unlock. */
  private releaseAll(leases: Lease[]): void {
    for (const lease of [...leases].reverse()) {
      const done: Promise<void> = lease
        .release()
        .catch(() => {})
        .finally(() => this.releasing.delete(done));
      this.releasing.add(done);
    }
  }
}
