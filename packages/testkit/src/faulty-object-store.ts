import { pipeline, Transform, type TransformCallback } from 'node:stream';
import {
  type Body,
  type Capabilities,
  type CopyOptions,
  type DeleteManyResult,
  type ErrorKind,
  type GetOptions,
  type GetResult,
  type ListEntry,
  type ListOptions,
  type ListPage,
  type ListPageOptions,
  type ObjectInfo,
  type ObjectStore,
  type PresignedRequest,
  type PresignGetOptions,
  type PresignPutOptions,
  type PutOptions,
  StorageError,
} from '@stowage/core';
import { PORT_METHODS } from '@stowage/kit';
import { createPrng } from './helpers/prng.js';

/** The ObjectStore methods a fault can be injected into. */
export type FaultableOperation = Exclude<keyof ObjectStore, 'name' | 'capabilities'>;

/** Every ObjectStore method (the kit's list, which config checks for an ObjectStore too). */
export const FAULTABLE_OPERATIONS: readonly FaultableOperation[] = PORT_METHODS.objectStore;

export interface FaultyObjectStoreOptions {
  /** Fail the Nth eligible call(s), counting from 1. */
  failNth?: number | number[];
  /** Fail this fraction (0..1) of eligible calls, drawn from the seeded PRNG. */
  failRatio?: number;
  /** Seed of the PRNG behind `failRatio` and random delays; the same seed gives the same schedule. Default 1. */
  seed?: number;
  /** Delay before every eligible call: fixed ms, or uniform in [min, max]. */
  delayMs?: number | [min: number, max: number];
  /** Only these operations are eligible (counted, delayed, failed). Default: all. */
  operations?: Array<keyof ObjectStore>;
  /** Kind of the injected error. Default `Unavailable` (retryable). */
  errorKind?: ErrorKind;
  /**
   * Perform the call, then throw: models a response lost after the backend acted (the
   * write happened, the caller sees a failure). Returned streams are destroyed.
   */
  failAfterSideEffect?: boolean;
  /**
   * For `get`: instead of failing the call, let it succeed and fail its body after at most
   * this many bytes (a connection reset mid-download: bytes in flight at the cut are lost).
   * The body errors with the injected StorageError.
   */
  getBodyFailsAfterBytes?: number;
}

/** One call the decorator saw, in order. */
export interface FaultyCall {
  operation: FaultableOperation;
  key?: string;
  /** 1-based index among eligible calls. */
  n: number;
  injected: boolean;
}

/**
 * Decorates an ObjectStore with injected failures and delays, deterministically (seeded),
 * to test retries, idempotency and cleanup without a flaky network.
 *
 * Counting: `calls` counts eligible calls made while enabled; `failNth` refers to that count.
 * `list` counts one call when iteration starts. An injected failure throws a StorageError of
 * `errorKind` with `operation`, `key` and `backend` set, before the inner call — or after it
 * with `failAfterSideEffect`. A failing `put` leaves the caller's body stream untouched
 * (like a request that failed before sending), except after a side effect where it was consumed.
 */
export class FaultyObjectStore implements ObjectStore {
  /** Eligible calls seen while enabled. */
  calls = 0;
  /** Failures injected so far. */
  injected = 0;
  /** Every eligible call, in order (for assertions about what was attempted). */
  readonly log: FaultyCall[] = [];

  private enabled = true;
  private readonly random: () => number;
  private readonly failAt: ReadonlySet<number>;
  private readonly eligible: ReadonlySet<string>;

  constructor(
    readonly inner: ObjectStore,
    private readonly options: FaultyObjectStoreOptions = {},
  ) {
    const ratio = options.failRatio ?? 0;
    if (!(ratio >= 0 && ratio <= 1)) throw new RangeError(`failRatio must be within 0..1; got ${ratio}`);
    const nth = options.failNth === undefined ? [] : [options.failNth].flat();
    for (const n of nth) {
      if (!Number.isSafeInteger(n) || n < 1) throw new RangeError(`failNth counts from 1; got ${n}`);
    }
    const cut = options.getBodyFailsAfterBytes;
    if (cut !== undefined && !(Number.isSafeInteger(cut) && cut >= 0)) {
      throw new RangeError(`getBodyFailsAfterBytes must be a non-negative integer; got ${cut}`);
    }
    const delay = options.delayMs;
    if (
      Array.isArray(delay) ? !(delay[0] >= 0 && delay[1] >= delay[0]) : delay !== undefined && !(delay >= 0)
    ) {
      throw new RangeError(
        `delayMs must be >= 0 or [min, max] with 0 <= min <= max; got ${JSON.stringify(delay)}`,
      );
    }
    this.failAt = new Set(nth);
    this.random = createPrng(options.seed ?? 1);
    this.eligible = new Set(options.operations ?? FAULTABLE_OPERATIONS);
  }

  get name(): string {
    return this.inner.name;
  }

  get capabilities(): Capabilities {
    return this.inner.capabilities;
  }

  /** Turns injection (and counting) on or off; while off every call passes straight through. */
  setEnabled(enabled: boolean): void {
    this.enabled = enabled;
  }

  /** Counts the call and decides its fate; waits out the configured delay. */
  private async admit(operation: FaultableOperation, key: string | undefined): Promise<boolean> {
    if (!this.enabled || !this.eligible.has(operation)) return false;
    const n = ++this.calls;
    // Draw for every call, so the schedule depends only on the call sequence, not on failNth.
    const roll = this.random();
    const inject = this.failAt.has(n) || roll < (this.options.failRatio ?? 0);
    this.log.push({ operation, n, injected: inject, ...(key === undefined ? {} : { key }) });
    const delay = this.options.delayMs;
    if (delay !== undefined) {
      const ms = Array.isArray(delay) ? delay[0] + this.random() * (delay[1] - delay[0]) : delay;
      if (ms > 0) await new Promise((r) => setTimeout(r, ms));
    }
    if (inject) this.injected++;
    return inject;
  }

  private fault(operation: FaultableOperation, key: string | undefined): StorageError {
    const kind = this.options.errorKind ?? 'Unavailable';
    const when = this.options.failAfterSideEffect ? 'after the call took effect' : 'before the call';
    return new StorageError(kind, `Injected ${kind} fault in ${operation} (${when})`, {
      operation,
      backend: this.inner.name,
      ...(key === undefined ? {} : { key }),
    });
  }

  /** Runs `call` through the fault schedule. `release` disposes of a result that will not be returned. */
  private async run<T>(
    operation: FaultableOperation,
    key: string | undefined,
    call: () => Promise<T>,
    release?: (result: T) => void,
  ): Promise<T> {
    const inject = await this.admit(operation, key);
    if (!inject) return call();
    if (!this.options.failAfterSideEffect) throw this.fault(operation, key);
    const result = await call();
    release?.(result);
    throw this.fault(operation, key);
  }

  put(key: string, body: Body, options?: PutOptions): Promise<ObjectInfo> {
    return this.run('put', key, () => this.inner.put(key, body, options));
  }

  async get(key: string, options?: GetOptions): Promise<GetResult> {
    const cut = this.options.getBodyFailsAfterBytes;
    if (cut !== undefined) {
      const inject = await this.admit('get', key);
      const result = await this.inner.get(key, options);
      if (!inject) return result;
      // pipeline, not pipe: when the cut errors the source is destroyed too (no leaked socket).
      const body = pipeline(result.body, new CutAfter(cut, () => this.fault('get', key)), () => undefined);
      return { ...result, body };
    }
    return this.run(
      'get',
      key,
      () => this.inner.get(key, options),
      (result) => result.body.destroy(),
    );
  }

  head(key: string, options?: { signal?: AbortSignal }): Promise<ObjectInfo> {
    return this.run('head', key, () => this.inner.head(key, options));
  }

  exists(key: string, options?: { signal?: AbortSignal }): Promise<boolean> {
    return this.run('exists', key, () => this.inner.exists(key, options));
  }

  delete(key: string, options?: { signal?: AbortSignal }): Promise<void> {
    return this.run('delete', key, () => this.inner.delete(key, options));
  }

  deleteMany(
    keys: Iterable<string> | AsyncIterable<string>,
    options?: { signal?: AbortSignal },
  ): Promise<DeleteManyResult> {
    return this.run('deleteMany', undefined, () => this.inner.deleteMany(keys, options));
  }

  copy(from: string, to: string, options?: CopyOptions): Promise<ObjectInfo> {
    return this.run('copy', from, () => this.inner.copy(from, to, options));
  }

  move(from: string, to: string, options?: CopyOptions): Promise<ObjectInfo> {
    return this.run('move', from, () => this.inner.move(from, to, options));
  }

  /**
   * One call per iteration. An injected failure surfaces on the first `next()`; with
   * `failAfterSideEffect` the entries are all yielded and the failure comes at the end,
   * like a connection dropped after the last page.
   */
  async *list(options?: ListOptions): AsyncGenerator<ListEntry> {
    const inject = await this.admit('list', options?.prefix);
    if (inject && !this.options.failAfterSideEffect) throw this.fault('list', options?.prefix);
    yield* this.inner.list(options);
    if (inject) throw this.fault('list', options?.prefix);
  }

  listPage(options?: ListPageOptions): Promise<ListPage> {
    return this.run('listPage', options?.prefix, () => this.inner.listPage(options));
  }

  presignGet(key: string, options: PresignGetOptions): Promise<string> {
    return this.run('presignGet', key, () => this.inner.presignGet(key, options));
  }

  presignPut(key: string, options: PresignPutOptions): Promise<PresignedRequest> {
    return this.run('presignPut', key, () => this.inner.presignPut(key, options));
  }
}

/** Passes `limit` bytes through, then errors: a body cut off mid-stream. */
class CutAfter extends Transform {
  private passed = 0;

  constructor(
    private readonly limit: number,
    private readonly error: () => Error,
  ) {
    super();
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    const room = this.limit - this.passed;
    if (chunk.length < room) {
      this.passed += chunk.length;
      cb(null, chunk);
      return;
    }
    if (room > 0) this.push(chunk.subarray(0, room));
    this.passed = this.limit;
    cb(this.error());
  }

  override _flush(cb: TransformCallback): void {
    // A body no longer than the cut still fails: the fault was scheduled for this call.
    cb(this.error());
  }
}
