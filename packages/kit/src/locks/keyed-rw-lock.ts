import { abortedError } from '@stowage/core';

interface Waiter {
  exclusive: boolean;
  grant: () => void;
}

interface LockState {
  readers: number;
  writer: boolean;
  queue: Waiter[];
}

/**
 * Per-key reader/writer locks, first come first served. The hybrid store runs every
 * multi-step operation on a key (write then remove the other copy, migrate, clean up)
 * under the key's exclusive lock and every read under a shared one, so within a process
 * a read never observes a half-finished step. State exists only for keys in use.
 */
export class KeyedRwLock {
  private readonly states = new Map<string, LockState>();

  /**
   * Resolves with a release function once the lock is held. With `signal`, a wait that is
   * aborted rejects with Aborted (Timeout for a timed-out signal) in `ctx`, and the lock, when
   * granted later, is given back at once.
   */
  acquire(
    key: string,
    exclusive: boolean,
    signal?: AbortSignal,
    ctx: Parameters<typeof abortedError>[1] = {},
  ): Promise<() => void> {
    if (signal === undefined) return this.acquireNow(key, exclusive);
    if (signal.aborted) return Promise.reject(abortedError(signal, ctx));
    const granted = this.acquireNow(key, exclusive);
    return new Promise<() => void>((resolve, reject) => {
      const onAbort = () => {
        reject(abortedError(signal, ctx));
        // Still queued: give the lock back the moment it is granted.
        void granted.then((release) => release());
      };
      signal.addEventListener('abort', onAbort, { once: true });
      void granted.then((release) => {
        signal.removeEventListener('abort', onAbort);
        if (!signal.aborted) resolve(release);
      });
    });
  }

  private acquireNow(key: string, exclusive: boolean): Promise<() => void> {
    let state = this.states.get(key);
    if (state === undefined) {
      state = { readers: 0, writer: false, queue: [] };
      this.states.set(key, state);
    }
    const s = state;
    if (s.queue.length === 0 && !s.writer && (!exclusive || s.readers === 0)) {
      this.take(s, exclusive);
      return Promise.resolve(this.releaser(key, s, exclusive));
    }
    return new Promise((resolve) => {
      s.queue.push({ exclusive, grant: () => resolve(this.releaser(key, s, exclusive)) });
    });
  }

  /** The release function when the lock is free right now, else undefined (then `acquire`). */
  tryAcquire(key: string, exclusive: boolean): (() => void) | undefined {
    let state = this.states.get(key);
    if (state === undefined) {
      state = { readers: 0, writer: false, queue: [] };
      this.states.set(key, state);
    } else if (state.queue.length > 0 || state.writer || (exclusive && state.readers > 0)) {
      return undefined;
    }
    this.take(state, exclusive);
    return this.releaser(key, state, exclusive);
  }

  /** Holds the locks of several keys (deduplicated, taken in a fixed order so two callers cannot deadlock). */
  async acquireMany(keys: Iterable<{ key: string; exclusive: boolean }>): Promise<() => void> {
    const merged = new Map<string, boolean>();
    for (const { key, exclusive } of keys) merged.set(key, (merged.get(key) ?? false) || exclusive);
    const ordered = [...merged.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    const releases: Array<() => void> = [];
    for (const [key, exclusive] of ordered) releases.push(await this.acquire(key, exclusive));
    return () => {
      for (const release of releases.reverse()) release();
    };
  }

  async with<T>(key: string, exclusive: boolean, fn: () => Promise<T>): Promise<T> {
    const release = await this.acquire(key, exclusive);
    try {
      return await fn();
    } finally {
      release();
    }
  }

  /** Keys currently locked or waited for (for tests and diagnostics). */
  get size(): number {
    return this.states.size;
  }

  private take(state: LockState, exclusive: boolean): void {
    if (exclusive) state.writer = true;
    else state.readers++;
  }

  private releaser(key: string, state: LockState, exclusive: boolean): () => void {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      if (exclusive) state.writer = false;
      else state.readers--;
      this.drain(key, state);
    };
  }

  private drain(key: string, state: LockState): void {
    while (state.queue.length > 0) {
      const next = state.queue[0]!;
      if (state.writer) return;
      if (next.exclusive && state.readers > 0) return;
      state.queue.shift();
      this.take(state, next.exclusive);
      next.grant();
      if (next.exclusive) return;
    }
    if (!state.writer && state.readers === 0) this.states.delete(key);
  }
}
