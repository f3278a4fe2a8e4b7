import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import {
  abortedError,
  type Body,
  type Capabilities,
  type Clock,
  type GetOptions,
  type GetResult,
  type ListEntry,
  type ObjectInfo,
  type ObjectSummary,
  type PresignedRequest,
  type PresignGetOptions,
  type PresignPutOptions,
  StorageError,
  SystemClock,
  toBuffer,
  toReadable,
  type Visibility,
} from '@stowage/core';
import {
  assertBodyLength,
  assertBodySha256,
  type CheckedCopyOptions,
  CheckedObjectStore,
  type CheckedPutOptions,
  defineCapabilities,
  destroyOnAbort,
  entriesFromSorted,
  etagsMatch,
  firstIndexAfter,
  type ListQuery,
  md5Hex,
  parseConfig,
  quoteEtag,
  resolveRange,
  sha256Hex,
  UrlSigner,
} from '@stowage/kit';
import { type MemoryStoreConfig, memoryStoreConfigSchema } from './memory-config.js';

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

/** Read bodies are handed out in chunks of this size, like a socket would. */
const READ_CHUNK = 64 * 1024;
/** Listing entries taken from the index at once. */
const LIST_BATCH = 256;

/**
 * The reference ObjectStore: objects live in a Map plus a key-sorted index, so it follows
 * the contract exactly with no I/O. Use it as a test double and as the behaviour other
 * adapters are compared against. Presigned URLs need an object server: see
 * `createMemoryPresignServer`.
 */
export class MemoryObjectStore extends CheckedObjectStore {
  readonly name = 'memory';
  readonly capabilities: Capabilities;
  readonly clock: Clock;
  /** Signs presigned URLs (and lets the object server verify them); undefined without `presignBaseUrl`. */
  readonly urlSigner: UrlSigner | undefined;

  private readonly objects = new Map<string, StoredObject>();
  /** Every stored object, ordered by `compareKeys` (UTF-8 bytes). */
  private readonly index: StoredObject[] = [];

  /** @throws ConfigInvalid naming the bad setting. */
  constructor(config: MemoryStoreConfig = {}) {
    super();
    const parsed = parseConfig(memoryStoreConfigSchema, config, 'memory');
    this.clock = parsed.clock ?? new SystemClock();
    this.urlSigner =
      parsed.presignBaseUrl === undefined
        ? undefined
        : new UrlSigner({
            baseUrl: parsed.presignBaseUrl,
            secret: parsed.presignSecret ?? randomBytes(32).toString('hex'),
          });
    const presign = this.urlSigner !== undefined;
    this.capabilities = defineCapabilities({
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
      sha256: true,
      listDelimiter: true,
      maxObjectSize: parsed.maxObjectSize,
    });
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

  protected async putObject(key: string, body: Body, options: CheckedPutOptions): Promise<ObjectInfo> {
    const bytes = await this.collect(body, options);
    assertBodyLength(bytes.length, options.contentLength);
    const sha256 = sha256Hex(bytes);
    assertBodySha256(sha256, options.sha256);
    if (options.signal?.aborted) throw abortedError(options.signal);
    // Preconditions are checked at commit with no await in between, so concurrent
    // conditional writes serialise: exactly one `ifNoneMatch: '*'` put wins.
    this.assertWritePreconditions(key, options);
    const entry: StoredObject = {
      key,
      size: bytes.length,
      etag: quoteEtag(md5Hex(bytes)),
      lastModified: this.clock.now(),
      bytes,
      contentType: options.contentType,
      cacheControl: options.cacheControl,
      contentDisposition: options.contentDisposition,
      metadata: options.metadata,
      visibility: options.visibility,
      sha256,
    };
    this.commit(entry);
    return toInfo(entry);
  }

  protected async getObject(key: string, options: GetOptions): Promise<GetResult> {
    const entry = this.require(key);
    if (options.ifMatch !== undefined && !etagsMatch(entry.etag, options.ifMatch)) {
      throw new StorageError('PreconditionFailed', `ETag ${entry.etag} does not match ${options.ifMatch}`);
    }
    if (options.range === undefined) {
      return { info: toInfo(entry), body: readStream(entry.bytes, options.signal) };
    }
    const range = resolveRange(options.range, entry.size);
    const slice = entry.bytes.subarray(range.start, range.end + 1);
    return { info: toInfo(entry), body: readStream(slice, options.signal), range };
  }

  protected async headObject(key: string): Promise<ObjectInfo> {
    return toInfo(this.require(key));
  }

  protected override async existsObject(key: string): Promise<boolean> {
    return this.objects.has(key);
  }

  protected async deleteObject(key: string): Promise<void> {
    this.remove(key);
  }

  protected async copyObject(from: string, to: string, options: CheckedCopyOptions): Promise<ObjectInfo> {
    const source = this.require(from);
    if (options.ifMatch !== undefined && !etagsMatch(source.etag, options.ifMatch)) {
      throw new StorageError(
        'PreconditionFailed',
        `Source ETag ${source.etag} does not match ${options.ifMatch}`,
      );
    }
    if (options.ifNoneMatch === '*' && this.objects.has(to)) {
      throw new StorageError('AlreadyExists', `Destination ${JSON.stringify(to)} already exists`, {
        key: to,
      });
    }
    const entry: StoredObject = {
      ...source,
      key: to,
      lastModified: this.clock.now(),
      contentType: options.contentType ?? source.contentType,
      cacheControl: options.cacheControl ?? source.cacheControl,
      contentDisposition: options.contentDisposition ?? source.contentDisposition,
      metadata: options.metadata ?? source.metadata,
      visibility: options.visibility ?? source.visibility,
    };
    // Bytes are shared: stored buffers are never mutated and reads hand out copies.
    this.commit(entry);
    return toInfo(entry);
  }

  protected override async moveObject(
    from: string,
    to: string,
    options: CheckedCopyOptions,
  ): Promise<ObjectInfo> {
    const info = await this.copyObject(from, to, options);
    if (from !== to) this.remove(from);
    return info;
  }

  protected async *listEntries(query: ListQuery): AsyncGenerator<ListEntry> {
    // Batches are taken with no await in between, then the next batch starts from the last
    // position: writes while a listing is suspended cannot shift it (it never holds an index).
    let after = query.after;
    for (;;) {
      const batch: ListEntry[] = [];
      for (const entry of entriesFromSorted(this.index, { ...query, after })) {
        batch.push('key' in entry ? toSummary(entry) : entry);
        if (batch.length === LIST_BATCH) break;
      }
      yield* batch;
      if (batch.length < LIST_BATCH) return;
      const last = batch.at(-1)!;
      after = 'key' in last ? last.key : last.prefix;
    }
  }

  protected override async presignGetUrl(key: string, options: PresignGetOptions): Promise<string> {
    return this.signer().presignGet(key, options, this.clock.now());
  }

  protected override async presignPutRequest(
    key: string,
    options: PresignPutOptions,
  ): Promise<PresignedRequest> {
    return this.signer().presignPut(key, options, this.clock.now());
  }

  private signer(): UrlSigner {
    if (this.urlSigner === undefined)
      throw new StorageError('Unsupported', 'Presigning needs presignBaseUrl');
    return this.urlSigner;
  }

  /** Collects the body into a Buffer the store owns, enforcing size, abort and progress. */
  private async collect(body: Body, options: CheckedPutOptions): Promise<Buffer> {
    const { signal, onProgress, contentLength } = options;
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
    const onAbort = () => stream.destroy(abortedError(signal));
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      for await (const chunk of stream) {
        let buf: Buffer;
        if (typeof chunk === 'string') buf = Buffer.from(chunk, 'utf8');
        else if (chunk instanceof Uint8Array)
          buf = Buffer.from(chunk); // a copy: producers may reuse their buffers
        else throw new StorageError('InvalidInput', `Body stream yielded a ${typeof chunk}, not bytes`);
        loaded += buf.length;
        this.assertSize(loaded, this.ctx('put'));
        if (contentLength !== undefined && loaded > contentLength) {
          throw new StorageError('Integrity', `Body is longer than contentLength ${contentLength}`);
        }
        chunks.push(buf);
        onProgress?.({ loaded, ...(contentLength !== undefined ? { total: contentLength } : {}) });
        reported = true;
      }
    } catch (error) {
      if (signal?.aborted) throw abortedError(signal);
      if (error instanceof StorageError) throw error;
      throw new StorageError(
        'Unexpected',
        `Reading the body failed: ${(error as Error)?.message ?? String(error)}`,
        {
          cause: error,
        },
      );
    } finally {
      signal?.removeEventListener('abort', onAbort);
    }
    if (!reported)
      onProgress?.({ loaded: 0, ...(contentLength !== undefined ? { total: contentLength } : {}) });
    return chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, loaded);
  }

  private assertWritePreconditions(key: string, options: CheckedPutOptions): void {
    const current = this.objects.get(key);
    if (options.ifNoneMatch === '*' && current !== undefined) {
      throw new StorageError('AlreadyExists', `${JSON.stringify(key)} already exists`);
    }
    if (options.ifMatch !== undefined) {
      if (current === undefined) {
        throw new StorageError('PreconditionFailed', `${JSON.stringify(key)} does not exist (ifMatch)`);
      }
      if (!etagsMatch(current.etag, options.ifMatch)) {
        throw new StorageError(
          'PreconditionFailed',
          `ETag ${current.etag} does not match ${options.ifMatch}`,
        );
      }
    }
  }

  private require(key: string): StoredObject {
    const entry = this.objects.get(key);
    if (entry === undefined) throw new StorageError('NotFound', `No object at ${JSON.stringify(key)}`);
    return entry;
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
function readStream(bytes: Buffer, signal: AbortSignal | undefined): Readable {
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
  destroyOnAbort(stream, signal);
  return stream;
}
