import {
  assertValidKey,
  type Body,
  type Capabilities,
  type Cdn,
  type DeleteManyResult,
  type GetOptions,
  type GetResult,
  type ListEntry,
  NoopLogger,
  type ObjectInfo,
  type ObjectStore,
  type PresignedRequest,
  type PresignGetOptions,
  type PresignPutOptions,
  SystemClock,
  throwIfAborted,
} from '@stowage/core';
import {
  type CheckedCopyOptions,
  CheckedObjectStore,
  type CheckedPutOptions,
  intersectCapabilities,
  type ListQuery,
  storageErrorFrom,
} from '@stowage/kit';
import { copyRouted } from './copy-routed.js';
import { deleteBatchBoth, deleteBoth } from './delete-both.js';
import { type HybridStoreConfig, parseHybridStoreConfig } from './hybrid-config.js';
import { InProcessJobStateStore } from './in-process-job-state.js';
import { listMerged } from './list-merged.js';
import { presignGetRouted, presignPutRouted } from './presign-routed.js';
import { existsOnReadableSide, type Location, locate, readFirst, sideHolding } from './read-routed.js';
import { type RelocateOutcome, relocateLocked } from './relocate.js';
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
  private readonly router: Router;
  private readonly cleaner: StaleCopyCleaner;

  /** @throws ConfigInvalid naming each bad setting (percentage, namespace, the same store on both sides, …). */
  constructor(config: HybridStoreConfig) {
    super();
    const parsed = parseHybridStoreConfig(config);
    const clock = parsed.clock ?? new SystemClock();
    const logger = (parsed.logger ?? new NoopLogger()).child({ component: 'hybrid' });
    if (parsed.jobs === undefined) {
      logger.warn('hybrid: no JobStateStore given; pending cleanups are kept in memory only');
    }
    const index = new StaleCopyIndex(
      parsed.jobs ?? new InProcessJobStateStore(),
      parsed.namespace,
      clock,
      logger,
    );
    this.from = parsed.from;
    this.to = parsed.to;
    this.capabilities = Object.freeze(
      intersectCapabilities(parsed.from.capabilities, parsed.to.capabilities),
    );
    this.router = new Router(parsed.from, parsed.to, parsed.percentage, index, logger, () =>
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
   */
  setPercentage(percentage: number): void {
    this.router.setPercentage(percentage);
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
    return this.router.exclusive([key], 'put', () =>
      writeRouted(this.router, key, 'write', options, (store, pass) =>
        store.put(key, limitBody(body, limit, store.capabilities.maxObjectSize, ctx), {
          ...options,
          ...pass,
        }),
      ),
    );
  }

  /** Reads from the routed side, then the other side on NotFound only (never a recorded stale copy). @throws NotFound */
  protected getObject(key: string, options: GetOptions): Promise<GetResult> {
    return this.router.shared(key, 'get', () =>
      readFirst(this.router, key, (store) => store.get(key, options)),
    );
  }

  /** @throws NotFound when neither side holds a fresh copy. */
  protected headObject(key: string, options: { signal?: AbortSignal }): Promise<ObjectInfo> {
    return this.router.shared(key, 'head', () =>
      readFirst(this.router, key, (store) => store.head(key, options)),
    );
  }

  protected override existsObject(key: string, options: { signal?: AbortSignal }): Promise<boolean> {
    return this.router.shared(key, 'exists', () => existsOnReadableSide(this.router, key, options));
  }

  /**
   * Removes the object from both sides; a side that fails is recorded as stale, so the delete still holds.
   * @throws the backend's error when neither side deleted.
   */
  protected deleteObject(key: string, options: { signal?: AbortSignal }): Promise<void> {
    return this.router.exclusive([key], 'delete', () => deleteBoth(this.router, key, options.signal));
  }

  /** One `deleteMany` per side for the batch; per-key leftovers are recorded stale. Never throws per key. */
  protected override async deleteObjects(
    keys: readonly string[],
    options: { signal?: AbortSignal },
  ): Promise<DeleteManyResult> {
    await this.router.ready();
    try {
      return await deleteBatchBoth(this.router, [...new Set(keys)], options.signal);
    } finally {
      this.router.afterOperation();
    }
  }

  /**
   * Copies within or across sides: server-side when the source's fresh copy and the
   * destination's routed side are the same backend and it can, streamed otherwise.
   * `ifMatch` applies to the source, `ifNoneMatch` to the destination on either side.
   * @throws NotFound for a missing source; as the write protocol for the destination.
   */
  protected copyObject(from: string, to: string, options: CheckedCopyOptions): Promise<ObjectInfo> {
    return this.router.exclusive([to], 'copy', () => copyRouted(this.router, from, to, options), [from]);
  }

  /** Copy, then delete the source, both under the keys' exclusive locks. @throws as `copy`. */
  protected override moveObject(from: string, to: string, options: CheckedCopyOptions): Promise<ObjectInfo> {
    return this.router.exclusive([from, to], 'move', async () => {
      const info = await copyRouted(this.router, from, to, options);
      if (from !== to) await deleteBoth(this.router, from, options.signal);
      return info;
    });
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
      this.router.shared(key, 'locate', () => locate(this.router, key, options.signal)),
    );
  }

  /**
   * The public URL of `key` on the CDN of the side that holds it now (the routed side's
   * when the object does not exist). A URL goes stale when the key later migrates: ask again.
   * @throws InvalidKey
   */
  publicUrl(key: string, cdns: Record<Side, Pick<Cdn, 'publicUrl'>>): Promise<string> {
    return this.checked('publicUrl', key, undefined, async () => {
      const side = await this.router.shared(key, 'publicUrl', () => sideHolding(this.router, key));
      return cdns[side].publicUrl(key);
    });
  }

  /**
   * Moves `key` to the side it routes to, if it is elsewhere: streams the fresh copy to the
   * routed side while hashing it, re-reads the destination to compare sha256, and only then
   * removes the source. Reads return the same version before and after. Stale copies met on
   * the way are removed.
   * @throws Integrity when the copy does not verify (the source is kept, the copy removed).
   * @throws Conflict when the source changed during the copy (only possible from another process).
   */
  relocate(key: string, options: { signal?: AbortSignal; dryRun?: boolean } = {}): Promise<RelocateOutcome> {
    return this.checked('relocate', key, options.signal, () =>
      this.router.exclusive([key], 'relocate', () => relocateLocked(this.router, key, options)),
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

  /** Stops background cleanups and waits for one in progress. Operations keep working. */
  close(): Promise<void> {
    return this.cleaner.close();
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
