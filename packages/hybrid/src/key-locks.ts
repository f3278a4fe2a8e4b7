import {
  abortedError,
  type Lease,
  type LockMode,
  type Locks,
  StorageError,
  throwIfAborted,
} from '@stowage/core';
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

/**
 * A `Locks` port within one process, on the kit's keyed reader/writer lock: what a hybrid
 * that follows a rollout uses for its version gates when no shared `Locks` was configured.
 */
export class LocalLocks implements Locks {
  private readonly lock = new KeyedRwLock();
  private closed = false;

  async acquire(key: string, mode: LockMode, options: { signal?: AbortSignal } = {}): Promise<Lease> {
    this.assertOpen();
    const ctx = { operation: 'lock', key, backend: 'hybrid' };
    const signal = options.signal;
    throwIfAborted(signal, ctx);
    const granted = this.lock.acquire(key, mode === 'exclusive');
    if (signal === undefined) return localLease(await granted);
    return new Promise<Lease>((resolve, reject) => {
      const onAbort = () => {
        reject(abortedError(signal, ctx));
        granted.then((release) => release());
      };
      signal.addEventListener('abort', onAbort, { once: true });
      granted.then((release) => {
        signal.removeEventListener('abort', onAbort);
        if (!signal.aborted) resolve(localLease(release));
      });
    });
  }

  async tryAcquire(key: string, mode: LockMode): Promise<Lease | undefined> {
    this.assertOpen();
    const release = this.lock.tryAcquire(key, mode === 'exclusive');
    return release === undefined ? undefined : localLease(release);
  }

  async close(): Promise<void> {
    this.closed = true;
  }

  private assertOpen(): void {
    if (this.closed) throw new StorageError('Unavailable', 'These locks are closed', { backend: 'hybrid' });
  }
}

const NEVER_LOST = new AbortController().signal;

function localLease(release: () => void): Lease {
  return {
    lost: NEVER_LOST,
    release: async () => release(),
  };
}
