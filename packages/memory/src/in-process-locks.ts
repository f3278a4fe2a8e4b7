import {
  abortedError,
  type Lease,
  type LockMode,
  type Locks,
  StorageError,
  throwIfAborted,
} from '@stowage/core';
import { KeyedRwLock } from '@stowage/kit';

/** A lease that is never lost: nothing but this process holds it. */
class ProcessLease implements Lease {
  readonly lost = new AbortController().signal;
  constructor(private readonly releaseLock: () => void) {}
  async release(): Promise<void> {
    this.releaseLock();
  }
}

/** Locks within one process (the default when no database is shared): the kit's keyed reader/writer lock. */
export class InProcessLocks implements Locks {
  private readonly lock = new KeyedRwLock();
  private closed = false;

  async acquire(key: string, mode: LockMode, options: { signal?: AbortSignal } = {}): Promise<Lease> {
    this.assertOpen();
    const ctx = { operation: 'lock', key, backend: 'in-process' };
    throwIfAborted(options.signal, ctx);
    const granted = this.lock.acquire(key, mode === 'exclusive');
    const signal = options.signal;
    if (signal === undefined) return new ProcessLease(await granted);
    return new Promise<Lease>((resolve, reject) => {
      const onAbort = () => {
        reject(abortedError(signal, ctx));
        // Still queued: give the lock back the moment it is granted.
        granted.then((release) => release());
      };
      signal.addEventListener('abort', onAbort, { once: true });
      granted.then((release) => {
        signal.removeEventListener('abort', onAbort);
        if (!signal.aborted) resolve(new ProcessLease(release));
      });
    });
  }

  async tryAcquire(key: string, mode: LockMode): Promise<Lease | undefined> {
    this.assertOpen();
    const release = this.lock.tryAcquire(key, mode === 'exclusive');
    return release === undefined ? undefined : new ProcessLease(release);
  }

  async close(): Promise<void> {
    this.closed = true;
  }

  private assertOpen(): void {
    if (this.closed)
      throw new StorageError('Unavailable', 'These locks are closed', { backend: 'in-process' });
  }
}
