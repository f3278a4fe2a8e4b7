import { EventEmitter } from 'node:events';
import {
  compareKeys,
  isStorageError,
  type JobState,
  type JobStateStore,
  type ListPage,
  type ListPageOptions,
  type ObjectStore,
  StorageError,
} from '@stowage/core';
import { assertPageProgress, decodeKeyCursor } from '@stowage/kit';
import type { HybridObjectStore } from './hybrid-object-store.js';
import type { RelocateOptions, RelocateOutcome } from './relocate.js';
import { otherSide, routeFor, type Side } from './routing.js';
import type { CleanupReport } from './stale-copy-cleaner.js';

/** JobStateStore kind of migration checkpoints. */
export const MIGRATION_JOB_KIND = 'migration';

export interface MigratorOptions {
  store: HybridObjectStore;
  /** Where the checkpoint lives (kind "migration", id `jobId`). Default: the store's `jobs`. */
  jobs?: JobStateStore;
  /** Keys moved at once. Default 4. */
  concurrency?: number;
  /** Report what would move without changing anything. */
  dryRun?: boolean;
  /** Names the checkpoint; a run with the same id resumes an unfinished one. Default "default". */
  jobId?: string;
  /** Stops the run: keys in flight finish or are left untouched, the checkpoint is saved, `run()` throws Aborted. */
  signal?: AbortSignal;
  /** Only keys under this prefix. */
  prefix?: string;
  /** Retries per key (and per listing page) for transient failures. Default 3. */
  retries?: number;
  /** Pause before a retry, doubled each time. Default 100 ms. */
  retryDelayMs?: number;
  /** Save the checkpoint after this many finished keys. Default 100. */
  checkpointEvery?: number;
  /** Called with a report snapshot after every key, like the "progress" event. */
  onProgress?: (progress: MigrationProgress) => void;
  /**
   * Read every copy back from the destination to compare sha256, also when the destination
   * verified the source's sha256 while writing it (the default trusts that check: see
   * `RelocateOptions.reread`). Default false.
   */
  reread?: boolean;
}

export interface MigrationFailure {
  key: string;
  reason: string;
}

export interface MigrationReport {
  jobId: string;
  dryRun: boolean;
  /** The percentage the last pass ran at. */
  percentage: number;
  /** The rollout version the last pass ran at, when the store follows a rollout. */
  rolloutVersion?: number;
  /**
   * Following a rollout: whether this run settled its version (a complete pass at it with no
   * failure, and no stale copy recorded on a routed side), so processes take the fast path.
   */
  settled?: boolean;
  /** Distinct keys seen on either side. */
  scanned: number;
  /** Keys copied to their routed side (each verified by sha256 before its source was removed). */
  moved: number;
  /**
   * Copies verified by sha256 before their source was removed: checked by the destination
   * while writing (it declares `sha256` and was given the source's), or re-read from it.
   */
  verified: number;
  /** Of `verified`, those read back from the destination to be hashed. */
  reread: number;
  /** Keys that looked misplaced but needed no copy: gone meanwhile, or a newer version already on the routed side. */
  skipped: number;
  /** Stale copies removed. */
  cleaned: number;
  /** Bytes copied (dry run: bytes that would be copied). */
  bytes: number;
  /** Dry run: keys that would be copied. */
  wouldMove: number;
  failed: MigrationFailure[];
  /** Scans started (a percentage change during a run restarts the scan). */
  passes: number;
  /** The checkpoint this run resumed after, if it resumed. */
  resumedAfter?: string;
  /** Pending cleanups run at the end. */
  cleanups?: CleanupReport;
  completed: boolean;
}

export interface MigrationProgress extends MigrationReport {
  key: string;
  outcome: RelocateOutcome['status'] | 'failed';
}

interface Checkpoint {
  format: 1;
  percentage: number;
  /** The rollout version of the pass (following a rollout): a run resumes only at the same version. */
  version?: number;
  prefix: string;
  /** Every key up to and including this one is finished. */
  after?: string;
  done: boolean;
  report: Omit<MigrationReport, 'jobId' | 'dryRun' | 'completed' | 'cleanups' | 'resumedAfter' | 'settled'>;
}

const MAX_RECORDED_FAILURES = 1000;

/**
 * Moves keys that sit on the wrong side of a HybridObjectStore for its current percentage
 * (README.md, "Migrator"). Lists both sides in key order, and for each misplaced
 * key runs `store.relocate`: a streaming copy hashed with sha256 on the way, verified by the
 * destination's own sha256 check (or a streaming re-read of it, with `reread` or when the
 * destination cannot check sha256), and only then removal of the source.
 * Concurrent writes are safe: relocation runs under the store's per-key lock, uses
 * `ifNoneMatch: '*'` on the destination and re-checks the source's etag before removing it.
 *
 * Progress: the low-water mark of finished keys is checkpointed (kind "migration"), so a
 * killed run resumes after it; keys finished past it are found already in place and cost
 * a listing entry, not a copy. A percentage change during a run restarts the scan.
 *
 * Events: "progress" (MigrationProgress after every key), "failed" (MigrationFailure),
 * "checkpoint" ({ after }), "pass" ({ percentage, after }).
 */
export class Migrator extends EventEmitter {
  private readonly store: HybridObjectStore;
  private readonly jobs: JobStateStore;
  private readonly concurrency: number;
  private readonly dryRun: boolean;
  private readonly jobId: string;
  private readonly signal: AbortSignal | undefined;
  private readonly prefix: string;
  private readonly retries: number;
  private readonly retryDelayMs: number;
  private readonly checkpointEvery: number;
  private readonly onProgress: ((progress: MigrationProgress) => void) | undefined;
  private readonly reread: boolean;
  private state: MigrationReport;
  private version = 0;
  private running = false;
  /** The routing the current pass runs with. */
  private routing: { percentage: number; version: number | undefined } = {
    percentage: 0,
    version: undefined,
  };
  /** `state.failed.length` when the passes at the current routing began. */
  private failuresBefore = 0;

  /** @throws ConfigInvalid for bad options. */
  constructor(options: MigratorOptions) {
    super();
    const ctx = { operation: 'migrator.create', backend: 'hybrid' };
    if (options.store === undefined) {
      throw new StorageError('ConfigInvalid', 'Migrator needs a `store`', ctx);
    }
    const concurrency = options.concurrency ?? 4;
    if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 256) {
      throw new StorageError(
        'ConfigInvalid',
        `concurrency must be an integer from 1 to 256; got ${concurrency}`,
        ctx,
      );
    }
    const retries = options.retries ?? 3;
    if (!Number.isInteger(retries) || retries < 0) {
      throw new StorageError('ConfigInvalid', `retries must be a non-negative integer; got ${retries}`, ctx);
    }
    const every = options.checkpointEvery ?? 100;
    if (!Number.isInteger(every) || every < 1) {
      throw new StorageError(
        'ConfigInvalid',
        `checkpointEvery must be a positive integer; got ${every}`,
        ctx,
      );
    }
    this.store = options.store;
    this.jobs = options.jobs ?? options.store.jobs;
    this.concurrency = concurrency;
    this.dryRun = options.dryRun ?? false;
    this.jobId = options.jobId ?? 'default';
    this.signal = options.signal;
    this.prefix = options.prefix ?? '';
    this.retries = retries;
    this.retryDelayMs = Math.max(0, options.retryDelayMs ?? 100);
    this.checkpointEvery = every;
    this.onProgress = options.onProgress;
    this.reread = options.reread ?? false;
    this.state = this.freshReport(this.store.percentage);
  }

  /** The report so far (also after `run()` threw, e.g. Aborted). */
  get report(): MigrationReport {
    return structuredClone(this.state);
  }

  /**
   * Runs (or resumes) the migration to completion.
   * @throws Aborted when `signal` aborts (the checkpoint is saved first; see `report`).
   * @throws Conflict when another run holds the same job (its checkpoint moved under us).
   * @throws the listing's error when a side cannot be listed after retries.
   */
  async run(): Promise<MigrationReport> {
    if (this.running)
      throw new StorageError('Conflict', 'This Migrator is already running', { operation: 'migrate' });
    this.running = true;
    try {
      return await this.runOnce();
    } finally {
      this.running = false;
    }
  }

  private async runOnce(): Promise<MigrationReport> {
    const saved = this.dryRun ? null : await this.jobs.get<Checkpoint>(MIGRATION_JOB_KIND, this.jobId);
    this.version = saved?.version ?? 0;
    let after: string | undefined;
    this.routing = await this.currentRouting();
    this.state = this.freshReport(this.routing.percentage);
    this.failuresBefore = 0;
    if (saved !== null && this.resumable(saved)) {
      after = saved.data.after;
      Object.assign(this.state, structuredClone(saved.data.report));
      if (after !== undefined) this.state.resumedAfter = after;
    }
    for (;;) {
      const pass = await this.runPass(after);
      if (pass === 'restart') {
        after = undefined;
        this.routing = await this.currentRouting();
        this.failuresBefore = this.state.failed.length;
        continue;
      }
      break;
    }
    if (!this.dryRun) {
      this.state.cleanups = await this.store.runPendingCleanups(
        this.signal === undefined ? {} : { signal: this.signal },
      );
      await this.saveCheckpoint(undefined, true);
      const version = this.routing.version;
      if (version !== undefined) {
        // A complete pass at this version with no failure (the failure list is capped: beyond
        // it, no settling): the store then refuses if a stale copy is recorded on a routed side.
        const clean =
          this.state.failed.length === this.failuresBefore &&
          this.state.failed.length < MAX_RECORDED_FAILURES;
        this.state.settled = clean && (await this.store.settleRollout(version));
      }
    }
    this.state.completed = true;
    return this.report;
  }

  /** The percentage (and rollout version, when following one) scans run with now. */
  private async currentRouting(): Promise<{ percentage: number; version: number | undefined }> {
    const rollout = await this.store.currentRollout(this.signal);
    return rollout ?? { percentage: this.store.percentage, version: undefined };
  }

  /** Whether the routing changed since the pass began (a percentage change, or a newer rollout version). */
  private routingChanged(): boolean {
    if (this.routing.version === undefined) return this.store.percentage !== this.routing.percentage;
    return this.store.rollout?.version !== this.routing.version;
  }

  private resumable(saved: JobState<Checkpoint>): boolean {
    const data = saved.data;
    return (
      data?.format === 1 &&
      !data.done &&
      data.percentage === this.routing.percentage &&
      data.version === this.routing.version &&
      data.prefix === this.prefix
    );
  }

  /** One scan of both sides from `after`. 'restart' when the percentage changed under it. */
  private async runPass(after: string | undefined): Promise<'done' | 'restart'> {
    const { percentage, version } = this.routing;
    this.state.percentage = percentage;
    if (version !== undefined) this.state.rolloutVersion = version;
    this.state.passes++;
    // Following a rollout, other processes record stale copies too: know them before scanning.
    if (version !== undefined && !this.dryRun) await this.store.refreshPendingCleanups();
    this.emit('pass', { percentage, after, ...(version === undefined ? {} : { version }) });
    const window = new FinishedWindow(after);
    const inFlight = new Set<Promise<void>>();
    let sinceCheckpoint = 0;
    let restart = false;
    let scanError: unknown;

    const finish = async (key: string, counted: boolean) => {
      window.finish(key, counted);
      if (++sinceCheckpoint >= this.checkpointEvery) {
        sinceCheckpoint = 0;
        await this.saveCheckpoint(window.watermark, false);
      }
    };

    try {
      for await (const entry of this.scan(after)) {
        if (this.signal?.aborted) break;
        if (this.routingChanged()) {
          restart = true;
          break;
        }
        this.state.scanned++;
        window.start(entry.key);
        const routed = routeFor(entry.key, percentage);
        const misplaced = entry.sides.has(otherSide(routed)) || this.store.staleSide(entry.key) !== undefined;
        if (!misplaced) {
          await finish(entry.key, true);
          continue;
        }
        while (inFlight.size >= this.concurrency) await Promise.race(inFlight);
        const task = this.process(entry.key).then(
          (done) => finish(entry.key, done),
          (error: unknown) => {
            scanError ??= error;
          },
        );
        const tracked: Promise<void> = task.finally(() => inFlight.delete(tracked));
        inFlight.add(tracked);
      }
    } catch (error) {
      scanError ??= error;
    }
    await Promise.allSettled([...inFlight]);
    if (!this.dryRun) await this.saveCheckpoint(window.watermark, false);
    if (scanError !== undefined) throw scanError;
    if (this.signal?.aborted) {
      throw new StorageError('Aborted', 'Migration aborted; run again to resume from the checkpoint', {
        operation: 'migrate',
        backend: 'hybrid',
        cause: this.signal.reason,
      });
    }
    return restart ? 'restart' : 'done';
  }

  /** Relocates one key with retries. Resolves false when it was left undone by an abort. */
  private async process(key: string): Promise<boolean> {
    let attempt = 0;
    for (;;) {
      try {
        const options: RelocateOptions = { dryRun: this.dryRun, reread: this.reread };
        if (this.signal !== undefined) options.signal = this.signal;
        const outcome = await this.store.relocate(key, options);
        this.record(key, outcome);
        return true;
      } catch (error) {
        if (isStorageError(error, 'Aborted') && this.signal?.aborted) return false;
        if (attempt < this.retries && retryable(error) && !this.signal?.aborted) {
          await delay(this.retryDelayMs * 2 ** attempt);
          attempt++;
          continue;
        }
        const reason = isStorageError(error) ? `${error.kind}: ${error.message}` : String(error);
        const failure = { key, reason };
        if (this.state.failed.length < MAX_RECORDED_FAILURES) this.state.failed.push(failure);
        this.emit('failed', failure);
        this.progress(key, 'failed');
        return true;
      }
    }
  }

  private record(key: string, outcome: RelocateOutcome): void {
    const s = this.state;
    switch (outcome.status) {
      case 'moved':
        s.moved++;
        s.verified++;
        if (outcome.verifiedBy === 'reread') s.reread++;
        s.bytes += outcome.bytes;
        break;
      case 'would-move':
        s.wouldMove++;
        s.bytes += outcome.bytes;
        break;
      case 'cleaned':
        s.cleaned++;
        break;
      case 'kept-destination':
      case 'in-place':
        s.skipped++;
        break;
    }
    this.progress(key, outcome.status);
  }

  private progress(key: string, outcome: MigrationProgress['outcome']): void {
    if (this.listenerCount('progress') === 0 && this.onProgress === undefined) return;
    const progress: MigrationProgress = { ...this.report, key, outcome };
    this.emit('progress', progress);
    this.onProgress?.(progress);
  }

  /** Keys of both sides merged in UTF-8 order, each with the sides it is on. */
  private async *scan(after: string | undefined): AsyncGenerator<{ key: string; sides: Set<Side> }> {
    const from = this.keysOf(this.store.backend('from'), after)[Symbol.asyncIterator]();
    const to = this.keysOf(this.store.backend('to'), after)[Symbol.asyncIterator]();
    let a = await from.next();
    let b = await to.next();
    while (!a.done || !b.done) {
      const c = a.done ? 1 : b.done ? -1 : compareKeys(a.value, b.value);
      if (c < 0) {
        yield { key: a.value as string, sides: new Set<Side>(['from']) };
        a = await from.next();
      } else if (c > 0) {
        yield { key: b.value as string, sides: new Set<Side>(['to']) };
        b = await to.next();
      } else {
        yield { key: a.value as string, sides: new Set<Side>(['from', 'to']) };
        a = await from.next();
        b = await to.next();
      }
    }
  }

  private async *keysOf(store: ObjectStore, after: string | undefined): AsyncGenerator<string> {
    let cursor: string | undefined;
    let position = after;
    do {
      const options: ListPageOptions = { limit: 1000 };
      if (this.prefix !== '') options.prefix = this.prefix;
      if (after !== undefined) options.startAfter = after;
      if (cursor !== undefined) options.cursor = cursor;
      if (this.signal !== undefined) options.signal = this.signal;
      const page: ListPage = await this.withRetries(() => store.listPage(options));
      // A page that goes backwards would make the migrator copy keys twice or never finish.
      assertPageProgress(page, position, options, { operation: 'migrate', backend: store.name });
      for (const item of page.items) yield item.key;
      cursor = page.cursor;
      if (cursor !== undefined) position = decodeKeyCursor(cursor);
    } while (cursor !== undefined);
  }

  private async withRetries<T>(
    fn: () => Promise<T>,
    shouldRetry: (error: unknown) => boolean = retryable,
  ): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await fn();
      } catch (error) {
        if (attempt >= this.retries || !shouldRetry(error) || this.signal?.aborted) throw error;
        await delay(this.retryDelayMs * 2 ** attempt);
      }
    }
  }

  private saving: Promise<void> = Promise.resolve();

  /** Saves the checkpoint (compare-and-swap on the job version; saves never overlap). */
  private saveCheckpoint(after: string | undefined, done: boolean): Promise<void> {
    if (this.dryRun) return Promise.resolve();
    const {
      jobId: _j,
      dryRun: _d,
      completed: _c,
      cleanups: _u,
      resumedAfter: _r,
      settled: _s,
      ...report
    } = this.state;
    const data: Checkpoint = {
      format: 1,
      percentage: this.routing.percentage,
      prefix: this.prefix,
      done,
      report,
    };
    if (this.routing.version !== undefined) data.version = this.routing.version;
    if (after !== undefined) data.after = after;
    const next = this.saving.then(async () => {
      const saved = await this.withRetries(
        () =>
          this.jobs.save(MIGRATION_JOB_KIND, this.jobId, structuredClone(data), {
            expectedVersion: this.version,
          }),
        // A version conflict means another run owns this job: never retried.
        (error) => isStorageError(error) && error.retryable && error.kind !== 'Conflict',
      );
      this.version = saved.version;
      this.emit('checkpoint', { after });
    });
    this.saving = next.catch(() => {});
    return next;
  }

  private freshReport(percentage: number): MigrationReport {
    return {
      jobId: this.jobId,
      dryRun: this.dryRun,
      percentage,
      scanned: 0,
      moved: 0,
      verified: 0,
      reread: 0,
      skipped: 0,
      cleaned: 0,
      bytes: 0,
      wouldMove: 0,
      failed: [],
      passes: 0,
      completed: false,
    };
  }
}

/**
 * Tracks keys started in scan order and finished in any order; the watermark is the last
 * key before the first unfinished one, i.e. everything up to it is done.
 */
class FinishedWindow {
  private readonly queue: Array<{ key: string; done: boolean }> = [];
  private readonly byKey = new Map<string, { key: string; done: boolean }>();
  watermark: string | undefined;

  constructor(after: string | undefined) {
    this.watermark = after;
  }

  start(key: string): void {
    const slot = { key, done: false };
    this.queue.push(slot);
    this.byKey.set(key, slot);
  }

  /** `counted` false: left undone (aborted), so the watermark must stay before it. */
  finish(key: string, counted: boolean): void {
    const slot = this.byKey.get(key);
    if (slot === undefined || !counted) return;
    slot.done = true;
    this.byKey.delete(key);
    while (this.queue.length > 0 && this.queue[0]!.done) this.watermark = this.queue.shift()!.key;
  }
}

function retryable(error: unknown): boolean {
  if (!isStorageError(error)) return false;
  return error.retryable || error.kind === 'Integrity' || error.kind === 'Conflict';
}

function delay(ms: number): Promise<void> {
  return ms <= 0 ? Promise.resolve() : new Promise((resolve) => setTimeout(resolve, ms));
}
