import { isStorageError, type Logger, type ObjectStore, StorageError } from '@stowage/core';
import type { Held, KeyLocking, LockRequest } from './key-locks.js';
import type { RolloutFollower, Ticket } from './rollout-follower.js';
import { assertPercentage, otherSide, routingBucket, type Side } from './routing.js';
import type { StaleCopyIndex } from './stale-copies.js';

/** Routing-bucket memo size: hashing is cheap, but reads are the hot path. */
const BUCKET_MEMO = 4096;

const STATIC_DONE = () => {};

/**
 * Routing and locking, shared by every part of the hybrid store: which side a key routes
 * to, which sides a read may consult, and the per-key locks every operation runs under
 * (exclusive for changes, shared for reads), so a read never observes a half-finished step
 * of a write, delete, migration or cleanup — within this process (in-process locks), or
 * across a fleet (a `Locks` port). When the store follows a shared rollout, every operation
 * is admitted at one rollout version (`RolloutFollower`) and routes with that version's
 * percentage from start to end.
 */
export class Router {
  private pct: number;
  private readonly buckets = new Map<string, number>();
  follower: RolloutFollower | undefined;

  constructor(
    readonly from: ObjectStore,
    readonly to: ObjectStore,
    percentage: number,
    readonly index: StaleCopyIndex,
    readonly logger: Logger,
    readonly locks: KeyLocking,
    /** Called when an operation settles (schedules background cleanups). */
    private readonly settled: () => void,
  ) {
    this.pct = percentage;
  }

  /** The percentage operations starting now route with. */
  get percentage(): number {
    return this.follower?.percentage ?? this.pct;
  }

  /**
   * Deletes must succeed on the routed side to be acknowledged (a leftover may only be
   * recorded on the other side): what lets a settled rollout read the routed side alone.
   */
  get routedDeletes(): boolean {
    return this.follower !== undefined;
  }

  /** @throws InvalidInput unless an integer from 0 to 100 (the percentage is kept then); Conflict while following a rollout. */
  setPercentage(percentage: number): void {
    assertPercentage(percentage, { operation: 'hybrid.setPercentage', backend: 'hybrid' });
    if (this.follower !== undefined) {
      throw new StorageError(
        'Conflict',
        'This hybrid store follows a shared rollout: change its percentage through the RolloutState',
        { operation: 'hybrid.setPercentage', backend: 'hybrid' },
      );
    }
    if (percentage !== this.pct)
      this.logger.info('hybrid: percentage changed', { from: this.pct, to: percentage });
    this.pct = percentage;
  }

  /** The side `key` routes to at the current percentage. */
  routeOf(key: string): Side {
    return this.routeAt(key, this.percentage);
  }

  routeAt(key: string, percentage: number): Side {
    let bucket = this.buckets.get(key);
    if (bucket === undefined) {
      bucket = routingBucket(key);
      if (this.buckets.size >= BUCKET_MEMO) this.buckets.clear();
      this.buckets.set(key, bucket);
    }
    return bucket < percentage ? 'to' : 'from';
  }

  backend(side: Side): ObjectStore {
    return side === 'to' ? this.to : this.from;
  }

  /** Loads the durable stale-copy records once. @throws Unavailable when the job state store fails. */
  async ready(): Promise<void> {
    if (!this.index.isLoaded) await this.index.ensureLoaded();
  }

  /** Admits an operation at the current rollout version (or the set percentage). */
  enter(signal?: AbortSignal): Promise<Ticket> | Ticket {
    if (this.follower !== undefined) return this.follower.enter(signal);
    return { percentage: this.pct, version: undefined, fast: false, lost: undefined, done: STATIC_DONE };
  }

  /**
   * Runs a read of `key` under its shared lock; `fast` instead, without locks, when the
   * rollout version is settled. Errors name `operation` (see `asOperation`).
   */
  async shared<T>(
    key: string,
    operation: string,
    fn: (op: Op) => Promise<T>,
    options: { signal?: AbortSignal | undefined; fast?: (op: Op) => Promise<T> } = {},
  ): Promise<T> {
    if (this.follower === undefined && !this.locks.shared) {
      // One process: the hot path has no awaits when nothing is pending (records loaded, lock free).
      if (!this.index.isLoaded) await this.ready();
      const held = this.locks.tryShared(key) ?? (await this.locks.acquire([{ key, exclusive: false }]));
      try {
        return await fn(new Op(this, this.pct, undefined, false));
      } catch (error) {
        throw asOperation(error, operation, key);
      } finally {
        held.release();
        this.settled();
      }
    }
    return this.run([{ key, exclusive: false }], operation, key, fn, options);
  }

  /**
   * Runs a change under the exclusive locks of `keys` (and the shared locks of `sharedKeys`),
   * taken in a fixed order so two operations cannot deadlock; `fast` instead, without locks,
   * when the rollout version is settled.
   */
  exclusive<T>(
    keys: string[],
    operation: string,
    fn: (op: Op) => Promise<T>,
    options: {
      sharedKeys?: string[];
      signal?: AbortSignal | undefined;
      fast?: (op: Op) => Promise<T>;
    } = {},
  ): Promise<T> {
    return this.run(
      [
        ...keys.map((key) => ({ key, exclusive: true })),
        ...(options.sharedKeys ?? []).map((key) => ({ key, exclusive: false })),
      ],
      operation,
      keys[0],
      fn,
      options,
    );
  }

  private async run<T>(
    requests: LockRequest[],
    operation: string,
    key: string | undefined,
    fn: (op: Op) => Promise<T>,
    options: { signal?: AbortSignal | undefined; fast?: (op: Op) => Promise<T> },
  ): Promise<T> {
    let ticket: Ticket;
    try {
      const entered = this.enter(options.signal);
      ticket = entered instanceof Promise ? await entered : entered;
    } catch (error) {
      throw asOperation(error, operation, key);
    }
    let held: Held | undefined;
    try {
      if (ticket.fast && options.fast !== undefined) {
        const op = new Op(this, ticket.percentage, ticket.lost, true);
        const result = await options.fast(op);
        op.assertHeld();
        return result;
      }
      if (!this.index.isLoaded) await this.ready();
      held = await this.locks.acquire(requests, options.signal);
      const lost =
        ticket.lost === undefined || held.lost === undefined || ticket.lost === held.lost
          ? (ticket.lost ?? held.lost)
          : AbortSignal.any([ticket.lost, held.lost]);
      const op = new Op(this, ticket.percentage, lost, false);
      if (this.index.coherent) {
        // The durable records are the truth across processes: read them under the locks.
        for (const request of requests) await op.resync(request.key);
      }
      const result = await fn(op);
      op.assertHeld();
      return result;
    } catch (error) {
      throw asOperation(error, operation, key);
    } finally {
      held?.release();
      ticket.done();
      this.settled();
    }
  }

  /** Marks an operation that ran without `shared`/`exclusive` (batches) as settled. */
  afterOperation(): void {
    this.settled();
  }
}

/**
 * One operation's view of the router: the percentage it was admitted with (fixed from its
 * start to its end), whether it runs on the fast path, and what aborts when a lock or the
 * version lease it relies on is lost.
 */
export class Op {
  private readonly loaded = new Set<string>();

  constructor(
    readonly router: Router,
    readonly percentage: number,
    readonly lost: AbortSignal | undefined,
    readonly fast: boolean,
  ) {}

  get from(): ObjectStore {
    return this.router.from;
  }

  get to(): ObjectStore {
    return this.router.to;
  }

  get index(): StaleCopyIndex {
    return this.router.index;
  }

  get logger(): Logger {
    return this.router.logger;
  }

  get routedDeletes(): boolean {
    return this.router.routedDeletes;
  }

  routeOf(key: string): Side {
    return this.router.routeAt(key, this.percentage);
  }

  backend(side: Side): ObjectStore {
    return this.router.backend(side);
  }

  /** Sides a read may consult, in order: the routed side then the other, minus a recorded stale copy. */
  readOrder(key: string): Side[] {
    const routed = this.routeOf(key);
    const stale = this.router.index.staleSide(key);
    if (stale === routed) return [otherSide(routed)];
    if (stale !== undefined) return [routed];
    return [routed, otherSide(routed)];
  }

  /** Brings `key`'s stale-copy record up to date once per operation (see `StaleCopyIndex.resync`). */
  async resync(key: string): Promise<void> {
    if (this.router.index.coherent && this.loaded.has(key)) return;
    await this.router.index.resync(key);
    this.loaded.add(key);
  }

  /**
   * Before a side effect and before acknowledging: the locks (or version lease) this
   * operation runs under must still be held.
   * @throws Unavailable when one was lost (the operation is then not acknowledged).
   */
  assertHeld(): void {
    if (this.lost?.aborted) {
      throw new StorageError(
        'Unavailable',
        'A lock this operation relied on was lost (the lock service connection ended); not acknowledged',
        { backend: 'hybrid', retryable: true, cause: this.lost.reason },
      );
    }
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
