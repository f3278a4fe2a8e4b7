import { type Clock, isStorageError, type JobStateStore, type Logger, StorageError } from '@stowage/core';
import type { Side } from './routing.js';

/** JobStateStore kind of the durable stale-copy records. */
export const CLEANUP_JOB_KIND = 'hybrid-cleanup';

/** What a durable stale-copy record holds. */
export interface StaleCopyRecord {
  namespace: string;
  key: string;
  /** The side whose copy of `key` must never be served and is to be deleted. */
  stale: Side;
  reason: StaleReason;
  since: string;
}

export type StaleReason = 'write' | 'delete' | 'migrate' | 'copy';

interface Entry {
  /** The side whose copy is garbage, as this process knows it; undefined: neither. */
  stale: Side | undefined;
  reason: StaleReason;
  since: string;
  /** The durable record may disagree with `stale` (a save or delete failed). */
  dirty: boolean;
  attempts: number;
  lastError?: string;
}

/**
 * The stale-copy index: for each key that has one, which side holds a copy that must
 * never be served (an older version left behind by a write, or an object a delete could
 * not remove). Held in memory, authoritative for this process, and mirrored durably into
 * the JobStateStore (kind "hybrid-cleanup") so a restart keeps hiding and cleaning stale copies.
 *
 * The durable invariant the store maintains: a durable record "side X is stale" never
 * exists while X holds the latest acknowledged version of the key. Hence deleting the
 * copy a durable record names can never lose acknowledged data. When a save or delete of
 * a record fails the entry is marked dirty, and the next change to that key first
 * re-writes the record (`resync`) before touching any backend.
 */
export class StaleCopyIndex {
  private readonly entries = new Map<string, Entry>();
  private loading: Promise<void> | undefined;
  private loaded = false;

  constructor(
    private readonly jobs: JobStateStore,
    private readonly namespace: string,
    private readonly clock: Clock,
    private readonly logger: Logger,
    /**
     * Shared by several processes: the durable record is the truth, re-read under the key's
     * lock before every use (`resync`), and a record this process failed to write is not
     * re-written later from memory (another process may have changed the key meanwhile).
     */
    readonly coherent = false,
  ) {}

  get isLoaded(): boolean {
    return this.loaded;
  }

  /** Loads durable records once; a failed load is retried by the next call. */
  ensureLoaded(): Promise<void> {
    if (this.loaded) return Promise.resolve();
    this.loading ??= this.load().then(
      () => {
        this.loaded = true;
      },
      (error: unknown) => {
        this.loading = undefined;
        throw new StorageError(
          'Unavailable',
          'Could not load pending hybrid cleanups from the job state store',
          {
            operation: 'hybrid.loadCleanups',
            backend: 'hybrid',
            cause: error,
          },
        );
      },
    );
    return this.loading;
  }

  /**
   * Re-reads durable records written by other processes (entries of this process win when
   * dirty; when coherent, the durable records replace memory).
   */
  async refresh(): Promise<void> {
    await this.ensureLoaded();
    if (this.coherent) {
      const seen = new Set<string>();
      await this.load(seen);
      for (const key of [...this.entries.keys()]) if (!seen.has(key)) this.entries.delete(key);
    } else {
      await this.load();
    }
  }

  /**
   * Makes memory match the durable record of `key` (coherent mode; the caller holds the
   * key's lock, so the record cannot change under it except by this process).
   * @throws Unavailable when the job state store fails.
   */
  async loadKey(key: string): Promise<void> {
    let job: Awaited<ReturnType<JobStateStore['get']>>;
    try {
      job = await this.jobs.get<StaleCopyRecord>(CLEANUP_JOB_KIND, `${this.namespace}:${key}`);
    } catch (error) {
      throw unavailable(`Could not read hybrid cleanup state for ${JSON.stringify(key)}`, key, error);
    }
    const data = job?.data as StaleCopyRecord | undefined;
    if (data?.stale !== 'from' && data?.stale !== 'to') {
      this.entries.delete(key);
      return;
    }
    const current = this.entries.get(key);
    this.entries.set(key, {
      stale: data.stale,
      reason: data.reason,
      since: data.since,
      dirty: false,
      attempts: current?.attempts ?? 0,
    });
  }

  /**
   * The side the durable record of `key` names, read without touching memory (the fast
   * path runs without the key's lock, beside locked operations that rely on memory).
   * @throws Unavailable when the job state store fails.
   */
  async durableStaleSide(key: string): Promise<Side | undefined> {
    let job: Awaited<ReturnType<JobStateStore['get']>>;
    try {
      job = await this.jobs.get<StaleCopyRecord>(CLEANUP_JOB_KIND, `${this.namespace}:${key}`);
    } catch (error) {
      throw unavailable(`Could not read hybrid cleanup state for ${JSON.stringify(key)}`, key, error);
    }
    const stale = (job?.data as StaleCopyRecord | undefined)?.stale;
    return stale === 'from' || stale === 'to' ? stale : undefined;
  }

  /**
   * Records durably, without touching memory (see `durableStaleSide`), that `side`'s copy
   * of `key` is stale.
   * @throws Unavailable when the record could not be saved.
   */
  async recordStale(key: string, side: Side, reason: StaleReason): Promise<void> {
    const record: StaleCopyRecord = {
      namespace: this.namespace,
      key,
      stale: side,
      reason,
      since: this.clock.now().toISOString(),
    };
    try {
      await this.jobs.save(CLEANUP_JOB_KIND, `${this.namespace}:${key}`, record);
    } catch (error) {
      throw unavailable(`Could not record hybrid cleanup state for ${JSON.stringify(key)}`, key, error);
    }
  }

  private async load(seen?: Set<string>): Promise<void> {
    let cursor: string | undefined;
    const prefix = `${this.namespace}:`;
    do {
      const page = await this.jobs.list<StaleCopyRecord>(CLEANUP_JOB_KIND, { cursor, limit: 1000 });
      for (const job of page.items) {
        if (!job.id.startsWith(prefix)) continue;
        const data = job.data;
        if (data?.stale !== 'from' && data?.stale !== 'to') continue;
        const key = job.id.slice(prefix.length);
        seen?.add(key);
        const current = this.entries.get(key);
        if (current?.dirty && !this.coherent) continue;
        this.entries.set(key, {
          stale: data.stale,
          reason: data.reason,
          since: data.since,
          dirty: false,
          attempts: current?.attempts ?? 0,
        });
      }
      cursor = page.cursor;
    } while (cursor !== undefined);
  }

  /** The side whose copy of `key` must not be served, if any. */
  staleSide(key: string): Side | undefined {
    return this.entries.get(key)?.stale;
  }

  /** Keys with a stale copy still to delete, or a record still to fix. */
  pendingKeys(): string[] {
    return [...this.entries.keys()];
  }

  get pendingCount(): number {
    return this.entries.size;
  }

  /** Stale copies of keys under `prefix` on `side` (used to hide "folders" that hold only stale copies). */
  hasStaleUnder(side: Side, prefix: string): boolean {
    for (const [key, entry] of this.entries) {
      if (entry.stale === side && key.startsWith(prefix)) return true;
    }
    return false;
  }

  /**
   * Records durably that `side`'s copy of `key` is stale. The memory entry is set first, so
   * this process never serves the copy even when the save fails.
   * @throws Unavailable when the record could not be saved (the entry stays, dirty).
   */
  async markStale(key: string, side: Side, reason: StaleReason): Promise<void> {
    const entry: Entry = {
      stale: side,
      reason,
      since: this.clock.now().toISOString(),
      dirty: true,
      attempts: this.entries.get(key)?.attempts ?? 0,
    };
    this.entries.set(key, entry);
    await this.persist(key, entry);
  }

  /**
   * Forgets `key`'s stale copy once it is gone. A failed delete of the record is harmless
   * (the record names a copy that no longer exists) and is retried later, so this never throws.
   */
  async clear(key: string): Promise<void> {
    const entry = this.entries.get(key);
    if (entry === undefined) return;
    entry.stale = undefined;
    entry.dirty = true;
    try {
      await this.persist(key, entry);
    } catch (error) {
      this.logger.warn('hybrid: could not delete a cleanup record; will retry', {
        key,
        error: String(error),
      });
    }
  }

  isDirty(key: string): boolean {
    return this.entries.get(key)?.dirty === true;
  }

  /**
   * Before a key is used under its lock: makes the durable record match memory (one
   * process), or memory match the durable record (coherent, several processes).
   * @throws Unavailable when the job state store still fails.
   */
  async resync(key: string): Promise<void> {
    if (this.coherent) return this.loadKey(key);
    const entry = this.entries.get(key);
    if (entry?.dirty) await this.persist(key, entry);
  }

  noteFailure(key: string, error: unknown): void {
    const entry = this.entries.get(key);
    if (entry === undefined) return;
    entry.attempts++;
    entry.lastError = error instanceof Error ? error.message : String(error);
  }

  private async persist(key: string, entry: Entry): Promise<void> {
    const id = `${this.namespace}:${key}`;
    try {
      if (entry.stale === undefined) {
        await this.jobs.delete(CLEANUP_JOB_KIND, id);
      } else {
        const record: StaleCopyRecord = {
          namespace: this.namespace,
          key,
          stale: entry.stale,
          reason: entry.reason,
          since: entry.since,
        };
        await this.jobs.save(CLEANUP_JOB_KIND, id, record);
      }
    } catch (error) {
      entry.dirty = true;
      throw new StorageError(
        'Unavailable',
        `Could not record hybrid cleanup state for ${JSON.stringify(key)}`,
        {
          operation: 'hybrid.recordCleanup',
          key,
          backend: 'hybrid',
          retryable: !isStorageError(error) || error.retryable || error.kind === 'Conflict',
          cause: error,
        },
      );
    }
    entry.dirty = false;
    // Only drop the entry if nothing changed it while the save was in flight.
    if (entry.stale === undefined && this.entries.get(key) === entry) this.entries.delete(key);
  }
}

function unavailable(message: string, key: string, cause: unknown): StorageError {
  return new StorageError('Unavailable', message, {
    operation: 'hybrid.recordCleanup',
    key,
    backend: 'hybrid',
    retryable: !isStorageError(cause) || cause.retryable || cause.kind === 'Conflict',
    cause,
  });
}
