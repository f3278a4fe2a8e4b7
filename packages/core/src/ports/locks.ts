/** A held lock. */
export interface Lease {
  /** Releases the lock; releasing twice is harmless. Never throws. */
  release(): Promise<void>;
  /**
   * Aborts when the lock is lost before `release` (the connection that held it died): work
   * done under it from then on is no longer protected, and should stop.
   */
  readonly lost: AbortSignal;
}

export type LockMode = 'shared' | 'exclusive';

/**
 * Per-key shared/exclusive locks across everything that shares the implementation: one
 * process (in-process locks) or a fleet of processes (PostgreSQL advisory locks). Any number
 * of shared holders, or one exclusive holder, per key. A process that dies releases its locks.
 * The hybrid router takes its per-key locks here, so several processes can share a rollout.
 */
export interface Locks {
  /**
   * Waits for the lock (first come, first served within a process).
   * @throws Aborted (or Timeout) when `signal` aborts while waiting; nothing is held then.
   * @throws Unavailable when the lock service cannot be reached.
   */
  acquire(key: string, mode: LockMode, options?: { signal?: AbortSignal }): Promise<Lease>;
  /** The lock if it is free right now, else undefined. @throws Unavailable as `acquire`. */
  tryAcquire(key: string, mode: LockMode): Promise<Lease | undefined>;
  /** Releases everything this instance holds and stops; later calls throw `Unavailable`. */
  close(): Promise<void>;
}
