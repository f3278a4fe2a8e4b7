import type { S3Client } from '@aws-sdk/client-s3';
import {
  type Body,
  type Capabilities,
  type Clock,
  type DeleteManyResult,
  type GetOptions,
  type GetResult,
  type ListEntry,
  type ObjectInfo,
  type PresignedRequest,
  type PresignGetOptions,
  type PresignPutOptions,
  SystemClock,
} from '@stowage/core';
import {
  type CheckedCopyOptions,
  CheckedObjectStore,
  type CheckedPutOptions,
  defineCapabilities,
  type ListQuery,
} from '@stowage/kit';
import { createS3Client } from './client.js';
import { S3Copier } from './copy/s3-copier.js';
import { S3Deleter } from './delete/s3-deleter.js';
import { listBucket } from './list/s3-lister.js';
import { LEXICOGRAPHIC_ORDER_HINT } from './list/s3-listing.js';
import { S3Presigner } from './presign/s3-presigner.js';
import type { S3Profile } from './profiles.js';
import { S3Reader } from './read/s3-reader.js';
import { type ParsedS3StoreConfig, parseS3StoreConfig, type S3StoreConfig } from './s3-config.js';
import type { S3StoreContext } from './s3-store-context.js';
import { publicObjectUrl } from './urls.js';
import { S3Writer } from './write/s3-writer.js';

/**
 * ObjectStore on Amazon S3 or an S3-compatible server (`@aws-sdk/client-s3`). Provider quirks
 * come from the profile (see `profiles.ts`). The checked layer (`CheckedObjectStore`) validates
 * every call first; each operation lives in its own module: `write/` (single put and
 * multipart), `read/` (get, head), `copy/`, `delete/`, `list/`, `presign/`.
 *
 * Every `get` body must be consumed or destroyed: an unread body holds its socket (until the
 * `requestTimeout` idle limit frees it). Use core's `getBytes` to get bytes without a stream.
 *
 * The adapter stores `sha256` and `visibility` in reserved user metadata (`x-amz-meta-stowage-*`):
 * user metadata names starting with `stowage-` are refused with InvalidInput.
 *
 * Extending (a provider package such as `@stowage/spaces` or `@stowage/seaweedfs`): pass a
 * configuration with your `provider` (profiles are data) to the constructor; build your
 * configuration schema from `s3StoreSettings` / `s3TuningSettings`; read `clock` for time.
 */
export class S3ObjectStore extends CheckedObjectStore {
  readonly name: string;
  readonly capabilities: Capabilities;
  readonly bucket: string;
  /**
   * The SDK client, for operations this port does not cover: the one given as `client`, or
   * the store's own (closed by `destroy()`).
   */
  readonly client: S3Client;
  readonly profile: S3Profile;
  /** The parsed configuration: credentials are `Secret`s, defaults and profile applied. */
  readonly config: ParsedS3StoreConfig;
  /** Time source for presigning; provider packages may read it. */
  protected readonly clock: Clock;

  private readonly ownsClient: boolean;
  private readonly writer: S3Writer;
  private readonly reader: S3Reader;
  private readonly copier: S3Copier;
  private readonly deleter: S3Deleter;
  private readonly presigner: S3Presigner;
  private readonly context: S3StoreContext;

  /** @throws ConfigInvalid naming each bad setting. */
  constructor(config: S3StoreConfig) {
    super();
    this.config = parseS3StoreConfig(config);
    this.name = this.config.name;
    this.bucket = this.config.bucket;
    this.profile = this.config.profileData;
    this.clock = this.config.clock ?? new SystemClock();
    this.ownsClient = this.config.client === undefined;
    this.client = createS3Client(this.config);
    this.context = { client: this.client, bucket: this.bucket, profile: this.profile, config: this.config };
    this.writer = new S3Writer(this.context);
    this.reader = new S3Reader(this.context);
    this.copier = new S3Copier(this.context, this.reader, this.writer);
    this.deleter = new S3Deleter(this.context);
    this.presigner = new S3Presigner(this.context, this.clock);
    const p = this.profile;
    this.capabilities = defineCapabilities({
      rangeRead: true,
      writeIfNoneMatch: p.writeIfNoneMatch,
      writeIfMatch: p.writeIfMatch,
      readIfMatch: true,
      userMetadata: true,
      contentHeaders: true,
      visibility: p.acl,
      presignGet: true,
      presignPut: true,
      serverSideCopy: true,
      multipart: true,
      lifecycle: p.lifecycle,
      sha256: true,
      listDelimiter: true,
      maxObjectSize: p.maxObjectSize,
    });
  }

  /** Closes the store's own keep-alive sockets. A caller's `client` stays open: destroy it yourself. */
  destroy(): void {
    if (this.ownsClient) this.client.destroy();
  }

  /**
   * What `JSON.stringify` and `util.inspect` show of a store: who it talks to, never its
   * client or credentials (the SDK client is circular, so it would not serialise anyway).
   */
  toJSON(): Record<string, string | undefined> {
    const { provider, region, endpoint } = this.config;
    return { name: this.name, provider, bucket: this.bucket, region, endpoint };
  }

  /**
   * Where a public object can be fetched: `publicUrlBase` (a CDN) or the bucket's own URL.
   * @throws InvalidKey for an invalid key.
   */
  publicUrl(key: string): string {
    return this.runCheckedSync('publicUrl', key, () => publicObjectUrl(this.config, key));
  }

  protected putObject(key: string, body: Body, options: CheckedPutOptions): Promise<ObjectInfo> {
    return this.writer.put(key, body, options, this.ctx('put', key));
  }

  protected getObject(key: string, options: GetOptions): Promise<GetResult> {
    return this.reader.get(key, options, this.ctx('get', key));
  }

  protected headObject(key: string, options: { signal?: AbortSignal }): Promise<ObjectInfo> {
    return this.reader.head(key, options.signal, this.ctx('head', key));
  }

  protected override existsObject(key: string, options: { signal?: AbortSignal }): Promise<boolean> {
    return this.reader.exists(key, options.signal, this.ctx('exists', key));
  }

  protected deleteObject(key: string, options: { signal?: AbortSignal }): Promise<void> {
    return this.deleter.delete(key, options.signal, this.ctx('delete', key));
  }

  protected override deleteObjects(
    keys: readonly string[],
    options: { signal?: AbortSignal },
  ): Promise<DeleteManyResult> {
    return this.deleter.deleteBatch(keys, options.signal, this.ctx('deleteMany'));
  }

  protected copyObject(from: string, to: string, options: CheckedCopyOptions): Promise<ObjectInfo> {
    return this.copier.copy(from, to, options, this.ctx('copy', from));
  }

  protected override async moveObject(
    from: string,
    to: string,
    options: CheckedCopyOptions,
  ): Promise<ObjectInfo> {
    const ctx = this.ctx('move', from);
    const info = await this.copier.copy(from, to, options, ctx);
    if (from !== to) await this.deleter.delete(from, options.signal, ctx);
    return info;
  }

  protected listEntries(query: ListQuery): AsyncIterable<ListEntry> {
    return listBucket(this.context, query, this.ctx(query.operation));
  }

  /** A lexicographic profile on a tree-order server lists out of byte order: say what fixes it. */
  protected override listingHint(): string | undefined {
    return this.profile.listOrder === 'lexicographic' ? LEXICOGRAPHIC_ORDER_HINT : undefined;
  }

  protected override presignGetUrl(key: string, options: PresignGetOptions): Promise<string> {
    return this.presigner.presignGet(key, options);
  }

  protected override presignPutRequest(key: string, options: PresignPutOptions): Promise<PresignedRequest> {
    return this.presigner.presignPut(key, options, this.ctx('presignPut', key));
  }
}
