import { type Lease, type LockMode, type Locks, StorageError, throwIfAborted } from '@stowage/core';
import { KeyedRwLock } from './keyed-rw-lock.js';

const NEVER_LOST = new AbortController().signal;

/**
 * The `Locks` port within one process, on `KeyedRwLock`: what a single process uses when no
 * lock service is shared (memory mode, a hybrid without a database). A lease is never lost:
 * nothing but this process holds it.
 */
export class InProcessLocks implements Locks {
  private readonly lock = new KeyedRwLock();
  private closed = false;

  /** @param backend names these locks in errors (default `in-process`). */
  constructor(private readonly backend = 'in-process') {}

  /**
   * @throws Aborted (Timeout for a timed-out signal) when `signal` aborts the wait;
   *   Unavailable after `close`.
   */
  async acquire(key: string, mode: LockMode, options: { signal?: AbortSignal } = {}): Promise<Lease> {
    this.assertOpen();
    const ctx = { operation: 'lock', key, backend: this.backend };
    throwIfAborted(options.signal, ctx);
    return lease(await this.lock.acquire(key, mode === 'exclusive', options.signal, ctx));
  }

  /** @throws Unavailable after `close`. */
  async tryAcquire(key: string, mode: LockMode): Promise<Lease | undefined> {
    this.assertOpen();
    const release = this.lock.tryAcquire(key, mode === 'exclusive');
    return release === undefined ? undefined : lease(release);
  }

  async close(): Promise<void> {
    this.closed = true;
  }

  private assertOpen(): void {
    if (this.closed)
      throw new StorageError('Unavailable', 'These locks are closed', { backend: this.backend });
  }
}

function lease(release: () => void): Lease {
  return { lost: NEVER_LOST, release: async () => release() };
}
