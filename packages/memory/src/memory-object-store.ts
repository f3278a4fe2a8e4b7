import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import {
  abortedError,
  assertBodyLength,
  assertBodySha256,
  assertCopyOptions,
  assertHeaderValues,
  assertPresignExpiry,
  assertPutOptions,
  assertRange,
  assertValidKey,
  type Body,
  type Capabilities,
  type Clock,
  type CopyOptions,
  contentTypeFromKey,
  DEFAULT_CONTENT_TYPE,
  type DeleteManyResult,
  destroyOnAbort,
  etagsMatch,
  firstIndexAfter,
  type GetOptions,
  type GetResult,
  isStorageError,
  knownLength,
  type ListEntry,
  type ListOptions,
  type ListPage,
  type ListPageOptions,
  listFromPages,
  md5Hex,
  normalizeMetadata,
  type ObjectInfo,
  type ObjectStore,
  type ObjectSummary,
  type PresignedRequest,
  type PresignGetOptions,
  type PresignPutOptions,
  type PutOptions,
  pageFromSorted,
  prefixProblem,
  quoteEtag,
  resolveRange,
  StorageError,
  SystemClock,
  sha256Hex,
  throwIfAborted,
  toBuffer,
  toReadable,
  type Visibility,
} from '@stowage/core';
import { createPresignedUrl, type PresignVerification, verifyPresignedRequest } from './presign-signature.js';

export interface MemoryObjectStoreOptions {
  /** Time source for lastModified and presign expiry. Default: the system clock. */
  clock?: Clock;
  /**
   * Base URL of a `createMemoryPresignServer` serving this store. Without it presigning is
   * unsupported (memory has no HTTP endpoint of its own).
   */
  presignBaseUrl?: string;
  /** HMAC key for presigned URLs. Default: 32 random bytes per store. */
  presignSecret?: string | Uint8Array;
  /** Largest object accepted, in bytes; larger puts fail with `PayloadTooLarge`. */
  maxObjectSize?: number;
}

interface StoredObject {
  readonly key: string;
  readonly size: number;
  readonly etag: string;
  readonly lastModified: Date;
  /** Owned by the store: copied on the way in and on the way out, never mutated. */
  readonly bytes: Buffer;
  readonly contentType: string;
  readonly cacheControl: string | undefined;
  readonly contentDisposition: string | undefined;
  readonly metadata: Readonly<Record<string, string>>;
  readonly visibility: Visibility;
  readonly sha256: string;
}

type Ctx = { operation: string; key?: string; backend: string };

/** Read bodies are handed out in chunks of this size, like a socket would. */
const READ_CHUNK = 64 * 1024;
// Header values end up in HTTP responses of the presign server: printable ASCII only.

/**
 * The reference ObjectStore: objects live in a Map plus a key-sorted index, so it follows
 * the contract exactly with no I/O. Use it as a test double and as the behaviour other
 * adapters are compared against.
 */
export class MemoryObjectStore implements ObjectStore {
  readonly name = 'memory';
  readonly capabilities: Capabilities;

  private readonly clock: Clock;
  private readonly objects = new Map<string, StoredObject>();
  /** Every stored object, ordered by `compareKeys` (UTF-8 bytes). */
  private readonly index: StoredObject[] = [];
  private readonly presignBaseUrl: string | undefined;
  private readonly presignBasePath: string;
  private readonly presignSecret: string | Uint8Array;
  private readonly maxObjectSize: number | undefined;

  /** @throws ConfigInvalid for a malformed presignBaseUrl, presignSecret or maxObjectSize. */
  constructor(options: MemoryObjectStoreOptions = {}) {
    this.clock = options.clock ?? new SystemClock();
    const ctx = { operation: 'configure', backend: this.name };
    if (options.presignBaseUrl !== undefined) {
      let url: URL;
      try {
        url = new URL(options.presignBaseUrl);
      } catch (cause) {
        throw new StorageError('ConfigInvalid', `presignBaseUrl is not a URL: ${options.presignBaseUrl}`, {
          ...ctx,
          cause,
        });
      }
      if (url.protocol !== 'http:' && url.protocol !== 'https:') {
        throw new StorageError(
          'ConfigInvalid',
          `presignBaseUrl must be http(s): ${options.presignBaseUrl}`,
          ctx,
        );
      }
      if (url.search !== '' || url.hash !== '') {
        throw new StorageError('ConfigInvalid', 'presignBaseUrl must not have a query or fragment', ctx);
      }
      this.presignBaseUrl = url.toString();
      this.presignBasePath = url.pathname;
    } else {
      this.presignBaseUrl = undefined;
      this.presignBasePath = '/';
    }
    if (options.presignSecret !== undefined && options.presignSecret.length < 16) {
      throw new StorageError('ConfigInvalid', 'presignSecret must be at least 16 bytes', ctx);
    }
    this.presignSecret = options.presignSecret ?? randomBytes(32);
    if (
      options.maxObjectSize !== undefined &&
      (!Number.isSafeInteger(options.maxObjectSize) || options.maxObjectSize < 1)
    ) {
      throw new StorageError(
        'ConfigInvalid',
        `maxObjectSize must be a positive integer; got ${options.maxObjectSize}`,
        ctx,
      );
    }
    this.maxObjectSize = options.maxObjectSize;
    const presign = this.presignBaseUrl !== undefined;
    this.capabilities = Object.freeze({
      rangeRead: true,
      writeIfNoneMatch: true,
      writeIfMatch: true,
      readIfMatch: true,
      userMetadata: true,
      contentHeaders: true,
      visibility: true,
      presignGet: presign,
      presignPut: presign,
      serverSideCopy: true,
      multipart: false,
      lifecycle: false,
      versioning: false,
      sha256: true,
      listDelimiter: true,
      fileFolderConflict: false,
      ...(this.maxObjectSize !== undefined ? { maxObjectSize: this.maxObjectSize } : {}),
    });
  }

  async put(key: string, body: Body, options: PutOptions = {}): Promise<ObjectInfo> {
    const ctx: Ctx = { operation: 'put', key, backend: this.name };
    return this.run(ctx, async () => {
      assertValidKey(key, ctx);
      assertPutOptions(options, ctx);
      const metadata = normalizeMetadata(options.metadata, ctx);
      assertHeaderValues(options, ctx);
      throwIfAborted(options.signal, ctx);
      const known = knownLength(body);
      if (known !== undefined && options.contentLength !== undefined && known !== options.contentLength) {
        throw new StorageError(
          'Integrity',
          `Body is ${known} bytes but contentLength says ${options.contentLength}`,
          ctx,
        );
      }
      const total = options.contentLength ?? known;
      if (total !== undefined) this.assertSize(total, ctx);

      const bytes = await this.collect(body, options, total, ctx);
      assertBodyLength(bytes.length, options.contentLength, ctx);
      const sha256 = sha256Hex(bytes);
      assertBodySha256(sha256, options.sha256, ctx);
      throwIfAborted(options.signal, ctx);
      // Preconditions are checked at commit with no await in between, so concurrent
      // conditional writes serialise: exactly one `ifNoneMatch: '*'` put wins.
      this.assertWritePreconditions(key, options, ctx);
      const entry: StoredObject = {
        key,
        size: bytes.length,
        etag: quoteEtag(md5Hex(bytes)),
        lastModified: this.clock.now(),
        bytes,
        contentType: options.contentType ?? contentTypeFromKey(key) ?? DEFAULT_CONTENT_TYPE,
        cacheControl: options.cacheControl,
        contentDisposition: options.contentDisposition,
        metadata,
        visibility: options.visibility ?? 'private',
        sha256,
      };
      this.commit(entry);
      return toInfo(entry);
    });
  }

  async get(key: string, options: GetOptions = {}): Promise<GetResult> {
    const ctx: Ctx = { operation: 'get', key, backend: this.name };
    return this.run(ctx, async () => {
      assertValidKey(key, ctx);
      if (options.range !== undefined) assertRange(options.range, ctx);
      throwIfAborted(options.signal, ctx);
      const entry = this.require(key, ctx);
      if (options.ifMatch !== undefined && !etagsMatch(entry.etag, options.ifMatch)) {
        throw new StorageError(
          'PreconditionFailed',
          `ETag ${entry.etag} does not match ${options.ifMatch}`,
          ctx,
        );
      }
      if (options.range === undefined) {
        return { info: toInfo(entry), body: readStream(entry.bytes, options.signal, ctx) };
      }
      const range = resolveRange(options.range, entry.size, ctx);
      const slice = entry.bytes.subarray(range.start, range.end + 1);
      return { info: toInfo(entry), body: readStream(slice, options.signal, ctx), range };
    });
  }

  async head(key: string, options: { signal?: AbortSignal } = {}): Promise<ObjectInfo> {
    const ctx: Ctx = { operation: 'head', key, backend: this.name };
    return this.run(ctx, async () => {
      assertValidKey(key, ctx);
      throwIfAborted(options.signal, ctx);
      return toInfo(this.require(key, ctx));
    });
  }

  async exists(key: string, options: { signal?: AbortSignal } = {}): Promise<boolean> {
    const ctx: Ctx = { operation: 'exists', key, backend: this.name };
    return this.run(ctx, async () => {
      assertValidKey(key, ctx);
      throwIfAborted(options.signal, ctx);
      return this.objects.has(key);
    });
  }

  async delete(key: string, options: { signal?: AbortSignal } = {}): Promise<void> {
    const ctx: Ctx = { operation: 'delete', key, backend: this.name };
    return this.run(ctx, async () => {
      assertValidKey(key, ctx);
      throwIfAborted(options.signal, ctx);
      this.remove(key);
    });
  }

  async deleteMany(
    keys: Iterable<string> | AsyncIterable<string>,
    options: { signal?: AbortSignal } = {},
  ): Promise<DeleteManyResult> {
    const ctx: Ctx = { operation: 'deleteMany', backend: this.name };
    return this.run(ctx, async () => {
      if (
        typeof keys !== 'object' ||
        keys === null ||
        (typeof (keys as Iterable<string>)[Symbol.iterator] !== 'function' &&
          typeof (keys as AsyncIterable<string>)[Symbol.asyncIterator] !== 'function')
      ) {
        throw new StorageError('InvalidInput', 'deleteMany takes an iterable or async iterable of keys', ctx);
      }
      throwIfAborted(options.signal, ctx);
      let deleted = 0;
      const errors: DeleteManyResult['errors'] = [];
      for await (const key of keys) {
        throwIfAborted(options.signal, ctx);
        try {
          assertValidKey(key, ctx);
        } catch (error) {
          errors.push({ key: typeof key === 'string' ? key : String(key), error: error as Error });
          continue;
        }
        this.remove(key);
        deleted++;
      }
      return { deleted, errors };
    });
  }

  async copy(from: string, to: string, options: CopyOptions = {}): Promise<ObjectInfo> {
    return this.copyOrMove('copy', from, to, options);
  }

  async move(from: string, to: string, options: CopyOptions = {}): Promise<ObjectInfo> {
    return this.copyOrMove('move', from, to, options);
  }

  list(options: ListOptions = {}): AsyncIterable<ListEntry> {
    return listFromPages((pageOptions) => this.page(pageOptions, 'list'), options);
  }

  async listPage(options: ListPageOptions = {}): Promise<ListPage> {
    return this.page(options, 'listPage');
  }

  async presignGet(key: string, options: PresignGetOptions): Promise<string> {
    const ctx: Ctx = { operation: 'presignGet', key, backend: this.name };
    return this.run(ctx, async () => {
      assertValidKey(key, ctx);
      const base = this.requirePresign(ctx);
      assertPresignExpiry(options?.expiresIn, ctx);
      assertHeaderValues(
        { contentDisposition: options.responseContentDisposition, contentType: options.responseContentType },
        ctx,
      );
      return createPresignedUrl(
        base,
        {
          method: 'GET',
          key,
          expiresAt: this.clock.now().getTime() + options.expiresIn * 1000,
          ...(options.responseContentDisposition !== undefined
            ? { responseContentDisposition: options.responseContentDisposition }
            : {}),
          ...(options.responseContentType !== undefined
            ? { responseContentType: options.responseContentType }
            : {}),
        },
        this.presignSecret,
      );
    });
  }

  async presignPut(key: string, options: PresignPutOptions): Promise<PresignedRequest> {
    const ctx: Ctx = { operation: 'presignPut', key, backend: this.name };
    return this.run(ctx, async () => {
      assertValidKey(key, ctx);
      const base = this.requirePresign(ctx);
      assertPresignExpiry(options?.expiresIn, ctx);
      assertHeaderValues({ contentType: options.contentType }, ctx);
      const url = createPresignedUrl(
        base,
        {
          method: 'PUT',
          key,
          expiresAt: this.clock.now().getTime() + options.expiresIn * 1000,
          ...(options.contentType !== undefined ? { contentType: options.contentType } : {}),
        },
        this.presignSecret,
      );
      const headers: Record<string, string> = {};
      if (options.contentType !== undefined) headers['content-type'] = options.contentType;
      return { url, method: 'PUT', headers };
    });
  }

  /**
   * Checks a request received by `createMemoryPresignServer` against this store's secret
   * and clock. `requestTarget` is the raw path and query (`req.url`).
   */
  verifyPresignedRequest(method: string, requestTarget: string): PresignVerification {
    if (this.presignBaseUrl === undefined) return { ok: false, reason: 'malformed' };
    return verifyPresignedRequest(
      method,
      requestTarget,
      this.presignBasePath,
      this.presignSecret,
      this.clock.now().getTime(),
    );
  }

  /** How many objects are stored (handy in tests). */
  get size(): number {
    return this.objects.size;
  }

  /** Removes every object. */
  clear(): void {
    this.objects.clear();
    this.index.length = 0;
  }

  private async copyOrMove(
    operation: 'copy' | 'move',
    from: string,
    to: string,
    options: CopyOptions,
  ): Promise<ObjectInfo> {
    const ctx: Ctx = { operation, key: from, backend: this.name };
    return this.run(ctx, async () => {
      assertValidKey(from, ctx);
      const toCtx: Ctx = { ...ctx, key: to };
      assertValidKey(to, toCtx);
      assertCopyOptions(options, ctx);
      const metadata = options.metadata === undefined ? undefined : normalizeMetadata(options.metadata, ctx);
      throwIfAborted(options.signal, ctx);
      const source = this.require(from, ctx);
      if (options.ifMatch !== undefined && !etagsMatch(source.etag, options.ifMatch)) {
        throw new StorageError(
          'PreconditionFailed',
          `Source ETag ${source.etag} does not match ${options.ifMatch}`,
          ctx,
        );
      }
      if (options.ifNoneMatch === '*' && this.objects.has(to)) {
        throw new StorageError('AlreadyExists', `Destination ${JSON.stringify(to)} already exists`, toCtx);
      }
      const entry: StoredObject = {
        ...source,
        key: to,
        lastModified: this.clock.now(),
        contentType: options.contentType ?? source.contentType,
        cacheControl: options.cacheControl ?? source.cacheControl,
        contentDisposition: options.contentDisposition ?? source.contentDisposition,
        metadata: metadata ?? source.metadata,
        visibility: options.visibility ?? source.visibility,
      };
      // Bytes are shared: stored buffers are never mutated and reads hand out copies.
      this.commit(entry);
      if (operation === 'move' && from !== to) this.remove(from);
      return toInfo(entry);
    });
  }

  private async page(options: ListPageOptions, operation: string): Promise<ListPage> {
    const ctx: Ctx = { operation, backend: this.name };
    return this.run(ctx, async () => {
      if (options.startAfter !== undefined) {
        const problem =
          typeof options.startAfter === 'string'
            ? prefixProblem(options.startAfter)
            : 'startAfter must be a string';
        if (problem !== undefined) {
          throw new StorageError(
            'InvalidKey',
            `Invalid startAfter ${JSON.stringify(options.startAfter)}: ${problem}`,
            ctx,
          );
        }
      }
      throwIfAborted(options.signal, ctx);
      const page = pageFromSorted(this.index, options, ctx);
      const out: ListPage = { items: page.items.map(toSummary), prefixes: page.prefixes };
      if (page.cursor !== undefined) out.cursor = page.cursor;
      return out;
    });
  }

  /** Collects the body into a Buffer the store owns, enforcing size, abort and progress. */
  private async collect(
    body: Body,
    options: PutOptions,
    total: number | undefined,
    ctx: Ctx,
  ): Promise<Buffer> {
    const { signal, onProgress } = options;
    if (typeof body === 'string' || body instanceof Uint8Array) {
      // A copy: callers mutating their array afterwards must not change the stored object.
      const bytes = Buffer.from(toBuffer(body));
      onProgress?.({ loaded: bytes.length, total: bytes.length });
      return bytes;
    }
    const stream = toReadable(body);
    const chunks: Buffer[] = [];
    let loaded = 0;
    let reported = false;
    const onAbort = () => stream.destroy(abortedError(signal, ctx));
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      for await (const chunk of stream) {
        let buf: Buffer;
        if (typeof chunk === 'string') buf = Buffer.from(chunk, 'utf8');
        else if (chunk instanceof Uint8Array)
          buf = Buffer.from(chunk); // copy: producers may reuse buffers
        else throw new StorageError('InvalidInput', `Body stream yielded a ${typeof chunk}, not bytes`, ctx);
        loaded += buf.length;
        if (this.maxObjectSize !== undefined && loaded > this.maxObjectSize) this.assertSize(loaded, ctx);
        if (options.contentLength !== undefined && loaded > options.contentLength) {
          throw new StorageError(
            'Integrity',
            `Body is longer than contentLength ${options.contentLength}`,
            ctx,
          );
        }
        chunks.push(buf);
        onProgress?.({ loaded, ...(total !== undefined ? { total } : {}) });
        reported = true;
      }
    } catch (error) {
      if (signal?.aborted) throw abortedError(signal, ctx);
      if (isStorageError(error)) throw error;
      throw new StorageError(
        'Unexpected',
        `Reading the body failed: ${(error as Error)?.message ?? String(error)}`,
        {
          ...ctx,
          cause: error,
        },
      );
    } finally {
      signal?.removeEventListener('abort', onAbort);
    }
    if (!reported) onProgress?.({ loaded: 0, ...(total !== undefined ? { total } : {}) });
    return chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, loaded);
  }

  private assertSize(size: number, ctx: Ctx): void {
    if (this.maxObjectSize !== undefined && size > this.maxObjectSize) {
      throw new StorageError(
        'PayloadTooLarge',
        `Object is ${size} bytes; the limit is ${this.maxObjectSize}`,
        ctx,
      );
    }
  }

  private assertWritePreconditions(key: string, options: PutOptions, ctx: Ctx): void {
    const current = this.objects.get(key);
    if (options.ifNoneMatch === '*' && current !== undefined) {
      throw new StorageError('AlreadyExists', `${JSON.stringify(key)} already exists`, ctx);
    }
    if (options.ifMatch !== undefined) {
      if (current === undefined) {
        throw new StorageError('PreconditionFailed', `${JSON.stringify(key)} does not exist (ifMatch)`, ctx);
      }
      if (!etagsMatch(current.etag, options.ifMatch)) {
        throw new StorageError(
          'PreconditionFailed',
          `ETag ${current.etag} does not match ${options.ifMatch}`,
          ctx,
        );
      }
    }
  }

  private require(key: string, ctx: Ctx): StoredObject {
    const entry = this.objects.get(key);
    if (entry === undefined) throw new StorageError('NotFound', `No object at ${JSON.stringify(key)}`, ctx);
    return entry;
  }

  private requirePresign(ctx: Ctx): string {
    if (this.presignBaseUrl === undefined) {
      throw new StorageError(
        'Unsupported',
        'Presigning needs presignBaseUrl: start createMemoryPresignServer and pass its url',
        ctx,
      );
    }
    return this.presignBaseUrl;
  }

  private commit(entry: StoredObject): void {
    const replacing = this.objects.has(entry.key);
    this.objects.set(entry.key, entry);
    // firstIndexAfter is the insertion point; when replacing, the old entry sits just before it.
    const at = firstIndexAfter(this.index, entry.key);
    if (replacing) this.index[at - 1] = entry;
    else this.index.splice(at, 0, entry);
  }

  private remove(key: string): void {
    if (!this.objects.delete(key)) return;
    const at = firstIndexAfter(this.index, key) - 1;
    this.index.splice(at, 1);
  }

  private async run<T>(ctx: Ctx, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (error) {
      if (isStorageError(error)) throw error.withContext(ctx);
      throw new StorageError('Unexpected', (error as Error)?.message ?? String(error), {
        ...ctx,
        cause: error,
      });
    }
  }
}

function toInfo(entry: StoredObject): ObjectInfo {
  const info: ObjectInfo = {
    key: entry.key,
    size: entry.size,
    etag: entry.etag,
    lastModified: new Date(entry.lastModified.getTime()),
    contentType: entry.contentType,
    metadata: { ...entry.metadata },
    visibility: entry.visibility,
    sha256: entry.sha256,
  };
  if (entry.cacheControl !== undefined) info.cacheControl = entry.cacheControl;
  if (entry.contentDisposition !== undefined) info.contentDisposition = entry.contentDisposition;
  return info;
}

function toSummary(entry: ObjectSummary): ObjectSummary {
  return {
    key: entry.key,
    size: entry.size,
    etag: entry.etag,
    lastModified: new Date(entry.lastModified.getTime()),
  };
}

/**
 * `bytes` as a stream of fresh chunk copies (memory stays bounded by the chunk size, and a
 * reader changing a chunk cannot change the store), destroyed with `Aborted` if `signal` fires.
 * Stored buffers are never mutated, so a read keeps seeing the version it opened.
 */
function readStream(bytes: Buffer, signal: AbortSignal | undefined, ctx: Ctx): Readable {
  let offset = 0;
  const stream = new Readable({
    read() {
      if (offset >= bytes.length) {
        this.push(null);
        return;
      }
      const end = Math.min(offset + READ_CHUNK, bytes.length);
      this.push(Buffer.from(bytes.subarray(offset, end)));
      offset = end;
    },
  });
  destroyOnAbort(stream, signal, ctx);
  return stream;
}
