import { isStorageError, type Logger, type ObjectStore, StorageError } from '@stowage/core';
import { KeyedRwLock } from '@stowage/kit';
import { assertPercentage, otherSide, routingBucket, type Side } from './routing.js';
import type { StaleCopyIndex } from './stale-copies.js';

/** Routing-bucket memo size: hashing is cheap, but reads are the hot path. */
const BUCKET_MEMO = 4096;

/**
 * Routing and locking, shared by every part of the hybrid store: which side a key routes
 * to, which sides a read may consult, and the per-key locks every operation runs under
 * (exclusive for changes, shared for reads), so a read in this process never observes a
 * half-finished step of a write, delete, migration or cleanup.
 */
export class Router {
  readonly locks = new KeyedRwLock();
  private pct: number;
  private readonly buckets = new Map<string, number>();

  constructor(
    readonly from: ObjectStore,
    readonly to: ObjectStore,
    percentage: number,
    readonly index: StaleCopyIndex,
    readonly logger: Logger,
    /** Called when an operation settles (schedules background cleanups). */
    private readonly settled: () => void,
  ) {
    this.pct = percentage;
  }

  get percentage(): number {
    return this.pct;
  }

  /** @throws InvalidInput unless an integer from 0 to 100 (the percentage is kept then). */
  setPercentage(percentage: number): void {
    assertPercentage(percentage, { operation: 'hybrid.setPercentage', backend: 'hybrid' });
    if (percentage !== this.pct)
      this.logger.info('hybrid: percentage changed', { from: this.pct, to: percentage });
    this.pct = percentage;
  }

  /** The side `key` routes to at the current percentage. */
  routeOf(key: string): Side {
    let bucket = this.buckets.get(key);
    if (bucket === undefined) {
      bucket = routingBucket(key);
      if (this.buckets.size >= BUCKET_MEMO) this.buckets.clear();
      this.buckets.set(key, bucket);
    }
    return bucket < this.pct ? 'to' : 'from';
  }

  backend(side: Side): ObjectStore {
    return side === 'to' ? this.to : this.from;
  }

  /** Sides a read may consult, in order: the routed side then the other, minus a recorded stale copy. */
  readOrder(key: string): Side[] {
    const routed = this.routeOf(key);
    const stale = this.index.staleSide(key);
    if (stale === routed) return [otherSide(routed)];
    if (stale !== undefined) return [routed];
    return [routed, otherSide(routed)];
  }

  /** Loads the durable stale-copy records once. @throws Unavailable when the job state store fails. */
  async ready(): Promise<void> {
    if (!this.index.isLoaded) await this.index.ensureLoaded();
  }

  /** Runs a read of `key` under its shared lock. Errors name `operation` (see `asOperation`). */
  async shared<T>(key: string, operation: string, fn: () => Promise<T>): Promise<T> {
    // Reads are the hot path: no awaits when nothing is pending (records loaded, lock free).
    if (!this.index.isLoaded) await this.ready();
    const release = this.locks.tryAcquire(key, false) ?? (await this.locks.acquire(key, false));
    try {
      return await fn();
    } catch (error) {
      throw asOperation(error, operation, key);
    } finally {
      release();
      this.settled();
    }
  }

  /**
   * Runs a change under the exclusive locks of `keys` (and the shared locks of `sharedKeys`),
   * taken in a fixed order so two operations cannot deadlock.
   */
  async exclusive<T>(
    keys: string[],
    operation: string,
    fn: () => Promise<T>,
    sharedKeys: string[] = [],
  ): Promise<T> {
    await this.ready();
    const release = await this.locks.acquireMany([
      ...keys.map((key) => ({ key, exclusive: true })),
      ...sharedKeys.map((key) => ({ key, exclusive: false })),
    ]);
    try {
      return await fn();
    } catch (error) {
      throw asOperation(error, operation, keys[0]);
    } finally {
      release();
      this.settled();
    }
  }

  /** Marks an operation that ran without `shared`/`exclusive` (batches) as settled. */
  afterOperation(): void {
    this.settled();
  }
}

/**
 * A backend's error as an error of the hybrid operation the caller invoked: it keeps the
 * backend that raised it (so "which side failed" stays visible) but names the caller's
 * operation (a side's `head` failing inside a hybrid `copy` is a `copy` error). Anything
 * else passes through for the checked layer to wrap.
 */
export function asOperation(error: unknown, operation: string, key: string | undefined): unknown {
  if (!isStorageError(error) || error.operation === operation) return error;
  const copy = new StorageError(error.kind, error.message, {
    operation,
    key: error.key ?? key,
    backend: error.backend ?? 'hybrid',
    retryable: error.retryable,
    requestId: error.requestId,
    status: error.status,
    cause: error.cause,
  });
  copy.stack = error.stack;
  return copy;
}
