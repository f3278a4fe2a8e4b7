import {
  assertValidKey,
  type Body,
  type Capabilities,
  type Cdn,
  type Clock,
  type CopyOptions,
  type DeleteManyResult,
  type GetOptions,
  type GetResult,
  isStorageError,
  type JobStateStore,
  keyProblem,
  type ListEntry,
  type ListOptions,
  type ListPage,
  type ListPageOptions,
  type Logger,
  NoopLogger,
  type ObjectInfo,
  type ObjectStore,
  type ObjectSummary,
  type PresignedRequest,
  type PresignGetOptions,
  type PresignPutOptions,
  type PutOptions,
  StorageError,
  SystemClock,
  throwIfAborted,
} from '@stowage/core';
import {
  assertPageProgress,
  assertPresignExpiry,
  assertPutOptions,
  etagsMatch,
  intersectCapabilities,
  KeyedRwLock,
  listFromPages,
  resolveListStart,
  sha256OfStream,
} from '@stowage/kit';
import { InProcessJobStateStore } from './in-process-job-state.js';
import { buildPage, type MergedEntry, mergeSidePages, unionPages } from './merge-listing.js';
import { assertPercentage, otherSide, routingBucket, type Side } from './routing.js';
import { limitBody } from './size-limit.js';
import { StaleCopyIndex, type StaleReason } from './stale-copies.js';
import { hashThrough, preservedPutOptions } from './stream-hash.js';

export interface HybridObjectStoreOptions {
  /** The backend being migrated away from (keys in buckets >= percentage). */
  from: ObjectStore;
  /** The backend being migrated to (keys in buckets < percentage). */
  to: ObjectStore;
  /** Share of routing buckets (0–100, integer) sent to `to`. */
  percentage: number;
  /**
   * Durable home of pending cleanups (kind "hybrid-cleanup"). Without it they live in this
   * process only: a crash forgets them (reads stay correct for acknowledged data, see
   * DESIGN notes in the README, but stale copies are then left for the Migrator to find).
   */
  jobs?: JobStateStore;
  /** Separates the cleanup records of several hybrid stores sharing one JobStateStore. Default "default". */
  namespace?: string;
  clock?: Clock;
  logger?: Logger;
  /**
   * After an operation, retry pending cleanups in the background when at least this many
   * milliseconds (by `clock`) passed since the last attempt. 0 turns it off. Default 5000.
   */
  cleanupIntervalMs?: number;
}

/** Where an object currently lives. */
export interface Location {
  side: Side;
  store: ObjectStore;
  info: ObjectInfo;
}

/** What `relocate` did with one key. */
export type RelocateOutcome =
  /** Only on the side it routes to (or nowhere): nothing to do. */
  | { status: 'in-place'; side: Side | undefined }
  /** Copied to the routed side, verified by sha256, source removed (or its cleanup recorded). */
  | { status: 'moved'; from: Side; to: Side; bytes: number; sha256: string; cleanupPending: boolean }
  /** A stale copy was removed; nothing needed copying. */
  | { status: 'cleaned'; side: Side }
  /** The routed side already held a version (written meanwhile); it is what reads return, so it was kept and the other copy removed. */
  | { status: 'kept-destination'; from: Side; to: Side; cleanupPending: boolean }
  /** Dry run: this key would be copied. */
  | { status: 'would-move'; from: Side; to: Side; bytes: number };

export interface CleanupReport {
  attempted: number;
  cleaned: number;
  remaining: number;
}

const NAMESPACE = /^[A-Za-z0-9._-]{1,64}$/;

/**
 * An ObjectStore over two backends for gradual, reversible migrations (DESIGN.md "Hybrid
 * rollouts"). A stable hash puts each key in one of 100 buckets; buckets below
 * `percentage` route to `to`, the rest to `from`.
 *
 * Never stale. Every key has at most one fresh copy. A write goes to the routed side
 * and then removes the copy on the other side; when that removal fails, the other side is
 * recorded as holding a stale copy (memory + JobStateStore) before the write is
 * acknowledged. Reads never serve a recorded stale copy, and they read the other side
 * only when the routed side says NotFound. All steps on one key run under a per-key
 * lock (exclusive for changes, shared for reads), so a read in this process never sees
 * a half-done step. See README.md for the full argument, including crashes.
 *
 * Errors: backend errors pass through with their backend's name; failures of the job
 * state store surface as `Unavailable`; bad input is `InvalidKey`/`InvalidInput` before
 * any I/O; options neither backend... see each method.
 */
export class HybridObjectStore implements ObjectStore {
  readonly name = 'hybrid';
  readonly capabilities: Capabilities;
  readonly from: ObjectStore;
  readonly to: ObjectStore;
  private pct: number;
  private readonly index: StaleCopyIndex;
  private readonly locks = new KeyedRwLock();
  private readonly buckets = new Map<string, number>();
  private readonly clock: Clock;
  private readonly logger: Logger;
  private readonly cleanupIntervalMs: number;
  private lastCleanupAt = Number.NEGATIVE_INFINITY;
  private cleanupRun: Promise<CleanupReport> | undefined;
  private closed = false;

  /** @throws ConfigInvalid for a bad percentage, namespace, or the same store on both sides. */
  constructor(options: HybridObjectStoreOptions) {
    const ctx = { operation: 'hybrid.create', backend: 'hybrid' };
    if (options.from === undefined || options.to === undefined) {
      throw new StorageError('ConfigInvalid', 'HybridObjectStore needs both `from` and `to` stores', ctx);
    }
    if (options.from === options.to) {
      throw new StorageError(
        'ConfigInvalid',
        'HybridObjectStore needs two different stores for `from` and `to`',
        ctx,
      );
    }
    try {
      assertPercentage(options.percentage, ctx);
    } catch (error) {
      throw new StorageError('ConfigInvalid', (error as Error).message, ctx);
    }
    const namespace = options.namespace ?? 'default';
    if (!NAMESPACE.test(namespace)) {
      throw new StorageError('ConfigInvalid', 'namespace must be 1-64 of A-Z a-z 0-9 . _ -', ctx);
    }
    const interval = options.cleanupIntervalMs ?? 5000;
    if (!Number.isFinite(interval) || interval < 0) {
      throw new StorageError('ConfigInvalid', 'cleanupIntervalMs must be a non-negative number', ctx);
    }
    this.from = options.from;
    this.to = options.to;
    this.pct = options.percentage;
    this.clock = options.clock ?? new SystemClock();
    this.logger = (options.logger ?? new NoopLogger()).child({ component: 'hybrid' });
    this.cleanupIntervalMs = interval;
    this.capabilities = Object.freeze(
      intersectCapabilities(options.from.capabilities, options.to.capabilities),
    );
    if (options.jobs === undefined) {
      this.logger.warn('hybrid: no JobStateStore given; pending cleanups are kept in memory only');
    }
    this.index = new StaleCopyIndex(
      options.jobs ?? new InProcessJobStateStore(),
      namespace,
      this.clock,
      this.logger,
    );
  }

  // ---------------------------------------------------------------- routing

  get percentage(): number {
    return this.pct;
  }

  /**
   * Changes the share of keys routed to `to`, effective for operations that start
   * afterwards. Safe at any time: reads fall back to the other side on NotFound, so keys
   * not yet migrated stay readable; the Migrator moves them.
   * @throws InvalidInput unless an integer from 0 to 100.
   */
  setPercentage(percentage: number): void {
    assertPercentage(percentage, { operation: 'hybrid.setPercentage', backend: this.name });
    if (percentage !== this.pct)
      this.logger.info('hybrid: percentage changed', { from: this.pct, to: percentage });
    this.pct = percentage;
  }

  /** The side `key` routes to at the current percentage. */
  routeOf(key: string): Side {
    let bucket = this.buckets.get(key);
    if (bucket === undefined) {
      bucket = routingBucket(key);
      // A small memo of recent keys: hashing is cheap, but reads are the hot path.
      if (this.buckets.size >= 4096) this.buckets.clear();
      this.buckets.set(key, bucket);
    }
    return bucket < this.pct ? 'to' : 'from';
  }

  /** The backend of one side. */
  backend(side: Side): ObjectStore {
    return side === 'to' ? this.to : this.from;
  }

  /** The side holding a recorded stale copy of `key` (never served), if any. */
  staleSide(key: string): Side | undefined {
    return this.index.staleSide(key);
  }

  /** Number of keys with a recorded stale copy awaiting cleanup. */
  get pendingCleanups(): number {
    return this.index.pendingCount;
  }

  // ---------------------------------------------------------------- reads

  /** Reads from the routed side, then the other side on NotFound only (never a recorded stale copy). */
  async get(key: string, options: GetOptions = {}): Promise<GetResult> {
    assertValidKey(key, { operation: 'get', backend: this.name });
    return this.shared(key, () => this.readFirst(key, (store) => store.get(key, options)), 'get');
  }

  async head(key: string, options: { signal?: AbortSignal } = {}): Promise<ObjectInfo> {
    assertValidKey(key, { operation: 'head', backend: this.name });
    return this.shared(key, () => this.readFirst(key, (store) => store.head(key, options)), 'head');
  }

  async exists(key: string, options: { signal?: AbortSignal } = {}): Promise<boolean> {
    assertValidKey(key, { operation: 'exists', backend: this.name });
    return this.shared(
      key,
      async () => {
        for (const side of this.readOrder(key)) {
          if (await this.backend(side).exists(key, options)) return true;
        }
        return false;
      },
      'exists',
    );
  }

  /**
   * Where `key` lives now: its fresh copy's side, backend and info.
   * @throws NotFound when neither side holds a fresh copy.
   */
  async locate(key: string, options: { signal?: AbortSignal } = {}): Promise<Location> {
    assertValidKey(key, { operation: 'locate', backend: this.name });
    return this.shared(key, () => this.locateUnlocked(key, options.signal), 'locate');
  }

  /**
   * The public URL of `key` on the CDN of the side that holds it now (the routed side's
   * when the object does not exist). A URL goes stale when the key later migrates: ask again.
   */
  async publicUrl(key: string, cdns: Record<Side, Pick<Cdn, 'publicUrl'>>): Promise<string> {
    assertValidKey(key, { operation: 'publicUrl', backend: this.name });
    const side = await this.shared(
      key,
      async () => {
        try {
          return (await this.locateUnlocked(key)).side;
        } catch (error) {
          if (isStorageError(error, 'NotFound')) return this.readOrder(key)[0]!;
          throw error;
        }
      },
      'publicUrl',
    );
    return cdns[side].publicUrl(key);
  }

  // ---------------------------------------------------------------- writes

  /**
   * Writes to the routed side, then removes the other side's copy (or records it as stale
   * before returning). Conditions consider the object on either side: `ifNoneMatch: '*'`
   * fails if either side holds a fresh copy, `ifMatch` compares with the fresh copy's etag.
   * @throws as ObjectStore.put; `Unavailable` when the stale copy could not be recorded
   * (the write then is not acknowledged; this process still never serves the stale copy).
   */
  async put(key: string, body: Body, options: PutOptions = {}): Promise<ObjectInfo> {
    const ctx = { operation: 'put', key, backend: this.name };
    assertValidKey(key, ctx);
    assertPutOptions(options, ctx);
    this.assertConditionalSupport(options, ctx);
    throwIfAborted(options.signal, ctx);
    const max = this.capabilities.maxObjectSize;
    if (max !== undefined && options.contentLength !== undefined && options.contentLength > max) {
      throw new StorageError(
        'PayloadTooLarge',
        `contentLength ${options.contentLength} exceeds this store's limit of ${max}`,
        ctx,
      );
    }
    return this.exclusive(
      [key],
      () =>
        this.writeRouted(key, 'write', options, (store, pass) =>
          store.put(key, limitBody(body, max, store.capabilities.maxObjectSize, ctx), {
            ...options,
            ...pass,
          }),
        ),
      [],
      'put',
    );
  }

  /** Removes the object from both sides; a side that fails is recorded as stale, so the delete still holds. */
  async delete(key: string, options: { signal?: AbortSignal } = {}): Promise<void> {
    assertValidKey(key, { operation: 'delete', backend: this.name });
    await this.exclusive([key], () => this.deleteLocked(key, options.signal), [], 'delete');
  }

  async deleteMany(
    keys: Iterable<string> | AsyncIterable<string>,
    options: { signal?: AbortSignal } = {},
  ): Promise<DeleteManyResult> {
    const ctx = { operation: 'deleteMany', backend: this.name };
    if (
      keys === null ||
      typeof keys !== 'object' ||
      !(Symbol.iterator in keys || Symbol.asyncIterator in keys)
    ) {
      throw new StorageError('InvalidInput', 'deleteMany takes an iterable or async iterable of keys', ctx);
    }
    await this.ready();
    const result: DeleteManyResult = { deleted: 0, errors: [] };
    let batch: string[] = [];
    const flush = async () => {
      const unique = [...new Set(batch)];
      batch = [];
      const part = await this.deleteBatch(unique, options.signal);
      result.deleted += part.deleted;
      result.errors.push(...part.errors);
    };
    for await (const key of keys as AsyncIterable<string>) {
      throwIfAborted(options.signal, ctx);
      const problem = keyProblem(key);
      if (problem !== undefined) {
        result.errors.push({
          key: String(key),
          error: new StorageError('InvalidKey', `Invalid key ${JSON.stringify(key)}: ${problem}`, {
            ...ctx,
            key: typeof key === 'string' ? key : undefined,
          }),
        });
        continue;
      }
      batch.push(key);
      if (batch.length >= 1000) await flush();
    }
    if (batch.length > 0) await flush();
    this.afterOperation();
    return result;
  }

  /**
   * Copies within or across sides: server-side when the source's fresh copy and the
   * destination's routed side are the same backend and it can, streamed otherwise.
   * `ifMatch` applies to the source, `ifNoneMatch` to the destination on either side.
   */
  async copy(from: string, to: string, options: CopyOptions = {}): Promise<ObjectInfo> {
    const ctx = { operation: 'copy', backend: this.name };
    assertValidKey(from, ctx);
    assertValidKey(to, ctx);
    this.assertConditionalSupport({ ifNoneMatch: options.ifNoneMatch }, { ...ctx, key: to });
    return this.exclusive([to], () => this.copyLocked(from, to, options), [from], 'copy');
  }

  /** Copy, then delete the source, both under the keys' locks. @throws as `copy`. */
  async move(from: string, to: string, options: CopyOptions = {}): Promise<ObjectInfo> {
    const ctx = { operation: 'move', backend: this.name };
    assertValidKey(from, ctx);
    assertValidKey(to, ctx);
    this.assertConditionalSupport({ ifNoneMatch: options.ifNoneMatch }, { ...ctx, key: to });
    return this.exclusive(
      [from, to],
      async () => {
        const info = await this.copyLocked(from, to, options);
        if (from !== to) await this.deleteLocked(from, options.signal);
        return info;
      },
      [],
      'move',
    );
  }

  // ---------------------------------------------------------------- listing

  list(options: ListOptions = {}): AsyncIterable<ListEntry> {
    return listFromPages((page) => this.listPage(page), options, { operation: 'list', backend: this.name });
  }

  /**
   * Merges both sides in UTF-8 key order without duplicates (a key on both sides is
   * listed once, from its fresh side; a recorded stale copy is never listed). The cursor
   * is core's portable key cursor, so paging survives writes, moves and percentage changes.
   * Costs three backend listings per page (from, to, from, in sequence) so that an object
   * migrating during the call is still listed.
   */
  async listPage(options: ListPageOptions = {}): Promise<ListPage> {
    const ctx = { operation: 'listPage', backend: this.name };
    const { after, limit } = resolveListStart(options, ctx);
    await this.ready();
    const sideOptions: ListPageOptions = { limit };
    if (options.prefix !== undefined) sideOptions.prefix = options.prefix;
    if (options.delimiter !== undefined) sideOptions.delimiter = options.delimiter;
    if (after !== undefined) sideOptions.startAfter = after;
    if (options.signal !== undefined) sideOptions.signal = options.signal;
    // Objects only ever move by "write the new side, then delete the old one". Listing
    // from, then to, then from again (each after the previous finished) therefore sees
    // every object that exists throughout, whichever way it is moving.
    // A side whose page goes backwards would make the merge repeat keys or never end.
    const side = async (store: ObjectStore) => {
      const page = await store.listPage(sideOptions);
      assertPageProgress(page, after, sideOptions, { operation: 'listPage', backend: store.name });
      return page;
    };
    const fromFirst = await side(this.from);
    const toPage = await side(this.to);
    const fromAgain = await side(this.from);
    const merged = mergeSidePages(unionPages(fromFirst, fromAgain), toPage);
    const page = await buildPage(merged, limit, (entry) => this.keepListed(entry, options.signal));
    this.afterOperation();
    return page;
  }

  // ---------------------------------------------------------------- presign

  /** A URL on the side that holds the object now (the routed side when it does not exist). */
  async presignGet(key: string, options: PresignGetOptions): Promise<string> {
    const ctx = { operation: 'presignGet', key, backend: this.name };
    assertValidKey(key, ctx);
    this.assertPresignable('presignGet', options?.expiresIn, ctx);
    return this.shared(
      key,
      async () => {
        let side: Side;
        try {
          side = (await this.locateUnlocked(key)).side;
        } catch (error) {
          if (!isStorageError(error, 'NotFound')) throw error;
          side = this.readOrder(key)[0]!;
        }
        return this.backend(side).presignGet(key, options);
      },
      'presignGet',
    );
  }

  /**
   * A PUT to the routed side. An upload through it bypasses this router, so the router
   * cannot remove the other side's copy afterwards; instead, before signing, it moves any
   * existing copy to the routed side (verified, as the Migrator does) and removes stale
   * copies, so the upload replaces the only copy in place and no older version is left
   * to resurface on rollback.
   * @throws as `relocate` when an existing copy could not be moved; `Unavailable` when a
   * stale copy could not be removed yet.
   */
  async presignPut(key: string, options: PresignPutOptions): Promise<PresignedRequest> {
    const ctx = { operation: 'presignPut', key, backend: this.name };
    assertValidKey(key, ctx);
    this.assertPresignable('presignPut', options?.expiresIn, ctx);
    return this.exclusive(
      [key],
      async () => {
        const side = this.routeOf(key);
        await this.relocateLocked(key, {});
        if (this.index.staleSide(key) !== undefined) {
          throw new StorageError(
            'Unavailable',
            'A stale copy of this key could not be removed yet; retry',
            ctx,
          );
        }
        return this.backend(side).presignPut(key, options);
      },
      [],
      'presignPut',
    );
  }

  // ---------------------------------------------------------------- migration and cleanup

  /**
   * Moves `key` to the side it routes to, if it is elsewhere: streams the fresh copy to
   * the routed side while hashing it, re-reads the destination to compare sha256, and only
   * then removes the source. Reads return the same version before and after. Stale
   * copies met on the way are removed.
   * @throws Integrity when the copy does not verify (the source is kept, the copy removed).
   * @throws Conflict when the source changed during the copy (only possible from another process).
   */
  async relocate(
    key: string,
    options: { signal?: AbortSignal; dryRun?: boolean } = {},
  ): Promise<RelocateOutcome> {
    assertValidKey(key, { operation: 'relocate', backend: this.name });
    return this.exclusive([key], () => this.relocateLocked(key, options), [], 'relocate');
  }

  /**
   * Deletes recorded stale copies and forgets them; failures stay recorded for next time.
   * Also run in the background after operations (see `cleanupIntervalMs`).
   */
  runPendingCleanups(options: { signal?: AbortSignal; concurrency?: number } = {}): Promise<CleanupReport> {
    if (this.cleanupRun !== undefined) return this.cleanupRun;
    this.lastCleanupAt = this.clock.now().getTime();
    const run = this.cleanupAll(options).finally(() => {
      if (this.cleanupRun === run) this.cleanupRun = undefined;
    });
    this.cleanupRun = run;
    return run;
  }

  /** Re-reads cleanup records written by other processes sharing the JobStateStore. */
  async refreshPendingCleanups(): Promise<void> {
    await this.index.refresh();
  }

  /** Stops background cleanups and waits for one in progress. Operations keep working. */
  async close(): Promise<void> {
    this.closed = true;
    await this.cleanupRun?.catch(() => {});
  }

  // ---------------------------------------------------------------- internals

  private async ready(): Promise<void> {
    if (!this.index.isLoaded) await this.index.ensureLoaded();
  }

  private async shared<T>(key: string, fn: () => Promise<T>, operation?: string): Promise<T> {
    // Reads are the hot path: skip the awaits when nothing is pending (loaded, lock free).
    if (!this.index.isLoaded) await this.ready();
    const release = this.locks.tryAcquire(key, false) ?? (await this.locks.acquire(key, false));
    try {
      return await fn();
    } catch (error) {
      throw operation === undefined ? error : this.inContext(error, operation, key);
    } finally {
      release();
      this.afterOperation();
    }
  }

  private async exclusive<T>(
    keys: string[],
    fn: () => Promise<T>,
    sharedKeys: string[] = [],
    operation?: string,
  ): Promise<T> {
    await this.ready();
    const release = await this.locks.acquireMany([
      ...keys.map((key) => ({ key, exclusive: true })),
      ...sharedKeys.map((key) => ({ key, exclusive: false })),
    ]);
    try {
      return await fn();
    } catch (error) {
      throw operation === undefined ? error : this.inContext(error, operation, keys[0]);
    } finally {
      release();
      this.afterOperation();
    }
  }

  /**
   * Errors keep the backend that raised them (so "which side failed" is visible) but name
   * the operation the caller invoked; anything that is not a StorageError becomes Unexpected.
   */
  private inContext(error: unknown, operation: string, key: string | undefined): unknown {
    if (!isStorageError(error)) {
      return new StorageError('Unexpected', `hybrid ${operation} failed: ${String(error)}`, {
        operation,
        key,
        backend: this.name,
        cause: error,
      });
    }
    if (error.operation === operation) return error;
    const copy = new StorageError(error.kind, error.message, {
      operation,
      key: error.key ?? key,
      backend: error.backend ?? this.name,
      retryable: error.retryable,
      requestId: error.requestId,
      status: error.status,
      cause: error.cause,
    });
    copy.stack = error.stack;
    return copy;
  }

  /** Sides to read, in order: the routed side then the other, minus a recorded stale copy. */
  private readOrder(key: string): Side[] {
    const routed = this.routeOf(key);
    const stale = this.index.staleSide(key);
    if (stale === routed) return [otherSide(routed)];
    if (stale !== undefined) return [routed];
    return [routed, otherSide(routed)];
  }

  private async readFirst<T>(key: string, read: (store: ObjectStore, side: Side) => Promise<T>): Promise<T> {
    let notFound: unknown;
    for (const side of this.readOrder(key)) {
      try {
        return await read(this.backend(side), side);
      } catch (error) {
        if (!isStorageError(error, 'NotFound')) throw error;
        notFound = error;
      }
    }
    throw notFound;
  }

  private async locateUnlocked(key: string, signal?: AbortSignal): Promise<Location> {
    return this.readFirst(key, async (store, side) => ({
      side,
      store,
      info: await store.head(key, signal === undefined ? {} : { signal }),
    }));
  }

  private assertConditionalSupport(
    options: { ifNoneMatch?: '*'; ifMatch?: string },
    ctx: { operation: string; key?: string; backend: string },
  ): void {
    if (options.ifNoneMatch !== undefined && !this.capabilities.writeIfNoneMatch) {
      throw new StorageError(
        'Unsupported',
        'ifNoneMatch is not supported by both backends of this hybrid store',
        ctx,
      );
    }
    if (options.ifMatch !== undefined && !this.capabilities.writeIfMatch) {
      throw new StorageError(
        'Unsupported',
        'ifMatch is not supported by both backends of this hybrid store',
        ctx,
      );
    }
  }

  private assertPresignable(
    op: 'presignGet' | 'presignPut',
    expiresIn: number | undefined,
    ctx: { operation: string; key: string; backend: string },
  ): void {
    if (!this.capabilities[op]) {
      throw new StorageError(
        'Unsupported',
        `${op} is not supported by both backends of this hybrid store`,
        ctx,
      );
    }
    assertPresignExpiry(expiresIn as number, ctx);
  }

  /**
   * The write protocol, under the key's exclusive lock:
   * 1. evaluate conditions against the fresh copy, wherever it is;
   * 2. write the routed side (the backend enforces what it can: ifNoneMatch/ifMatch);
   * 3. if the routed side was recorded stale, re-point the record at the other side
   *    (its copy is now the older one) before touching it;
   * 4. delete the other side's copy; on failure record it as stale before acknowledging.
   */
  private async writeRouted(
    key: string,
    reason: StaleReason,
    conditions: { ifNoneMatch?: '*'; ifMatch?: string; signal?: AbortSignal },
    write: (store: ObjectStore, pass: { ifNoneMatch?: '*'; ifMatch?: string }) => Promise<ObjectInfo>,
  ): Promise<ObjectInfo> {
    await this.index.resync(key);
    const side = this.routeOf(key);
    const other = otherSide(side);
    const stale = this.index.staleSide(key);
    const target = this.backend(side);
    const signalOpt = conditions.signal === undefined ? {} : { signal: conditions.signal };
    if (this.capabilities.fileFolderConflict) await this.assertNoFolderConflict(key, side, signalOpt);
    const pass: { ifNoneMatch?: '*'; ifMatch?: string } = { ifNoneMatch: undefined, ifMatch: undefined };
    if (conditions.ifNoneMatch === '*') {
      if (stale !== other && (await this.backend(other).exists(key, signalOpt))) {
        throw new StorageError('AlreadyExists', 'An object already exists under this key', {
          operation: 'put',
          key,
          backend: this.name,
        });
      }
      // A recorded stale copy on the routed side does not count as existing: overwrite it.
      if (stale !== side) pass.ifNoneMatch = '*';
    } else if (conditions.ifMatch !== undefined) {
      let current: Location | undefined;
      try {
        current = await this.locateUnlocked(key, conditions.signal);
      } catch (error) {
        if (!isStorageError(error, 'NotFound')) throw error;
      }
      if (current === undefined) {
        throw new StorageError('PreconditionFailed', 'No object under this key to match', {
          operation: 'put',
          key,
          backend: this.name,
        });
      }
      if (current.side === side) {
        pass.ifMatch = conditions.ifMatch;
      } else if (!etagsMatch(current.info.etag, conditions.ifMatch)) {
        throw new StorageError(
          'PreconditionFailed',
          `ETag ${current.info.etag} does not match ${conditions.ifMatch}`,
          {
            operation: 'put',
            key,
            backend: this.name,
          },
        );
      } else if (stale !== side && target.capabilities.writeIfNoneMatch) {
        // The matched object is on the other side; nothing may appear on the routed side meanwhile.
        pass.ifNoneMatch = '*';
      }
    }
    const info = await write(target, pass);
    await this.removeOtherCopy(key, side, reason);
    return info;
  }

  /**
   * With a filesystem-like side, "a" and "a/b" cannot both exist, and the router keeps
   * that rule across sides too (else a later migration could never bring them together).
   * A side that enforces it itself is trusted for its own contents.
   * @throws Conflict when an ancestor of `key` is an object, or `key` is a folder, on either side.
   */
  private async assertNoFolderConflict(
    key: string,
    routed: Side,
    signalOpt: { signal?: AbortSignal },
  ): Promise<void> {
    const conflict = (message: string) =>
      new StorageError('Conflict', message, { operation: 'put', key, backend: this.name });
    const segments = key.split('/');
    await Promise.all(
      (['from', 'to'] as const).map(async (side) => {
        const store = this.backend(side);
        if (side === routed && store.capabilities.fileFolderConflict) return;
        const ancestors = segments.slice(1).map((_, i) => segments.slice(0, i + 1).join('/'));
        const [present, page] = await Promise.all([
          Promise.all(ancestors.map((ancestor) => store.exists(ancestor, signalOpt))),
          store.listPage({ prefix: `${key}/`, limit: 10, ...signalOpt }),
        ]);
        const clash = ancestors.find((ancestor, i) => present[i] && this.index.staleSide(ancestor) !== side);
        if (clash !== undefined) {
          throw conflict(`${JSON.stringify(clash)} is an object, so it cannot also be a folder`);
        }
        if (page.items.some((item) => this.index.staleSide(item.key) !== side)) {
          throw conflict(`${JSON.stringify(key)} is a folder of other keys, so it cannot also be an object`);
        }
      }),
    );
  }

  /** Steps 3 and 4 of the write protocol: `side` now holds the fresh copy. */
  private async removeOtherCopy(key: string, side: Side, reason: StaleReason): Promise<boolean> {
    const other = otherSide(side);
    if (this.index.staleSide(key) === side) await this.index.markStale(key, other, reason);
    try {
      await this.backend(other).delete(key);
    } catch (error) {
      this.index.noteFailure(key, error);
      if (this.index.staleSide(key) !== other) await this.index.markStale(key, other, reason);
      this.logger.warn('hybrid: stale copy left for cleanup', { key, side: other, error: String(error) });
      return false;
    }
    await this.index.clear(key);
    return true;
  }

  private async deleteLocked(key: string, signal?: AbortSignal): Promise<void> {
    throwIfAborted(signal, { operation: 'delete', key, backend: this.name });
    await this.index.resync(key);
    const opts = signal === undefined ? {} : { signal };
    const [fromResult, toResult] = await Promise.allSettled([
      this.from.delete(key, opts),
      this.to.delete(key, opts),
    ]);
    await this.settleDelete(
      key,
      fromResult.status === 'fulfilled' ? undefined : fromResult.reason,
      toResult.status === 'fulfilled' ? undefined : toResult.reason,
    );
  }

  /** Records the outcome of deleting `key` on both sides. @throws the failure when neither side deleted. */
  private async settleDelete(key: string, fromError: unknown, toError: unknown): Promise<void> {
    if (fromError === undefined && toError === undefined) {
      await this.index.clear(key);
      return;
    }
    if (fromError !== undefined && toError !== undefined) {
      this.index.noteFailure(key, fromError);
      throw fromError;
    }
    const failed: Side = fromError !== undefined ? 'from' : 'to';
    this.index.noteFailure(key, fromError ?? toError);
    if (this.index.staleSide(key) !== failed) await this.index.markStale(key, failed, 'delete');
    this.logger.warn('hybrid: delete left a stale copy for cleanup', {
      key,
      side: failed,
      error: String(fromError ?? toError),
    });
  }

  private async deleteBatch(keys: string[], signal?: AbortSignal): Promise<DeleteManyResult> {
    const result: DeleteManyResult = { deleted: 0, errors: [] };
    if (keys.length === 0) return result;
    const release = await this.locks.acquireMany(keys.map((key) => ({ key, exclusive: true })));
    try {
      const ready: string[] = [];
      for (const key of keys) {
        try {
          await this.index.resync(key);
          ready.push(key);
        } catch (error) {
          result.errors.push({ key, error: error as Error });
        }
      }
      const opts = signal === undefined ? {} : { signal };
      const perSide = await Promise.allSettled([
        this.from.deleteMany(ready, opts),
        this.to.deleteMany(ready, opts),
      ]);
      const failures = perSide.map((outcome) => {
        const map = new Map<string, unknown>();
        if (outcome.status === 'rejected') {
          for (const key of ready) map.set(key, outcome.reason);
        } else {
          for (const { key, error } of outcome.value.errors) map.set(key, error);
        }
        return map;
      });
      await Promise.all(
        ready.map(async (key) => {
          try {
            await this.settleDelete(key, failures[0]!.get(key), failures[1]!.get(key));
            result.deleted++;
          } catch (error) {
            result.errors.push({ key, error: error instanceof Error ? error : new Error(String(error)) });
          }
        }),
      );
    } finally {
      release();
    }
    return result;
  }

  private async copyLocked(from: string, to: string, options: CopyOptions): Promise<ObjectInfo> {
    const ctx = { operation: 'copy', key: from, backend: this.name };
    throwIfAborted(options.signal, ctx);
    const source = await this.locateUnlocked(from, options.signal);
    if (options.ifMatch !== undefined && !etagsMatch(source.info.etag, options.ifMatch)) {
      throw new StorageError(
        'PreconditionFailed',
        `Source ETag ${source.info.etag} does not match ${options.ifMatch}`,
        ctx,
      );
    }
    const conditions: { ifNoneMatch?: '*'; signal?: AbortSignal } = {};
    if (options.ifNoneMatch !== undefined) conditions.ifNoneMatch = options.ifNoneMatch;
    if (options.signal !== undefined) conditions.signal = options.signal;
    return this.writeRouted(to, 'copy', conditions, async (target, pass) => {
      if (source.store === target && target.capabilities.serverSideCopy) {
        const copyOptions: CopyOptions = { ...options };
        if (pass.ifNoneMatch !== undefined) copyOptions.ifNoneMatch = pass.ifNoneMatch;
        else delete copyOptions.ifNoneMatch;
        return target.copy(from, to, copyOptions);
      }
      const got = await source.store.get(
        from,
        options.signal === undefined ? {} : { signal: options.signal },
      );
      if (!etagsMatch(got.info.etag, source.info.etag)) {
        got.body.destroy();
        throw new StorageError('PreconditionFailed', 'The source changed while it was being copied', ctx);
      }
      const putOptions: PutOptions = {
        ...preservedPutOptions(got.info, target.capabilities, replacedFields(options)),
        contentLength: got.info.size,
        ...pass,
      };
      if (options.signal !== undefined) putOptions.signal = options.signal;
      try {
        return await target.put(to, got.body, putOptions);
      } finally {
        if (!got.body.destroyed && !got.body.readableEnded) got.body.destroy();
      }
    });
  }

  private async relocateLocked(
    key: string,
    options: { signal?: AbortSignal; dryRun?: boolean },
  ): Promise<RelocateOutcome> {
    const ctx = { operation: 'relocate', key, backend: this.name };
    throwIfAborted(options.signal, ctx);
    await this.index.resync(key);
    const dest = this.routeOf(key);
    const src = otherSide(dest);
    const stale = this.index.staleSide(key);
    const srcStore = this.backend(src);
    const destStore = this.backend(dest);
    const signalOpt = options.signal === undefined ? {} : { signal: options.signal };

    if (stale === src) {
      if (options.dryRun) return { status: 'cleaned', side: src };
      await srcStore.delete(key, signalOpt);
      await this.index.clear(key);
      return { status: 'cleaned', side: src };
    }
    const missing = async (): Promise<RelocateOutcome> => {
      if (stale === dest) {
        // Deleted key whose routed side still holds a stale copy: remove it.
        if (options.dryRun) return { status: 'cleaned', side: dest };
        await destStore.delete(key, signalOpt);
        await this.index.clear(key);
        return { status: 'cleaned', side: dest };
      }
      return { status: 'in-place', side: (await destStore.exists(key, signalOpt)) ? dest : undefined };
    };
    if (options.dryRun) {
      try {
        const info = await srcStore.head(key, signalOpt);
        return { status: 'would-move', from: src, to: dest, bytes: info.size };
      } catch (error) {
        if (isStorageError(error, 'NotFound')) return missing();
        throw error;
      }
    }
    let got: GetResult;
    try {
      got = await srcStore.get(key, signalOpt);
    } catch (error) {
      if (isStorageError(error, 'NotFound')) return missing();
      throw error;
    }
    const useIfNoneMatch = stale !== dest && destStore.capabilities.writeIfNoneMatch;
    if (stale !== dest && !useIfNoneMatch) {
      let occupied: boolean;
      try {
        occupied = await destStore.exists(key, signalOpt);
      } catch (error) {
        got.body.destroy();
        throw error;
      }
      if (occupied) {
        got.body.destroy();
        return this.resolveDuplicate(key, src, dest);
      }
    }
    const hashed = hashThrough(got.body);
    const putOptions: PutOptions = {
      ...preservedPutOptions(got.info, destStore.capabilities),
      contentLength: got.info.size,
      ...signalOpt,
    };
    if (useIfNoneMatch) putOptions.ifNoneMatch = '*';
    if (got.info.sha256 !== undefined && destStore.capabilities.sha256) putOptions.sha256 = got.info.sha256;
    try {
      await destStore.put(key, hashed.body, putOptions);
    } catch (error) {
      hashed.destroy();
      if (isStorageError(error, 'AlreadyExists')) return this.resolveDuplicate(key, src, dest);
      throw error;
    } finally {
      got.body.destroy();
    }
    // Past this point the copy exists: finish verification and cleanup even if aborted,
    // so no unverified duplicate is left behind.
    const copied = hashed.result();
    const discardCopy = async (why: StorageError): Promise<never> => {
      if (stale !== dest) {
        try {
          await destStore.delete(key);
        } catch (error) {
          this.index.noteFailure(key, error);
          await this.index.markStale(key, dest, 'migrate');
        }
      }
      throw why;
    };
    if (copied.bytes !== got.info.size) {
      return discardCopy(
        new StorageError('Integrity', `Read ${copied.bytes} bytes of a ${got.info.size}-byte source`, ctx),
      );
    }
    // The verifying re-read and the source's etag re-check are independent: run them together.
    const [check, now] = await Promise.all([
      destStore.get(key).then((reread) => sha256OfStream(reread.body)),
      srcStore.head(key).catch((error: unknown) => {
        if (isStorageError(error, 'NotFound')) return undefined;
        throw error;
      }),
    ]);
    if (check.sha256 !== copied.sha256 || check.bytes !== copied.bytes) {
      return discardCopy(
        new StorageError(
          'Integrity',
          `Copy on ${destStore.name} does not match the source (sha256 differs)`,
          ctx,
        ),
      );
    }
    if (now === undefined || !etagsMatch(now.etag, got.info.etag)) {
      return discardCopy(
        new StorageError('Conflict', 'The source changed during migration; it was kept', ctx),
      );
    }
    const removed = await this.removeOtherCopy(key, dest, 'migrate');
    return {
      status: 'moved',
      from: src,
      to: dest,
      bytes: copied.bytes,
      sha256: copied.sha256,
      cleanupPending: !removed,
    };
  }

  /**
   * Both sides hold an unrecorded copy: left by an earlier attempt whose verification
   * did not finish, by a crash between a write and its cleanup, or by a write from another
   * process. Identical bytes (sha256 of both, streamed) complete the move; otherwise the
   * routed side's copy is the one reads already return, so it is kept and the other removed.
   */
  private async resolveDuplicate(key: string, src: Side, dest: Side): Promise<RelocateOutcome> {
    const [source, destination] = await Promise.all([
      this.backend(src)
        .get(key)
        .then((got) => sha256OfStream(got.body)),
      this.backend(dest)
        .get(key)
        .then((got) => sha256OfStream(got.body)),
    ]);
    const removed = await this.removeOtherCopy(key, dest, 'migrate');
    if (source.sha256 === destination.sha256 && source.bytes === destination.bytes) {
      return {
        status: 'moved',
        from: src,
        to: dest,
        bytes: source.bytes,
        sha256: source.sha256,
        cleanupPending: !removed,
      };
    }
    return { status: 'kept-destination', from: src, to: dest, cleanupPending: !removed };
  }

  private async keepListed(
    entry: MergedEntry,
    signal?: AbortSignal,
  ): Promise<ObjectSummary | 'folder' | undefined> {
    if (entry.folder) {
      for (const side of ['from', 'to'] as const) {
        if (entry[side] === undefined) continue;
        if (!this.index.hasStaleUnder(side, entry.position)) return 'folder';
        if (await this.folderHasFreshKey(side, entry.position, signal)) return 'folder';
      }
      return undefined;
    }
    const stale = this.index.staleSide(entry.position);
    const routed = this.routeOf(entry.position);
    const pick = (side: Side): ObjectSummary | undefined => {
      const found = entry[side];
      return found === undefined || found === true || stale === side ? undefined : found;
    };
    return pick(routed) ?? pick(otherSide(routed));
  }

  private async folderHasFreshKey(side: Side, folder: string, signal?: AbortSignal): Promise<boolean> {
    const options: ListOptions = { prefix: folder };
    if (signal !== undefined) options.signal = signal;
    for await (const entry of this.backend(side).list(options)) {
      if ('key' in entry && this.index.staleSide(entry.key) !== side) return true;
    }
    return false;
  }

  private async cleanupAll(options: { signal?: AbortSignal; concurrency?: number }): Promise<CleanupReport> {
    await this.ready();
    const keys = this.index.pendingKeys();
    const report: CleanupReport = { attempted: 0, cleaned: 0, remaining: 0 };
    const concurrency = Math.max(1, options.concurrency ?? 8);
    let next = 0;
    const worker = async () => {
      while (next < keys.length) {
        if (options.signal?.aborted) return;
        const key = keys[next++]!;
        report.attempted++;
        const cleaned = await this.locks.with(key, true, () => this.cleanupKey(key));
        if (cleaned) report.cleaned++;
      }
    };
    await Promise.all(Array.from({ length: Math.min(concurrency, keys.length) }, worker));
    report.remaining = this.index.pendingCount;
    return report;
  }

  /** Removes one key's stale copy under its lock. Never throws: failures stay recorded. */
  private async cleanupKey(key: string): Promise<boolean> {
    try {
      await this.index.resync(key);
      const stale = this.index.staleSide(key);
      if (stale === undefined) return !this.index.isDirty(key);
      await this.backend(stale).delete(key);
      await this.index.clear(key);
      return this.index.staleSide(key) === undefined;
    } catch (error) {
      this.index.noteFailure(key, error);
      this.logger.debug('hybrid: cleanup attempt failed', { key, error: String(error) });
      return false;
    }
  }

  private afterOperation(): void {
    if (this.closed || this.cleanupIntervalMs === 0 || this.cleanupRun !== undefined) return;
    if (this.index.pendingCount === 0) return;
    if (this.clock.now().getTime() - this.lastCleanupAt < this.cleanupIntervalMs) return;
    this.runPendingCleanups().catch((error: unknown) => {
      this.logger.warn('hybrid: background cleanup failed', { error: String(error) });
    });
  }
}

function replacedFields(options: CopyOptions): Parameters<typeof preservedPutOptions>[2] {
  const out: NonNullable<Parameters<typeof preservedPutOptions>[2]> = {};
  if (options.contentType !== undefined) out.contentType = options.contentType;
  if (options.cacheControl !== undefined) out.cacheControl = options.cacheControl;
  if (options.contentDisposition !== undefined) out.contentDisposition = options.contentDisposition;
  if (options.metadata !== undefined) out.metadata = options.metadata;
  if (options.visibility !== undefined) out.visibility = options.visibility;
  return out;
}
