import type { Clock } from '@stowage/core';
import type { Held } from './key-locks.js';
import type { Router } from './router.js';

export interface CleanupReport {
  attempted: number;
  cleaned: number;
  remaining: number;
}

/**
 * Deletes recorded stale copies and forgets them, each under its key's exclusive lock (the
 * side a record names never holds the latest acknowledged version, in any process, at any
 * rollout version, so this needs no rollout version of its own):
 * on demand (`run`), and in the background after operations at most every `intervalMs`.
 * A failure leaves the record in place for the next attempt; nothing here throws on a
 * backend failure.
 */
export class StaleCopyCleaner {
  private lastRunAt = Number.NEGATIVE_INFINITY;
  private running: Promise<CleanupReport> | undefined;
  private closed = false;

  constructor(
    private readonly router: Router,
    private readonly clock: Clock,
    /** 0 turns background runs off. */
    private readonly intervalMs: number,
  ) {}

  /** One run at a time: a call during a run joins it. */
  run(options: { signal?: AbortSignal; concurrency?: number } = {}): Promise<CleanupReport> {
    if (this.running !== undefined) return this.running;
    this.lastRunAt = this.clock.now().getTime();
    const run = this.cleanAll(options).finally(() => {
      if (this.running === run) this.running = undefined;
    });
    this.running = run;
    return run;
  }

  /** Called after every operation: starts a background run when one is due. */
  afterOperation(): void {
    if (this.closed || this.intervalMs === 0 || this.running !== undefined) return;
    if (this.router.index.pendingCount === 0) return;
    if (this.clock.now().getTime() - this.lastRunAt < this.intervalMs) return;
    this.run().catch((error: unknown) => {
      this.router.logger.warn('hybrid: background cleanup failed', { error: String(error) });
    });
  }

  /** Stops background runs and waits for one in progress. */
  async close(): Promise<void> {
    this.closed = true;
    await this.running?.catch(() => {});
  }

  private async cleanAll(options: { signal?: AbortSignal; concurrency?: number }): Promise<CleanupReport> {
    const { index, locks } = this.router;
    await this.router.ready();
    // Shared by several processes: clean what any of them recorded.
    if (index.coherent) await index.refresh();
    const keys = index.pendingKeys();
    const report: CleanupReport = { attempted: 0, cleaned: 0, remaining: 0 };
    const concurrency = Math.max(1, options.concurrency ?? 8);
    let next = 0;
    const worker = async () => {
      while (next < keys.length) {
        if (options.signal?.aborted) return;
        const key = keys[next++]!;
        report.attempted++;
        let held: Held;
        try {
          held = await locks.acquire([{ key, exclusive: true }]);
        } catch (error) {
          this.router.logger.debug('hybrid: cleanup could not lock a key', { key, error: String(error) });
          continue;
        }
        try {
          if (await this.cleanKey(key, held.lost)) report.cleaned++;
        } finally {
          held.release();
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(concurrency, keys.length) }, worker));
    report.remaining = index.pendingCount;
    return report;
  }

  /** Removes one key's stale copy; the caller holds its lock. Never throws: failures stay recorded. */
  private async cleanKey(key: string, lost: AbortSignal | undefined): Promise<boolean> {
    const { index } = this.router;
    try {
      await index.resync(key);
      const stale = index.staleSide(key);
      if (stale === undefined) return !index.isDirty(key);
      // A lost lock may let another process write that side meanwhile: never delete then.
      if (lost?.aborted) return false;
      await this.router.backend(stale).delete(key);
      await index.clear(key);
      return index.staleSide(key) === undefined;
    } catch (error) {
      index.noteFailure(key, error);
      this.router.logger.debug('hybrid: cleanup attempt failed', { key, error: String(error) });
      return false;
    }
  }
}
