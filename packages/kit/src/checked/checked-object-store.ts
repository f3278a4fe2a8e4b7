import {
  assertValidKey,
  assertValidPrefix,
  type Body,
  type Capabilities,
  type CopyOptions,
  type DeleteManyResult,
  type GetOptions,
  type GetResult,
  isBody,
  isInMemoryBody,
  isStorageError,
  knownLength,
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
  throwIfAborted,
  toBuffer,
  type Visibility,
} from '@stowage/core';
import {
  contentTypeFromKey,
  DEFAULT_CONTENT_TYPE,
  inferContentType,
} from '../content-type/infer-content-type.js';
import { progressGuard } from '../list/guard-progress.js';
import { resolveListStart } from '../list/page-from-sorted.js';
import { takePage } from '../list/take-page.js';
import {
  assertCopyOptions,
  assertHeaderValues,
  assertPresignExpiry,
  assertPutOptions,
  assertRange,
  normalizeMetadata,
} from '../options/validate-options.js';

import { type OperationContext, storageErrorFrom } from './storage-error-from.js';

/** Put options after the checked layer: validated, gated by capabilities, defaults resolved. */
export interface CheckedPutOptions extends PutOptions {
  /** Given, or inferred from the key's extension and (for in-memory bodies) magic bytes. */
  contentType: string;
  /** Lower-case names, validated; empty when none were given. */
  metadata: Record<string, string>;
  visibility: Visibility;
  /** Declared, or the length of an in-memory body. */
  contentLength?: number;
}

/** Copy options after the checked layer (metadata normalised when given). */
export type CheckedCopyOptions = CopyOptions;

/** A listing as the layer asks an adapter for it: validated, positioned, in byte order. */
export interface ListQuery {
  /** Which port method asked: `list` (every entry, lazily) or `listPage` (one page of `limit`). */
  operation: 'list' | 'listPage';
  /** Validated prefix ('' for everything). */
  prefix: string;
  delimiter?: '/';
  /**
   * Entries strictly after this position: a key, or with a delimiter a folder of the listed
   * level (its keys are behind it too). A start position inside a folder of the listed level
   * lists that folder first when keys in it follow the position.
   */
  after?: string;
  /**
   * `listPage` only: how many entries the page holds (the layer reads one more, below
   * `PEEK_BELOW`, to tell whether a cursor is due); a hint for the first request.
   */
  limit?: number;
  /** Backend page size hint. */
  pageSize?: number;
  signal?: AbortSignal;
}

/** Keys per `deleteObjects` call (S3's DeleteObjects limit). */
export const DELETE_BATCH = 1000;

/**
 * The checked layer (OpenDAL's correctness and error-context layers; Flysystem's
 * Filesystem): every store extends it, so every store a user gets validates the same way.
 *
 * Each public method, once, before the adapter sees the call: validates keys, prefixes,
 * start positions and cursors (`InvalidKey`, `InvalidInput`); validates options (headers,
 * metadata, expiry, ranges, copy options); refuses options the store's `capabilities` do
 * not declare (`Unsupported`); fails an already-aborted signal (`Aborted`, or `Timeout` for
 * a timed-out signal) before any I/O; infers a missing content type; checks known lengths
 * against `contentLength` and `maxObjectSize`; and gives every error that leaves the store
 * its `operation`, `key` and `backend`. Listings are checked to move forward.
 *
 * Adapters implement the protected hooks and receive checked input only: they hold backend
 * logic, nothing else. Hooks may throw StorageErrors without context; the layer adds it.
 */
export abstract class CheckedObjectStore implements ObjectStore {
  abstract readonly name: string;
  abstract readonly capabilities: Capabilities;

  // ------------------------------------------------------------------ hooks

  /** Stores the object. The body is as the caller gave it; verify length and sha256 while writing. */
  protected abstract putObject(key: string, body: Body, options: CheckedPutOptions): Promise<ObjectInfo>;
  /** Opens the object; `range` and `ifMatch` are only passed when declared. */
  protected abstract getObject(key: string, options: GetOptions): Promise<GetResult>;
  /** @throws NotFound */
  protected abstract headObject(key: string, options: { signal?: AbortSignal }): Promise<ObjectInfo>;
  /** Removes the object; a missing key succeeds. */
  protected abstract deleteObject(key: string, options: { signal?: AbortSignal }): Promise<void>;
  protected abstract copyObject(from: string, to: string, options: CheckedCopyOptions): Promise<ObjectInfo>;
  /** Every entry of the listing in byte order after `query.after`, fetched lazily. */
  protected abstract listEntries(query: ListQuery): AsyncIterable<ListEntry>;

  /** Whether the object exists. Default: a head. */
  protected async existsObject(key: string, options: { signal?: AbortSignal }): Promise<boolean> {
    try {
      await this.headObject(key, options);
      return true;
    } catch (error) {
      if (isStorageError(error, 'NotFound')) return false;
      throw error;
    }
  }

  /** Removes a batch of valid keys. Default: one `deleteObject` after another. */
  protected async deleteObjects(
    keys: readonly string[],
    options: { signal?: AbortSignal },
  ): Promise<DeleteManyResult> {
    const result: DeleteManyResult = { deleted: 0, errors: [] };
    for (const key of keys) {
      throwIfAborted(options.signal);
      try {
        await this.deleteObject(key, options);
        result.deleted++;
      } catch (error) {
        result.errors.push({
          key,
          error: storageErrorFrom(error, { operation: 'deleteMany', key, backend: this.name }),
        });
      }
    }
    return result;
  }

  /** Copy, then delete the source once the copy succeeded. Override for a native move. */
  protected async moveObject(from: string, to: string, options: CheckedCopyOptions): Promise<ObjectInfo> {
    const info = await this.copyObject(from, to, options);
    if (from !== to)
      await this.deleteObject(from, options.signal === undefined ? {} : { signal: options.signal });
    return info;
  }

  /** Only called when `capabilities.presignGet`. */
  protected presignGetUrl(_key: string, _options: PresignGetOptions): Promise<string> {
    throw new StorageError('Unsupported', `${this.name} cannot presign`);
  }

  /** Only called when `capabilities.presignPut`. */
  protected presignPutRequest(_key: string, _options: PresignPutOptions): Promise<PresignedRequest> {
    throw new StorageError('Unsupported', `${this.name} cannot presign`);
  }

  // ------------------------------------------------------------------ the port

  async put(key: string, body: Body, options: PutOptions = {}): Promise<ObjectInfo> {
    const ctx = this.ctx('put', key);
    try {
      assertValidKey(key, ctx);
      return await this.putObject(key, body, await this.checkPut(key, body, options, ctx));
    } catch (error) {
      throw storageErrorFrom(error, ctx, options.signal);
    }
  }

  async get(key: string, options: GetOptions = {}): Promise<GetResult> {
    const ctx = this.ctx('get', key);
    try {
      assertValidKey(key, ctx);
      if (options.range !== undefined) {
        assertRange(options.range, ctx);
        this.requireCapability(this.capabilities.rangeRead, 'rangeRead', 'range', ctx);
      }
      if (options.ifMatch !== undefined) {
        assertEtag(options.ifMatch, ctx);
        this.requireCapability(this.capabilities.readIfMatch, 'readIfMatch', 'ifMatch', ctx);
      }
      throwIfAborted(options.signal, ctx);
      return await this.getObject(key, options);
    } catch (error) {
      throw storageErrorFrom(error, ctx, options.signal);
    }
  }

  head(key: string, options: { signal?: AbortSignal } = {}): Promise<ObjectInfo> {
    return this.runChecked('head', key, options.signal, () => this.headObject(key, options));
  }

  exists(key: string, options: { signal?: AbortSignal } = {}): Promise<boolean> {
    return this.runChecked('exists', key, options.signal, () => this.existsObject(key, options));
  }

  delete(key: string, options: { signal?: AbortSignal } = {}): Promise<void> {
    return this.runChecked('delete', key, options.signal, () => this.deleteObject(key, options));
  }

  async deleteMany(
    keys: Iterable<string> | AsyncIterable<string>,
    options: { signal?: AbortSignal } = {},
  ): Promise<DeleteManyResult> {
    const ctx = this.ctx('deleteMany');
    try {
      if (
        typeof keys !== 'object' ||
        keys === null ||
        (typeof (keys as Iterable<string>)[Symbol.iterator] !== 'function' &&
          typeof (keys as AsyncIterable<string>)[Symbol.asyncIterator] !== 'function')
      ) {
        throw new StorageError('InvalidInput', 'deleteMany takes an iterable or async iterable of keys', ctx);
      }
      throwIfAborted(options.signal, ctx);
      const result: DeleteManyResult = { deleted: 0, errors: [] };
      let batch: string[] = [];
      const flush = async () => {
        if (batch.length === 0) return;
        const done = await this.deleteObjects(batch, options);
        result.deleted += done.deleted;
        for (const { key, error } of done.errors) {
          result.errors.push({ key, error: storageErrorFrom(error, { ...ctx, key }) });
        }
        batch = [];
      };
      for await (const key of keys) {
        throwIfAborted(options.signal, ctx);
        try {
          assertValidKey(key, ctx);
        } catch (error) {
          result.errors.push({ key: typeof key === 'string' ? key : String(key), error: error as Error });
          continue;
        }
        batch.push(key);
        if (batch.length >= DELETE_BATCH) await flush();
      }
      await flush();
      return result;
    } catch (error) {
      throw storageErrorFrom(error, ctx, options.signal);
    }
  }

  copy(from: string, to: string, options: CopyOptions = {}): Promise<ObjectInfo> {
    return this.transfer('copy', from, to, options);
  }

  move(from: string, to: string, options: CopyOptions = {}): Promise<ObjectInfo> {
    return this.transfer('move', from, to, options);
  }

  list(options: ListOptions = {}): AsyncIterable<ListEntry> {
    return this.checkedEntries(options, undefined);
  }

  async listPage(options: ListPageOptions = {}): Promise<ListPage> {
    const ctx = this.ctx('listPage');
    try {
      const query = this.listQuery('listPage', options, ctx);
      return await takePage(this.checkedEntries(options, query), query.limit!);
    } catch (error) {
      throw storageErrorFrom(error, ctx, options.signal);
    }
  }

  async presignGet(key: string, options: PresignGetOptions): Promise<string> {
    const ctx = this.ctx('presignGet', key);
    try {
      assertValidKey(key, ctx);
      this.requireCapability(this.capabilities.presignGet, 'presignGet', 'presignGet', ctx);
      assertPresignExpiry(options?.expiresIn, ctx);
      assertHeaderValues(
        { contentDisposition: options.responseContentDisposition, contentType: options.responseContentType },
        ctx,
      );
      return await this.presignGetUrl(key, options);
    } catch (error) {
      throw storageErrorFrom(error, ctx);
    }
  }

  async presignPut(key: string, options: PresignPutOptions): Promise<PresignedRequest> {
    const ctx = this.ctx('presignPut', key);
    try {
      assertValidKey(key, ctx);
      this.requireCapability(this.capabilities.presignPut, 'presignPut', 'presignPut', ctx);
      assertPresignExpiry(options?.expiresIn, ctx);
      assertHeaderValues({ contentType: options.contentType }, ctx);
      if (options.maxSize !== undefined) {
        if (!Number.isSafeInteger(options.maxSize) || options.maxSize < 0) {
          throw new StorageError(
            'InvalidInput',
            `maxSize must be a non-negative integer; got ${options.maxSize}`,
            ctx,
          );
        }
        this.assertSize(options.maxSize, ctx);
      }
      return await this.presignPutRequest(key, options);
    } catch (error) {
      throw storageErrorFrom(error, ctx);
    }
  }

  // ------------------------------------------------------------------ for adapters

  /**
   * The layer's guarantees for a store-specific method outside the port (seaweedfs
   * `putWithTtl`, a `publicUrl`): validates `key` (whatever a caller passed), fails an
   * already-aborted `signal` (`Aborted`, or `Timeout`) before `fn` runs, and gives every error
   * that leaves `fn` the operation's context (a foreign error becomes `Unexpected` with its cause).
   * @throws InvalidKey, Aborted, Timeout, or what `fn` throws, in context.
   */
  protected async runChecked<T>(
    operation: string,
    key: string,
    signal: AbortSignal | undefined,
    fn: (ctx: OperationContext) => Promise<T>,
  ): Promise<T> {
    const ctx = this.ctx(operation, key);
    try {
      assertValidKey(key, ctx);
      throwIfAborted(signal, ctx);
      return await fn(ctx);
    } catch (error) {
      throw storageErrorFrom(error, ctx, signal);
    }
  }

  /** `runChecked` for a synchronous method (no signal). */
  protected runCheckedSync<T>(operation: string, key: string, fn: (ctx: OperationContext) => T): T {
    const ctx = this.ctx(operation, key);
    try {
      assertValidKey(key, ctx);
      return fn(ctx);
    } catch (error) {
      throw storageErrorFrom(error, ctx);
    }
  }

  /**
   * What `put` checks after the key, for store-specific writes that take put's options (or
   * some of them): the body's type, the options (headers, metadata, conditions), the
   * capabilities they need, a known length against `contentLength` and `maxObjectSize`, an
   * already-aborted signal; then it resolves the content type (given, or inferred from the
   * key and, for in-memory bodies, magic bytes), metadata and visibility.
   * @throws InvalidInput, Unsupported, Integrity, PayloadTooLarge, Aborted, Timeout (no context:
   *   call it inside `runChecked`, or add `ctx`'s yourself).
   */
  protected async checkPut(
    key: string,
    body: Body,
    options: PutOptions,
    ctx: OperationContext,
  ): Promise<CheckedPutOptions> {
    if (!isBody(body)) {
      throw new StorageError(
        'InvalidInput',
        `Unsupported body type ${Object.prototype.toString.call(body)}: use Uint8Array, string or a stream`,
        ctx,
      );
    }
    assertPutOptions(options, ctx);
    assertHeaderValues(options, ctx);
    const metadata = normalizeMetadata(options.metadata, ctx);
    this.requireWriteCapabilities(options, metadata, 'writeIfMatch', ctx);
    const known = knownLength(body);
    if (known !== undefined && options.contentLength !== undefined && known !== options.contentLength) {
      throw new StorageError(
        'Integrity',
        `Body is ${known} bytes but contentLength says ${options.contentLength}`,
        ctx,
      );
    }
    const length = options.contentLength ?? known;
    this.assertSize(length, ctx);
    throwIfAborted(options.signal, ctx);
    const checked: CheckedPutOptions = {
      ...options,
      contentType: options.contentType ?? (await this.inferType(key, body)),
      metadata,
      visibility: options.visibility ?? 'private',
    };
    if (length !== undefined) checked.contentLength = length;
    return checked;
  }

  /**
   * Advice appended to the message of a listing that went backwards (the layer's `Unexpected`),
   * e.g. the s3 adapter's "needs the profile override listOrder: 'tree'". Default: none.
   */
  protected listingHint(): string | undefined {
    return undefined;
  }

  // ------------------------------------------------------------------ shared checks

  /** The context every error of an operation carries. */
  protected ctx(operation: string, key?: string): OperationContext {
    return key === undefined ? { operation, backend: this.name } : { operation, key, backend: this.name };
  }

  /** @throws PayloadTooLarge when a known size exceeds `capabilities.maxObjectSize`. */
  protected assertSize(size: number | undefined, ctx: OperationContext): void {
    const max = this.capabilities.maxObjectSize;
    if (size !== undefined && max !== undefined && size > max) {
      throw new StorageError(
        'PayloadTooLarge',
        `Object of ${size} bytes exceeds this store's limit of ${max}`,
        ctx,
      );
    }
  }

  private requireCapability(
    declared: boolean,
    capability: keyof Capabilities,
    what: string,
    ctx: OperationContext,
  ): void {
    if (!declared) {
      throw new StorageError(
        'Unsupported',
        `${this.name} does not support ${what} (capability ${capability} is false)`,
        ctx,
      );
    }
  }

  /** The capabilities a write's options need (put and copy alike), and a usable etag for ifMatch. */
  private requireWriteCapabilities(
    options: PutOptions | CopyOptions,
    metadata: Record<string, string>,
    ifMatchCapability: 'writeIfMatch' | 'readIfMatch',
    ctx: OperationContext,
  ): void {
    const caps = this.capabilities;
    if (options.ifNoneMatch !== undefined)
      this.requireCapability(caps.writeIfNoneMatch, 'writeIfNoneMatch', 'ifNoneMatch', ctx);
    if (options.ifMatch !== undefined) {
      assertEtag(options.ifMatch, ctx);
      this.requireCapability(caps[ifMatchCapability], ifMatchCapability, 'ifMatch', ctx);
    }
    if (Object.keys(metadata).length > 0)
      this.requireCapability(caps.userMetadata, 'userMetadata', 'metadata', ctx);
    if (options.cacheControl !== undefined)
      this.requireCapability(caps.contentHeaders, 'contentHeaders', 'cacheControl', ctx);
    if (options.contentDisposition !== undefined)
      this.requireCapability(caps.contentHeaders, 'contentHeaders', 'contentDisposition', ctx);
    if (options.visibility === 'public')
      this.requireCapability(caps.visibility, 'visibility', "visibility: 'public'", ctx);
  }

  private async inferType(key: string, body: Body): Promise<string> {
    if (isInMemoryBody(body)) return inferContentType(key, toBuffer(body));
    return contentTypeFromKey(key) ?? DEFAULT_CONTENT_TYPE;
  }

  private async transfer(
    operation: 'copy' | 'move',
    from: string,
    to: string,
    options: CopyOptions,
  ): Promise<ObjectInfo> {
    const ctx = this.ctx(operation, from);
    try {
      assertValidKey(from, ctx);
      assertValidKey(to, ctx);
      assertCopyOptions(options, ctx);
      const checked: CheckedCopyOptions = { ...options };
      if (options.metadata !== undefined) checked.metadata = normalizeMetadata(options.metadata, ctx);
      // A copy's ifMatch is a condition on the source: a conditional read.
      this.requireWriteCapabilities(options, checked.metadata ?? {}, 'readIfMatch', ctx);
      throwIfAborted(options.signal, ctx);
      return await (operation === 'copy'
        ? this.copyObject(from, to, checked)
        : this.moveObject(from, to, checked));
    } catch (error) {
      throw storageErrorFrom(error, ctx, options.signal);
    }
  }

  private listQuery(
    operation: ListQuery['operation'],
    options: ListPageOptions & { pageSize?: number },
    ctx: OperationContext,
  ): ListQuery {
    if (options.startAfter !== undefined) {
      if (typeof options.startAfter !== 'string') {
        throw new StorageError('InvalidKey', 'startAfter must be a string', ctx);
      }
      assertValidPrefix(options.startAfter, ctx, 'startAfter');
    }
    if (options.delimiter !== undefined) {
      this.requireCapability(this.capabilities.listDelimiter, 'listDelimiter', 'delimiter', ctx);
    }
    if (
      options.pageSize !== undefined &&
      (!Number.isSafeInteger(options.pageSize) || options.pageSize < 1 || options.pageSize > 10_000)
    ) {
      throw new StorageError(
        'InvalidInput',
        `pageSize must be an integer from 1 to 10000; got ${options.pageSize}`,
        ctx,
      );
    }
    const { prefix, after, limit } = resolveListStart(options, ctx);
    throwIfAborted(options.signal, ctx);
    const query: ListQuery = { operation, prefix };
    if (operation === 'listPage') query.limit = limit;
    if (options.delimiter !== undefined) query.delimiter = options.delimiter;
    if (after !== undefined) query.after = after;
    if (options.pageSize !== undefined) query.pageSize = options.pageSize;
    if (options.signal !== undefined) query.signal = options.signal;
    return query;
  }

  /**
   * The listing callers get: `list()` validates `options` on the first `next()`, `listPage()`
   * passes its validated `query`. The adapter's entries are checked to move forward and its
   * errors given context here, in one generator: each generator in between would cost every
   * entry another hop.
   */
  private async *checkedEntries(
    options: ListPageOptions,
    validated: ListQuery | undefined,
  ): AsyncGenerator<ListEntry> {
    const ctx = this.ctx(validated?.operation ?? 'list');
    try {
      const query = validated ?? this.listQuery('list', options, ctx);
      const check = progressGuard(query, ctx, this.listingHint());
      for await (const entry of this.listEntries(query)) {
        check(entry);
        yield entry;
      }
    } catch (error) {
      throw storageErrorFrom(error, ctx, options.signal);
    }
  }
}

/**
 * What `JSON.stringify` and `util.inspect` show of every store by default: its class, name and
 * capabilities, nothing a subclass holds (configuration, clients, signers: they may hold
 * secrets). An adapter may define a richer `toJSON()` as long as it is safe; `inspect` shows
 * what `toJSON()` returns. Defined on the prototype rather than declared in the class, so an
 * adapter that already has its own `toJSON` keeps compiling under `noImplicitOverride`.
 */
Object.defineProperties(CheckedObjectStore.prototype, {
  toJSON: {
    value: function toJSON(this: CheckedObjectStore): Record<string, unknown> {
      return { name: this.name, capabilities: this.capabilities };
    },
    writable: true,
    configurable: true,
  },
  [Symbol.for('nodejs.util.inspect.custom')]: {
    value: function inspectStore(
      this: CheckedObjectStore & { toJSON(): unknown },
      _depth: number,
      options: object,
      inspect: (value: unknown, options: object) => string,
    ): string {
      return `${this.constructor.name} ${inspect(this.toJSON(), options)}`;
    },
    writable: true,
    configurable: true,
  },
});

/** @throws InvalidInput unless `etag` is a non-blank string (a blank one would match nothing, or anything). */
function assertEtag(etag: unknown, ctx: OperationContext): void {
  if (typeof etag !== 'string' || etag.trim() === '') {
    throw new StorageError('InvalidInput', 'ifMatch must be a non-empty etag', ctx);
  }
}
