import {
  assertValidKey,
  type Body,
  type Capabilities,
  type Cdn,
  type DeleteManyResult,
  type GetOptions,
  type GetResult,
  type JobStateStore,
  type ListEntry,
  type Locks,
  type Logger,
  NoopLogger,
  type ObjectInfo,
  type ObjectStore,
  type PresignedRequest,
  type PresignGetOptions,
  type PresignPutOptions,
  type RolloutState,
  StorageError,
  SystemClock,
  throwIfAborted,
} from '@stowage/core';
import {
  type CheckedCopyOptions,
  CheckedObjectStore,
  type CheckedPutOptions,
  InProcessLocks,
  intersectCapabilities,
  type ListQuery,
  storageErrorFrom,
} from '@stowage/kit';
import { copyRouted } from './copy-routed.js';
import { deleteBatchBoth, deleteBoth } from './delete-both.js';
import { fastDelete, fastExists, fastRead, fastWrite } from './fast-path.js';
import { type HybridStoreConfig, parseHybridStoreConfig } from './hybrid-config.js';
import { InProcessJobStateStore } from './in-process-job-state.js';
import { LocalKeyLocking, PortKeyLocking } from './key-locks.js';
import { listMerged } from './list-merged.js';
import { presignGetRouted, presignPutRouted } from './presign-routed.js';
import { existsOnReadableSide, type Location, locate, readFirst, sideHolding } from './read-routed.js';
import { type RelocateOptions, type RelocateOutcome, relocateLocked } from './relocate.js';
import { RolloutFollower, type RolloutMode } from './rollout-follower.js';
import { RolloutMarkers } from './rollout-marker.js';
import { Router } from './router.js';
import type { Side } from './routing.js';
import { limitBody } from './size-limit.js';
import { StaleCopyIndex } from './stale-copies.js';
import { type CleanupReport, StaleCopyCleaner } from './stale-copy-cleaner.js';
import { writeRouted } from './write-routed.js';

/**
 * An ObjectStore over two backends for gradual, reversible migrations (README.md; the layers
 * are in docs/ARCHITECTURE.md). A stable hash puts each key in one of 100 buckets; buckets
 * below `percentage` route to `to`, the rest to `from`.
 *
 * Never stale. Every key has at most one fresh copy. A write goes to the routed side and
 * then removes the copy on the other side; when that removal fails, the other side is
 * recorded as holding a stale copy (memory + JobStateStore) before the write is
 * acknowledged. Reads never serve a recorded stale copy, and they read the other side only
 * when the routed side says NotFound. All steps on one key run under a per-key lock
 * (exclusive for changes, shared for reads), so a read in this process never sees a
 * half-done step. See README.md for the full argument, including crashes.
 *
 * Where each part lives: routing and locks `router.ts`; reads `read-routed.ts`; the write
 * protocol `write-routed.ts`; deletes `delete-both.ts`; copy and move `copy-routed.ts`;
 * the listing merge `list-merged.ts`; presigning `presign-routed.ts`; the stale-copy
 * records `stale-copies.ts` and their cleanup `stale-copy-cleaner.ts`; migration of one
 * key `relocate.ts`.
 *
 * Input is validated by the checked layer this class extends, before any of that runs.
 * Errors: a backend's error passes through naming that backend and the hybrid operation
 * the caller invoked; failures of the job state store surface as `Unavailable`.
 */
export class HybridObjectStore extends CheckedObjectStore {
  readonly name = 'hybrid';
  /** Only what both sides can do (`maxObjectSize` the smaller, enforced on both sides). */
  readonly capabilities: Readonly<Capabilities>;
  readonly from: ObjectStore;
  readonly to: ObjectStore;
  /** Where stale-copy records, the rollout marker and (by default) Migrator checkpoints live. */
  readonly jobs: JobStateStore;
  private readonly router: Router;
  private readonly cleaner: StaleCopyCleaner;
  private readonly locks: Locks | undefined;
  private readonly markers: RolloutMarkers;
  private readonly namespace: string;
  private readonly fastPath: boolean;
  private readonly settledCheckMs: number;
  private readonly logger: Logger;
  private rolloutName: string | undefined;

  /** @throws ConfigInvalid naming each bad setting (percentage, namespace, the same store on both sides, …). */
  constructor(config: HybridStoreConfig) {
    super();
    const parsed = parseHybridStoreConfig(config);
    const clock = parsed.clock ?? new SystemClock();
    const logger = (parsed.logger ?? new NoopLogger()).child({ component: 'hybrid' });
    if (parsed.jobs === undefined) {
      logger.warn('hybrid: no JobStateStore given; pending cleanups are kept in memory only');
    }
    this.jobs = parsed.jobs ?? new InProcessJobStateStore();
    // With shared locks, several processes share the records: re-read them under each lock.
    const index = new StaleCopyIndex(this.jobs, parsed.namespace, clock, logger, parsed.locks !== undefined);
    this.from = parsed.from;
    this.to = parsed.to;
    this.capabilities = Object.freeze(
      intersectCapabilities(parsed.from.capabilities, parsed.to.capabilities),
    );
    this.locks = parsed.locks;
    this.markers = new RolloutMarkers(this.jobs, parsed.namespace);
    this.namespace = parsed.namespace;
    this.fastPath = parsed.fastPath;
    this.settledCheckMs = parsed.settledCheckMs;
    this.logger = logger;
    const keyLocks =
      parsed.locks === undefined ? new LocalKeyLocking() : new PortKeyLocking(parsed.locks, parsed.namespace);
    this.router = new Router(parsed.from, parsed.to, parsed.percentage, index, logger, keyLocks, () =>
      this.cleaner.afterOperation(),
    );
    this.cleaner = new StaleCopyCleaner(this.router, clock, parsed.cleanupIntervalMs);
  }

  // ---------------------------------------------------------------- routing

  get percentage(): number {
    return this.router.percentage;
  }

  /**
   * Changes the share of keys routed to `to`, effective for operations that start
   * afterwards. Safe at any time: reads fall back to the other side on NotFound, so keys
   * not yet migrated stay readable; the Migrator moves them.
   * @throws InvalidInput unless an integer from 0 to 100 (the percentage is kept then).
   * @throws Conflict while the store follows a rollout (`followRollout`): set that instead.
   */
  setPercentage(percentage: number): void {
    this.router.setPercentage(percentage);
  }

  /**
   * Takes the percentage from a shared, versioned rollout from now on (README, "Several
   * processes"): every process following it operates at one rollout version at a time, so
   * processes never disagree about where a key lives while an operation is in flight, and
   * once the Migrator settles a version, put/get/head/exists/delete skip the per-key locks.
   * A rollout that was never set is seeded with the current percentage. Operations wait
   * until the first version is adopted. Every process of the rollout must follow it, with
   * the same `locks`, `jobs` and `namespace`.
   * @returns a function that stops watching for changes; the store stays at the version it
   * has (others then wait for it to leave): `close()` the store to leave the rollout.
   * @throws Conflict when the store already follows a rollout.
   */
  followRollout(rollouts: RolloutState, name: string = this.namespace): () => void {
    if (this.router.follower !== undefined) {
      throw new StorageError('Conflict', 'This hybrid store already follows a rollout', {
        operation: 'hybrid.followRollout',
        backend: 'hybrid',
      });
    }
    if (this.locks === undefined) {
      this.logger.warn(
        'hybrid: following a rollout without shared locks; processes will not coordinate (pass `locks`)',
      );
    }
    const follower = new RolloutFollower({
      rollouts,
      name,
      locks: this.locks ?? new InProcessLocks('hybrid'),
      markers: this.markers,
      namespace: this.namespace,
      logger: this.logger,
      fastPath: this.fastPath,
      settledCheckMs: this.settledCheckMs,
      seedPercentage: this.router.percentage,
    });
    this.router.follower = follower;
    this.rolloutName = name;
    follower.start();
    return () => follower.stopWatching();
  }

  /**
   * The rollout this store follows and the version it operates at: `mode` "fast" once the
   * Migrator settled that version. Undefined when not following, or before the first adoption.
   */
  get rollout(): { name: string; version: number; percentage: number; mode: RolloutMode } | undefined {
    const state = this.router.follower?.state;
    return state === undefined || this.rolloutName === undefined
      ? undefined
      : { name: this.rolloutName, ...state };
  }

  /**
   * The rollout version operations are admitted at now (waiting for an adoption in
   * progress), or undefined when the store does not follow a rollout.
   * @throws Unavailable as operations do when the rollout cannot be reached.
   */
  async currentRollout(signal?: AbortSignal): Promise<{ version: number; percentage: number } | undefined> {
    if (this.router.follower === undefined) return undefined;
    const ticket = await this.router.enter(signal);
    ticket.done();
    return ticket.version === undefined
      ? undefined
      : { version: ticket.version, percentage: ticket.percentage };
  }

  /**
   * Declares rollout `version` settled (the Migrator calls this after a complete pass at
   * that version with no failure): every key is on its routed side. Refused (false) unless
   * this store operates at `version` and no stale copy is recorded on a routed side.
   * @throws Unavailable when the job state store fails.
   */
  async settleRollout(version: number): Promise<boolean> {
    const follower = this.router.follower;
    if (follower === undefined) return false;
    const ticket = await this.router.enter();
    try {
      if (ticket.version !== version) return false;
      const { index } = this.router;
      await index.refresh();
      for (const key of index.pendingKeys()) {
        if (index.staleSide(key) === this.router.routeAt(key, ticket.percentage)) return false;
      }
      const at = new Date().toISOString();
      await this.markers.update((marker) => ({
        ...marker,
        settled: { version, percentage: ticket.percentage, at },
      }));
      follower.markSettled(version);
      this.logger.info('hybrid: rollout version settled', { version, percentage: ticket.percentage });
      return true;
    } finally {
      ticket.done();
    }
  }

  /** The side `key` routes to at the current percentage. */
  routeOf(key: string): Side {
    return this.router.routeOf(key);
  }

  /** The backend of one side. */
  backend(side: Side): ObjectStore {
    return this.router.backend(side);
  }

  /** The side holding a recorded stale copy of `key` (never served), if any. */
  staleSide(key: string): Side | undefined {
    return this.router.index.staleSide(key);
  }

  /** Number of keys with a recorded stale copy awaiting cleanup. */
  get pendingCleanups(): number {
    return this.router.index.pendingCount;
  }

  /**
   * Writes `key` through the write protocol with a writer of the caller's — the completion of
   * a resumable upload assembled on one side: under the key's lock and one rollout version,
   * `write` gets the routed side and its store (plus the conditions that side must enforce),
   * and afterwards the other side's copy is removed or recorded stale, as for `put`.
   * @throws as `put` for the conditions; whatever `write` throws (nothing else is changed then).
   */
  writeVia(
    key: string,
    options: { ifNoneMatch?: '*'; signal?: AbortSignal },
    write: (
      side: Side,
      store: ObjectStore,
      pass: { ifNoneMatch?: '*' | undefined; ifMatch?: string | undefined },
    ) => Promise<ObjectInfo>,
  ): Promise<ObjectInfo> {
    return this.runChecked('writeVia', key, options.signal, () => {
      const sideOf = (store: ObjectStore): Side => (store === this.router.backend('from') ? 'from' : 'to');
      const writer = (
        store: ObjectStore,
        pass: { ifNoneMatch?: '*' | undefined; ifMatch?: string | undefined },
      ) => write(sideOf(store), store, pass);
      return this.router.exclusive(
        [key],
        'writeVia',
        (op) => writeRouted(op, key, 'write', options, writer),
        {
          signal: options.signal,
          fast: (op) => fastWrite(op, key, 'write', options, writer),
        },
      );
    });
  }

  // ---------------------------------------------------------------- the checked layer's hooks

  /**
   * Writes to the routed side, then removes the other side's copy (or records it as stale
   * before returning). Conditions consider the object on either side: `ifNoneMatch: '*'`
   * fails if either side holds a fresh copy, `ifMatch` compares with the fresh copy's etag.
   * @throws as ObjectStore.put; `PayloadTooLarge` when a stream crosses the smaller side's
   * limit; `Unavailable` when the stale copy could not be recorded (the write then is not
   * acknowledged; this process still never serves the stale copy).
   */
  protected putObject(key: string, body: Body, options: CheckedPutOptions): Promise<ObjectInfo> {
    const limit = this.capabilities.maxObjectSize;
    const ctx = this.ctx('put', key);
    const write = (
      store: ObjectStore,
      pass: { ifNoneMatch?: '*' | undefined; ifMatch?: string | undefined },
    ) =>
      store.put(key, limitBody(body, limit, store.capabilities.maxObjectSize, ctx), { ...options, ...pass });
    return this.router.exclusive([key], 'put', (op) => writeRouted(op, key, 'write', options, write), {
      signal: options.signal,
      fast: (op) => fastWrite(op, key, 'write', options, write),
    });
  }

  /** Reads from the routed side, then the other side on NotFound only (never a recorded stale copy). @throws NotFound */
  protected getObject(key: string, options: GetOptions): Promise<GetResult> {
    const read = (store: ObjectStore) => store.get(key, options);
    return this.router.shared(key, 'get', (op) => readFirst(op, key, read), {
      signal: options.signal,
      fast: (op) => fastRead(op, key, read),
    });
  }

  /** @throws NotFound when neither side holds a fresh copy. */
  protected headObject(key: string, options: { signal?: AbortSignal }): Promise<ObjectInfo> {
    const read = (store: ObjectStore) => store.head(key, options);
    return this.router.shared(key, 'head', (op) => readFirst(op, key, read), {
      signal: options.signal,
      fast: (op) => fastRead(op, key, read),
    });
  }

  protected override existsObject(key: string, options: { signal?: AbortSignal }): Promise<boolean> {
    return this.router.shared(key, 'exists', (op) => existsOnReadableSide(op, key, options), {
      signal: options.signal,
      fast: (op) => fastExists(op, key, options),
    });
  }

  /**
   * Removes the object from both sides; a side that fails is recorded as stale, so the delete still holds.
   * @throws the backend's error when neither side deleted.
   */
  protected deleteObject(key: string, options: { signal?: AbortSignal }): Promise<void> {
    return this.router.exclusive([key], 'delete', (op) => deleteBoth(op, key, options.signal), {
      signal: options.signal,
      fast: (op) => fastDelete(op, key, options.signal),
    });
  }

  /** One `deleteMany` per side for the batch; per-key leftovers are recorded stale. Never throws per key. */
  protected override async deleteObjects(
    keys: readonly string[],
    options: { signal?: AbortSignal },
  ): Promise<DeleteManyResult> {
    const distinct = [...new Set(keys)];
    if (distinct.length === 0) return { deleted: 0, errors: [] };
    return this.router.exclusive(
      distinct,
      'deleteMany',
      (op) => deleteBatchBoth(op, distinct, options.signal),
      {
        signal: options.signal,
      },
    );
  }

  /**
   * Copies within or across sides: server-side when the source's fresh copy and the
   * destination's routed side are the same backend and it can, streamed otherwise.
   * `ifMatch` applies to the source, `ifNoneMatch` to the destination on either side.
   * @throws NotFound for a missing source; as the write protocol for the destination.
   */
  protected copyObject(from: string, to: string, options: CheckedCopyOptions): Promise<ObjectInfo> {
    return this.router.exclusive([to], 'copy', (op) => copyRouted(op, from, to, options), {
      sharedKeys: [from],
      signal: options.signal,
    });
  }

  /** Copy, then delete the source, both under the keys' exclusive locks. @throws as `copy`. */
  protected override moveObject(from: string, to: string, options: CheckedCopyOptions): Promise<ObjectInfo> {
    return this.router.exclusive(
      [from, to],
      'move',
      async (op) => {
        const info = await copyRouted(op, from, to, options);
        if (from !== to) await deleteBoth(op, from, options.signal);
        return info;
      },
      { signal: options.signal },
    );
  }

  /** Both sides merged in byte order, without duplicates or stale copies: see `listMerged`. */
  protected listEntries(query: ListQuery): AsyncIterable<ListEntry> {
    return listMerged(this.router, query);
  }

  /** A URL on the side that holds the object now (the routed side when it does not exist). */
  protected override presignGetUrl(key: string, options: PresignGetOptions): Promise<string> {
    return presignGetRouted(this.router, key, options);
  }

  /**
   * A PUT to the routed side, after any existing copy was moved there (see `presignPutRouted`).
   * @throws as `relocate` when an existing copy could not be moved; `Unavailable` when a stale
   * copy could not be removed yet.
   */
  protected override presignPutRequest(key: string, options: PresignPutOptions): Promise<PresignedRequest> {
    return presignPutRouted(this.router, key, options);
  }

  // ---------------------------------------------------------------- beyond the port

  /**
   * Where `key` lives now: its fresh copy's side, backend and info.
   * @throws NotFound when neither side holds a fresh copy; InvalidKey.
   */
  locate(key: string, options: { signal?: AbortSignal } = {}): Promise<Location> {
    return this.checked('locate', key, options.signal, () =>
      this.router.shared(key, 'locate', (op) => locate(op, key, options.signal), { signal: options.signal }),
    );
  }

  /**
   * The public URL of `key` on the CDN of the side that holds it now (the routed side's
   * when the object does not exist). A URL goes stale when the key later migrates: ask again.
   * @throws InvalidKey
   */
  publicUrl(key: string, cdns: Record<Side, Pick<Cdn, 'publicUrl'>>): Promise<string> {
    return this.checked('publicUrl', key, undefined, async () => {
      const side = await this.router.shared(key, 'publicUrl', (op) => sideHolding(op, key));
      return cdns[side].publicUrl(key);
    });
  }

  /**
   * Moves `key` to the side it routes to, if it is elsewhere: streams the fresh copy to the
   * routed side while hashing it, verifies it by sha256 (the destination's own check on the
   * put, or a re-read: `RelocateOptions.reread`), and only then removes the source. Reads
   * return the same version before and after. Stale copies met on the way are removed.
   * @throws Integrity when the copy does not verify (the source is kept, the copy removed).
   * @throws Conflict when the source changed during the copy (only possible from another process).
   */
  relocate(key: string, options: RelocateOptions = {}): Promise<RelocateOutcome> {
    return this.checked('relocate', key, options.signal, () =>
      this.router.exclusive([key], 'relocate', (op) => relocateLocked(op, key, options), {
        signal: options.signal,
      }),
    );
  }

  /**
   * Deletes recorded stale copies and forgets them; failures stay recorded for next time.
   * Also run in the background after operations (see `cleanupIntervalMs`).
   * @throws Unavailable when the records cannot be loaded from the job state store.
   */
  runPendingCleanups(options: { signal?: AbortSignal; concurrency?: number } = {}): Promise<CleanupReport> {
    return this.cleaner.run(options);
  }

  /** Re-reads cleanup records written by other processes sharing the JobStateStore. @throws Unavailable */
  async refreshPendingCleanups(): Promise<void> {
    await this.router.index.refresh();
  }

  /**
   * Stops background cleanups and waits for one in progress. Operations keep working, except
   * on a store following a rollout: it leaves the rollout (releases its version gate once
   * operations in flight end) and later operations fail with Unavailable.
   */
  async close(): Promise<void> {
    await this.cleaner.close();
    await this.router.follower?.close();
    await this.router.locks.settle();
  }

  /** Logs show the sides by name only: a side's own configuration may hold secrets. */
  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return `HybridObjectStore { from: ${this.from.name}, to: ${this.to.name}, percentage: ${this.percentage}, pendingCleanups: ${this.pendingCleanups} }`;
  }

  toJSON(): Record<string, unknown> {
    return { name: this.name, from: this.from.name, to: this.to.name, percentage: this.percentage };
  }

  /** The checked layer's guarantees for the methods beyond the port: key, abort, error context. */
  private async checked<T>(
    operation: string,
    key: string,
    signal: AbortSignal | undefined,
    fn: () => Promise<T>,
  ): Promise<T> {
    const ctx = this.ctx(operation, key);
    try {
      assertValidKey(key, ctx);
      throwIfAborted(signal, ctx);
      return await fn();
    } catch (error) {
      throw storageErrorFrom(error, ctx, signal);
    }
  }
}
