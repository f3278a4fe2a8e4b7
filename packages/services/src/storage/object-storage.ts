import { totalmem } from 'node:os';
import {
  type Body,
  type Cdn,
  type CopyOptions,
  type DeleteManyResult,
  type GetOptions,
  type GetResult,
  isInMemoryBody,
  isStorageError,
  knownLength,
  type ListEntry,
  type ListOptions,
  type ListPage,
  type ListPageOptions,
  type Logger,
  type ObjectInfo,
  type ObjectStore,
  type PresignedRequest,
  type PresignGetOptions,
  type PresignPutOptions,
  type PutOptions,
  readBytes,
  StorageError,
  TOKENS,
  toBuffer,
} from '@stowage/core';
import { contentTypeFromKey, quoteEtag, sha256Hex } from '@stowage/kit';
import { inject, injectable } from 'tsyringe';
import { SERVICE_TOKENS } from '../tokens.js';
import { type CategoryPolicy, type ContentCategory, DEFAULT_CATEGORIES } from './content-categories.js';
import { DEFAULT_RETRY, type RetryPolicy, withRetries } from './retry.js';
import { SingleFlight } from './single-flight.js';
import { withStallTimeout } from './stream-timeout.js';

/** Holds the CDN (or null): tsyringe injects objects, not nulls. */
export interface CdnRef {
  cdn: Cdn | null;
}

export interface ObjectStorageConfig {
  retry?: Partial<RetryPolicy>;
  /** A body that delivers no byte for this long while being read fails with `Timeout`; default 30000 ms. */
  streamIdleTimeoutMs?: number;
  /** Buffered reads (`getBytes`, `getText`, `getJson`) of larger objects fail with `PayloadTooLarge`; default 50 MiB. */
  maxBufferedBytes?: number;
  /** Buffered reads are refused (`Unavailable`, retryable) while RSS is above this share of the memory limit; default 0.9. */
  memoryPressureShare?: number;
  /** The memory limit RSS is compared with; default the cgroup limit, else total memory. */
  memoryLimitBytes?: number;
  /** Most distinct reads shared at once by coalescing; default 1000. */
  maxCoalescedReads?: number;
  /** Writes and deletes are logged and reported, not performed; reads work. Default false. */
  dryRun?: boolean;
  /** Overrides of the content categories' visibility and cache-control. */
  categories?: Partial<Record<ContentCategory, Partial<CategoryPolicy>>>;
  /**
   * Where buffered reads go first: `binary` (default) reads everything but JSON through the CDN
   * when there is one, falling back to the store; JSON always comes from the store (seeds saw
   * stale JSON through CDNs). `never` always reads the store.
   */
  cdnReads?: 'binary' | 'never';
}

/** A write or delete dry run did not perform. */
export interface DryRunAction {
  operation: 'put' | 'delete' | 'deleteMany' | 'copy' | 'move';
  key: string;
  to?: string;
  bytes?: number;
}

export interface StoragePutOptions extends PutOptions {
  /**
   * Sets visibility and cache-control (explicit options still win). On a store without
   * per-object visibility the category's visibility is left to the bucket's policy.
   */
  category?: ContentCategory;
}

/**
 * The facade applications use. On top of a checked store (keys, options and capabilities are
 * validated there) it adds what every seed application wrote by hand: retries of transient
 * failures with backoff and jitter, a stall timeout on bodies, coalescing of identical
 * concurrent reads, a cap on reads into memory and a refusal under memory pressure, a dry
 * run, content categories, and CDN-first reads for binary content. Every error it throws is a
 * StorageError with its operation, key and backend.
 */
@injectable()
export class ObjectStorage {
  private readonly cdn: Cdn | null;
  private readonly retry: RetryPolicy;
  private readonly idleMs: number;
  private readonly maxBuffered: number;
  private readonly pressureShare: number;
  private readonly memoryLimit: number;
  private readonly dryRun: boolean;
  private readonly categories: Record<ContentCategory, CategoryPolicy>;
  private readonly cdnReads: 'binary' | 'never';
  private readonly reads: SingleFlight<Buffer>;
  private readonly dryRunLog: DryRunAction[] = [];

  constructor(
    @inject(TOKENS.ObjectStore) readonly store: ObjectStore,
    @inject(SERVICE_TOKENS.CdnRef) cdnRef: CdnRef,
    @inject(TOKENS.Logger) private readonly logger: Logger,
    @inject(SERVICE_TOKENS.ObjectStorageConfig) config: ObjectStorageConfig,
  ) {
    this.cdn = cdnRef.cdn;
    this.retry = { ...DEFAULT_RETRY, ...config.retry };
    this.idleMs = config.streamIdleTimeoutMs ?? 30_000;
    this.maxBuffered = config.maxBufferedBytes ?? 50 * 1024 * 1024;
    this.pressureShare = config.memoryPressureShare ?? 0.9;
    this.memoryLimit = config.memoryLimitBytes ?? (process.constrainedMemory() || totalmem());
    this.dryRun = config.dryRun ?? false;
    this.cdnReads = config.cdnReads ?? 'binary';
    this.reads = new SingleFlight(config.maxCoalescedReads ?? 1_000);
    const categories = { ...DEFAULT_CATEGORIES };
    for (const [name, override] of Object.entries(config.categories ?? {}) as Array<
      [ContentCategory, Partial<CategoryPolicy>]
    >) {
      categories[name] = { ...categories[name], ...override };
    }
    this.categories = categories;
  }

  get name(): string {
    return this.store.name;
  }

  // ---------------------------------------------------------------- writes

  /**
   * Stores the object. In-memory bodies are retried on transient failures; a stream cannot be
   * replayed, so a stream is written once. In a dry run nothing is written: the returned info
   * describes what would have been.
   */
  async put(key: string, body: Body, options: StoragePutOptions = {}): Promise<ObjectInfo> {
    const { category, ...rest } = options;
    const put: PutOptions = { ...rest };
    if (category !== undefined) {
      const policy = this.categories[category];
      // A category's visibility is a default, not a demand: on a store without per-object
      // visibility (SeaweedFS, R2, ACL-less buckets) the bucket's policy decides, as it did
      // for the seeds' CDN-fronted buckets. An explicit `visibility` stays strict.
      if (this.store.capabilities.visibility || policy.visibility === 'private') {
        put.visibility ??= policy.visibility;
      }
      put.cacheControl ??= policy.cacheControl;
      if (category === 'html') put.contentType ??= 'text/html; charset=utf-8';
    }
    if (this.dryRun) return this.dryPut(key, body, put);
    if (!isInMemoryBody(body)) return this.store.put(key, body, put);
    return withRetries(
      this.retry,
      () => this.store.put(key, body, put),
      this.retryOptions('put', key, put.signal),
    );
  }

  async delete(key: string, options: { signal?: AbortSignal } = {}): Promise<void> {
    if (this.dryRun) {
      this.recordDry({ operation: 'delete', key });
      return;
    }
    await withRetries(
      this.retry,
      () => this.store.delete(key, options),
      this.retryOptions('delete', key, options.signal),
    );
  }

  async deleteMany(
    keys: Iterable<string> | AsyncIterable<string>,
    options: { signal?: AbortSignal } = {},
  ): Promise<DeleteManyResult> {
    if (this.dryRun) {
      let n = 0;
      for await (const key of keys) {
        this.recordDry({ operation: 'deleteMany', key });
        n++;
      }
      return { deleted: n, errors: [] };
    }
    return this.store.deleteMany(keys, options);
  }

  async copy(from: string, to: string, options: CopyOptions = {}): Promise<ObjectInfo> {
    if (this.dryRun) {
      const info = await this.head(from, options);
      this.recordDry({ operation: 'copy', key: from, to, bytes: info.size });
      return { ...info, key: to };
    }
    return withRetries(
      this.retry,
      () => this.store.copy(from, to, options),
      this.retryOptions('copy', from, options.signal),
    );
  }

  async move(from: string, to: string, options: CopyOptions = {}): Promise<ObjectInfo> {
    if (this.dryRun) {
      const info = await this.head(from, options);
      this.recordDry({ operation: 'move', key: from, to, bytes: info.size });
      return { ...info, key: to };
    }
    // A retried move could find its source gone after a first attempt that did succeed.
    return this.store.move(from, to, options);
  }

  // ---------------------------------------------------------------- reads

  /** Opens the object; opening is retried, and the body fails with `Timeout` when it stalls. */
  async get(key: string, options: GetOptions = {}): Promise<GetResult> {
    const result = await withRetries(
      this.retry,
      () => this.store.get(key, options),
      this.retryOptions('get', key, options.signal),
    );
    return {
      ...result,
      body: withStallTimeout(result.body, this.idleMs, { operation: 'get', key, backend: this.store.name }),
    };
  }

  async head(key: string, options: { signal?: AbortSignal } = {}): Promise<ObjectInfo> {
    return withRetries(
      this.retry,
      () => this.store.head(key, options),
      this.retryOptions('head', key, options.signal),
    );
  }

  async exists(key: string, options: { signal?: AbortSignal } = {}): Promise<boolean> {
    return withRetries(
      this.retry,
      () => this.store.exists(key, options),
      this.retryOptions('exists', key, options.signal),
    );
  }

  /**
   * The whole object in memory. Identical concurrent reads (same key, range and ifMatch) share
   * one fetch. Binary content comes through the CDN first when there is one (JSON never does).
   * @throws PayloadTooLarge above `maxBufferedBytes` (stream it with `get` instead).
   * @throws Unavailable (retryable) while memory is under pressure.
   * @throws NotFound and the other kinds of `get`.
   */
  async getBytes(key: string, options: GetOptions & { maxBytes?: number } = {}): Promise<Buffer> {
    this.assertMemory(key);
    const { maxBytes: askedMax, ...get } = options;
    const maxBytes = Math.min(askedMax ?? this.maxBuffered, this.maxBuffered);
    if (get.signal !== undefined) return this.fetchBytes(key, get, maxBytes);
    // Shared reads run without a caller's signal: one caller giving up must not fail the others.
    const flight = JSON.stringify([key, get.range ?? null, get.ifMatch ?? null, maxBytes]);
    return this.reads.run(flight, () => this.fetchBytes(key, get, maxBytes));
  }

  async getText(key: string, options: GetOptions & { maxBytes?: number } = {}): Promise<string> {
    return (await this.getBytes(key, options)).toString('utf8');
  }

  list(options: ListOptions = {}): AsyncIterable<ListEntry> {
    return this.store.list(options);
  }

  async listPage(options: ListPageOptions = {}): Promise<ListPage> {
    return withRetries(
      this.retry,
      () => this.store.listPage(options),
      this.retryOptions('listPage', options.prefix, options.signal),
    );
  }

  presignGet(key: string, options: PresignGetOptions): Promise<string> {
    return this.store.presignGet(key, options);
  }

  presignPut(key: string, options: PresignPutOptions): Promise<PresignedRequest> {
    return this.store.presignPut(key, options);
  }

  /** What a dry run did not do, oldest first. */
  dryRunReport(): readonly DryRunAction[] {
    return [...this.dryRunLog];
  }

  /** How many reads were answered by another caller's identical read in flight. */
  get coalescedReads(): number {
    return this.reads.shared;
  }

  // ---------------------------------------------------------------- internals

  private async fetchBytes(key: string, options: GetOptions, maxBytes: number): Promise<Buffer> {
    if (
      this.cdn !== null &&
      this.cdnReads === 'binary' &&
      options.range === undefined &&
      options.ifMatch === undefined &&
      !isJson(key)
    ) {
      const viaCdn = await this.fromCdn(key, options.signal, maxBytes);
      if (viaCdn !== undefined) return viaCdn;
    }
    return withRetries(
      this.retry,
      async () => {
        const result = await this.store.get(key, options);
        if (result.info.size > maxBytes && options.range === undefined) {
          result.body.destroy();
          throw new StorageError(
            'PayloadTooLarge',
            `${key} is ${result.info.size} bytes; reads into memory stop at ${maxBytes} (stream it with get)`,
            {
              operation: 'getBytes',
              key,
              backend: this.store.name,
            },
          );
        }
        const body = withStallTimeout(result.body, this.idleMs, {
          operation: 'getBytes',
          key,
          backend: this.store.name,
        });
        return readBytes(body, {
          maxBytes,
          ...(options.signal === undefined ? {} : { signal: options.signal }),
        });
      },
      this.retryOptions('getBytes', key, options.signal),
    );
  }

  /** The bytes through the CDN, or undefined to fall back to the store (any CDN failure). */
  private async fromCdn(
    key: string,
    signal: AbortSignal | undefined,
    maxBytes: number,
  ): Promise<Buffer | undefined> {
    try {
      const response = await this.cdn!.fetch(key, signal === undefined ? {} : { signal });
      const length = Number(response.headers.get('content-length') ?? Number.NaN);
      if (response.body === null || (!Number.isNaN(length) && length > maxBytes)) {
        await response.body?.cancel();
        return undefined;
      }
      return Buffer.from(await response.arrayBuffer());
    } catch (error) {
      if (signal?.aborted) throw error;
      this.logger.debug('cdn read failed; reading the origin', {
        key,
        kind: isStorageError(error) ? error.kind : 'Unexpected',
      });
      return undefined;
    }
  }

  private assertMemory(key: string): void {
    const rss = process.memoryUsage.rss();
    if (rss > this.memoryLimit * this.pressureShare) {
      throw new StorageError(
        'Unavailable',
        `Memory is under pressure (RSS ${Math.round(rss / 2 ** 20)} MiB of ${Math.round(this.memoryLimit / 2 ** 20)} MiB): reads into memory are refused for now`,
        { operation: 'getBytes', key, backend: this.store.name },
      );
    }
  }

  private async dryPut(key: string, body: Body, options: PutOptions): Promise<ObjectInfo> {
    const bytes = isInMemoryBody(body) ? toBuffer(body) : undefined;
    const size = bytes?.length ?? knownLength(body) ?? options.contentLength ?? 0;
    this.recordDry({ operation: 'put', key, bytes: size });
    const info: ObjectInfo = {
      key,
      size,
      etag: quoteEtag('dry-run'),
      lastModified: new Date(),
      contentType: options.contentType ?? contentTypeFromKey(key) ?? 'application/octet-stream',
      metadata: { ...options.metadata },
      visibility: options.visibility ?? 'private',
    };
    if (bytes !== undefined) info.sha256 = sha256Hex(bytes);
    if (options.cacheControl !== undefined) info.cacheControl = options.cacheControl;
    return info;
  }

  private recordDry(action: DryRunAction): void {
    this.dryRunLog.push(action);
    this.logger.info('dry run: not performed', { ...action });
  }

  private retryOptions(operation: string, key: string | undefined, signal: AbortSignal | undefined) {
    return {
      ...(signal === undefined ? {} : { signal }),
      onRetry: (error: StorageError, attempt: number, delayMs: number) =>
        this.logger.warn('retrying after a transient failure', {
          operation,
          key,
          kind: error.kind,
          attempt,
          delayMs,
        }),
    };
  }
}

function isJson(key: string): boolean {
  return /\.json$/i.test(key);
}
