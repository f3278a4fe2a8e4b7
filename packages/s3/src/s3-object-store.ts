import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import type { ReadableStream as NodeWebReadableStream } from 'node:stream/web';
import {
  AbortMultipartUploadCommand,
  CopyObjectCommand,
  type CopyObjectCommandInput,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadObjectCommand,
  type HeadObjectCommandOutput,
  PutObjectCommand,
  type PutObjectCommandInput,
  type S3Client,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import {
  abortedError,
  assertValidKey,
  assertValidPrefix,
  type Body,
  type Capabilities,
  type Clock,
  type CopyOptions,
  type DeleteManyResult,
  type GetOptions,
  type GetResult,
  isBody,
  isInMemoryBody,
  isStorageError,
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
  SystemClock,
  throwIfAborted,
  toBuffer,
  toReadable,
} from '@stowage/core';
import {
  assertBodyLength,
  assertBodySha256,
  assertCopyOptions,
  assertPresignExpiry,
  assertPutOptions,
  assertRange,
  destroyOnAbort,
  etagsMatch,
  pullReadable,
  quoteEtag,
  resolveListStart,
  sha256Hex,
} from '@stowage/kit';
import { createS3Client } from './client.js';
import {
  backendNameOf,
  defaultStoreName,
  parseS3StoreConfig,
  type ResolvedS3StoreConfig,
  type S3StoreConfig,
} from './config.js';
import { type ErrorContext, mapS3Error, rekind, s3ErrorCode } from './error-map.js';
import { sdkListServer } from './list/list-server.js';
import { type ListQuery, listEntries, takePage } from './list/s3-listing.js';
import { encodeMetadata, objectInfoFromHeaders, userMetadata } from './object-metadata.js';
import { MAX_PARTS, partSizeFor } from './part-size.js';
import type { S3Profile } from './profiles.js';
import { encodeCopySource, publicObjectUrl } from './urls.js';

/** At most this many keys per DeleteObjects request (S3's limit). */
const DELETE_BATCH = 1000;
/** At most this many keys per ListObjectsV2 request (S3's limit). */
const LIST_BATCH = 1000;
/** Attempts for a copy whose source changes between our HEAD and the CopyObject. */
const COPY_ATTEMPTS = 3;

type WriteParams = Omit<PutObjectCommandInput, 'Body'>;

interface UploadInternals {
  uploadId?: string;
  concurrentUploaders?: Promise<unknown>[];
  createMultiPartPromise?: Promise<{ UploadId?: string }>;
}

/**
 * ObjectStore on Amazon S3 or an S3-compatible server (`@aws-sdk/client-s3`). Provider quirks
 * come from the profile (see `profiles.ts`). Bodies below `multipartThreshold` go up in one
 * PutObject; larger or unknown-length ones stream through `@aws-sdk/lib-storage` in parts,
 * and a failed or aborted multipart upload is always aborted on the server.
 *
 * The adapter stores `sha256` and `visibility` in reserved user metadata (`x-amz-meta-stowage-*`):
 * user metadata names starting with `stowage-` are refused with InvalidInput.
 */
export class S3ObjectStore implements ObjectStore {
  readonly name: string;
  readonly capabilities: Capabilities;
  readonly bucket: string;
  /** The SDK client, for operations this port does not cover. Call `destroy()` when done. */
  readonly client: S3Client;
  readonly profile: S3Profile;
  readonly config: ResolvedS3StoreConfig;
  private readonly presigner: S3Client;
  private readonly clock: Clock;

  /** @throws ConfigInvalid naming the bad setting. */
  constructor(config: S3StoreConfig) {
    this.config = parseS3StoreConfig(config, backendNameOf(config));
    this.name = this.config.name ?? defaultStoreName(this.config.provider);
    this.bucket = this.config.bucket;
    this.profile = this.config.profileData;
    this.clock = this.config.clock ?? new SystemClock();
    this.client = createS3Client(this.config);
    // Presigned URLs must not carry a checksum of an empty body (WHEN_SUPPORTED would add one).
    this.presigner = createS3Client(this.config, { requestChecksumCalculation: 'WHEN_REQUIRED' });
    const p = this.profile;
    this.capabilities = {
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
      versioning: false,
      sha256: true,
      listDelimiter: true,
      fileFolderConflict: false,
      maxObjectSize: p.maxObjectSize,
    };
  }

  /** Closes the keep-alive sockets. */
  destroy(): void {
    this.client.destroy();
    this.presigner.destroy();
  }

  /** Where a public object can be fetched: `publicUrlBase` (a CDN) or the bucket's own URL. */
  publicUrl(key: string): string {
    assertValidKey(key, this.ctx('publicUrl', key));
    return publicObjectUrl(this.config, key);
  }

  // ------------------------------------------------------------------ writes

  async put(key: string, body: Body, options: PutOptions = {}): Promise<ObjectInfo> {
    const ctx = this.ctx('put', key);
    try {
      assertValidKey(key, ctx);
      assertPutOptions(options, ctx);
      const user = userMetadata(options.metadata, ctx);
      this.assertWriteSupported(options, ctx);
      if (!isBody(body)) {
        throw new StorageError(
          'InvalidInput',
          `Unsupported body type ${Object.prototype.toString.call(body)}`,
          ctx,
        );
      }
      throwIfAborted(options.signal, ctx);
      if (isInMemoryBody(body)) {
        const bytes = toBuffer(body);
        return await this.putBytes(key, bytes, sha256Hex(bytes), options, user, ctx);
      }
      return await this.putStream(key, toReadable(body), options, user, ctx);
    } catch (error) {
      throw this.writeError(error, options, ctx);
    }
  }

  private assertWriteSupported(
    options: { visibility?: string; ifNoneMatch?: string; ifMatch?: string },
    ctx: ErrorContext,
  ): void {
    if (options.visibility === 'public' && !this.profile.acl) {
      throw new StorageError(
        'Unsupported',
        `${this.profile.provider} does not enforce per-object ACLs here, so objects cannot be made public (capability visibility is false)`,
        ctx,
      );
    }
    if (options.ifNoneMatch !== undefined && !this.capabilities.writeIfNoneMatch) {
      throw new StorageError(
        'Unsupported',
        `ifNoneMatch is not supported by the ${this.profile.provider} profile`,
        ctx,
      );
    }
    if (options.ifMatch !== undefined && !this.capabilities.writeIfMatch) {
      throw new StorageError(
        'Unsupported',
        `ifMatch is not supported by the ${this.profile.provider} profile`,
        ctx,
      );
    }
    if (
      options.ifMatch !== undefined &&
      (typeof options.ifMatch !== 'string' || options.ifMatch.trim() === '')
    ) {
      throw new StorageError('InvalidInput', 'ifMatch must be a non-empty etag', ctx);
    }
  }

  /** Conditional-write failures mean different things depending on the condition asked for. */
  private writeError(
    error: unknown,
    options: { ifNoneMatch?: string; ifMatch?: string },
    ctx: ErrorContext,
  ): StorageError {
    const mapped = mapS3Error(error, ctx);
    if (options.ifNoneMatch !== undefined && mapped.kind === 'PreconditionFailed') {
      return rekind(
        mapped,
        'AlreadyExists',
        `${ctx.backend}: ${JSON.stringify(ctx.key)} already exists (ifNoneMatch '*')`,
      );
    }
    // moto answers If-Match on a missing key with NoSuchKey; the contract says PreconditionFailed.
    if (
      options.ifMatch !== undefined &&
      mapped.kind === 'NotFound' &&
      s3ErrorCode(mapped.cause) !== 'NoSuchBucket'
    ) {
      return rekind(
        mapped,
        'PreconditionFailed',
        `${ctx.backend}: ${JSON.stringify(ctx.key)} does not exist (ifMatch)`,
      );
    }
    return mapped;
  }

  private writeParams(
    key: string,
    options: PutOptions,
    user: Record<string, string>,
    sha256: string | undefined,
  ): WriteParams {
    const params: WriteParams = {
      Bucket: this.bucket,
      Key: key,
      ContentType: options.contentType ?? 'application/octet-stream',
      Metadata: encodeMetadata(user, {
        sha256,
        visibility: options.visibility,
        recordEmptyValues: this.profile.dropsEmptyMetadataValues,
      }),
    };
    if (options.cacheControl !== undefined) params.CacheControl = options.cacheControl;
    if (options.contentDisposition !== undefined) params.ContentDisposition = options.contentDisposition;
    // Only public objects get an ACL header: buckets with ACLs disabled refuse any other value.
    if (options.visibility === 'public' && this.profile.acl) params.ACL = 'public-read';
    if (options.ifNoneMatch !== undefined) params.IfNoneMatch = '*';
    if (options.ifMatch !== undefined) params.IfMatch = quoteEtag(options.ifMatch);
    return params;
  }

  private writtenInfo(
    key: string,
    size: number,
    etag: string | undefined,
    options: PutOptions,
    user: Record<string, string>,
    sha256: string | undefined,
  ): ObjectInfo {
    const info: ObjectInfo = {
      key,
      size,
      etag: quoteEtag(etag ?? ''),
      // PutObject does not answer with Last-Modified; the server's value is within a second of now.
      lastModified: new Date(),
      contentType: options.contentType ?? 'application/octet-stream',
      metadata: user,
      visibility: options.visibility ?? 'private',
    };
    if (options.cacheControl !== undefined) info.cacheControl = options.cacheControl;
    if (options.contentDisposition !== undefined) info.contentDisposition = options.contentDisposition;
    if (sha256 !== undefined) info.sha256 = sha256;
    return info;
  }

  /** An in-memory body: everything is verified before a byte is sent, so a mismatch stores nothing. */
  private async putBytes(
    key: string,
    bytes: Buffer,
    sha256: string,
    options: PutOptions,
    user: Record<string, string>,
    ctx: ErrorContext,
  ): Promise<ObjectInfo> {
    assertBodyLength(bytes.length, options.contentLength, ctx);
    assertBodySha256(sha256, options.sha256, ctx);
    this.assertSize(bytes.length, ctx);
    const params = this.writeParams(key, options, user, sha256);
    if (bytes.length >= this.config.multipartThreshold) {
      return this.putMultipart(key, bytes, bytes.length, params, options, user, ctx, () => ({
        sha256,
        bytes: bytes.length,
      }));
    }
    options.onProgress?.({ loaded: 0, total: bytes.length });
    const out = await this.client.send(
      new PutObjectCommand({ ...params, Body: bytes, ContentLength: bytes.length }),
      {
        abortSignal: options.signal,
      },
    );
    options.onProgress?.({ loaded: bytes.length, total: bytes.length });
    return this.writtenInfo(key, bytes.length, out.ETag, options, user, sha256);
  }

  private assertSize(size: number, ctx: ErrorContext): void {
    if (size > this.profile.maxObjectSize) {
      throw new StorageError(
        'PayloadTooLarge',
        `Object of ${size} bytes exceeds the ${this.profile.maxObjectSize}-byte limit`,
        ctx,
      );
    }
  }

  /**
   * A stream: read up to `multipartThreshold` bytes; if it ends by then it is sent like an
   * in-memory body (verified first). Otherwise it streams as a multipart upload whose last
   * read verifies length and sha256 — failing there aborts the upload, so nothing is stored.
   */
  private async putStream(
    key: string,
    source: Readable,
    options: PutOptions,
    user: Record<string, string>,
    ctx: ErrorContext,
  ): Promise<ObjectInfo> {
    const { signal, contentLength } = options;
    const hash = createHash('sha256');
    const head: Buffer[] = [];
    let total = 0;
    let handedOff = false;
    const iterator = source[Symbol.asyncIterator]() as AsyncIterator<unknown>;
    const onAbort = () => source.destroy(abortedError(signal, ctx));
    signal?.addEventListener('abort', onAbort, { once: true });
    const tooLong = () =>
      new StorageError('Integrity', `Body is longer than contentLength ${contentLength}`, ctx);
    try {
      let ended = false;
      while (total < this.config.multipartThreshold) {
        const next = await iterator.next();
        if (next.done) {
          ended = true;
          break;
        }
        const chunk = asChunk(next.value);
        hash.update(chunk);
        head.push(chunk);
        total += chunk.length;
        if (contentLength !== undefined && total > contentLength) throw tooLong();
      }
      if (ended) {
        signal?.removeEventListener('abort', onAbort);
        return await this.putBytes(key, Buffer.concat(head, total), hash.digest('hex'), options, user, ctx);
      }
      if (contentLength !== undefined) this.assertSize(contentLength, ctx);
      const expected = options.sha256;
      // Without a declared length the part size is fixed, so the parts limit caps the stream.
      const partsLimit =
        contentLength === undefined ? this.config.partSize * MAX_PARTS : Number.POSITIVE_INFINITY;
      const maxSize = Math.min(this.profile.maxObjectSize, partsLimit);
      const limitNote =
        partsLimit < this.profile.maxObjectSize
          ? ` (an unknown-length stream is limited to partSize × ${MAX_PARTS} parts; pass contentLength or raise partSize)`
          : '';
      let final: { sha256: string; bytes: number } | undefined;
      // The bytes already read go first; destroying the body (an abort) destroys the source at
      // once, even while a read is waiting on a stalled source.
      const body = pullReadable(
        async () => {
          const buffered = head.shift();
          if (buffered !== undefined) return buffered;
          const next = await iterator.next();
          if (next.done) {
            assertBodyLength(total, contentLength, ctx);
            const digest = hash.digest('hex');
            assertBodySha256(digest, expected, ctx);
            final = { sha256: digest, bytes: total };
            return null;
          }
          const chunk = asChunk(next.value);
          hash.update(chunk);
          total += chunk.length;
          if (contentLength !== undefined && total > contentLength) throw tooLong();
          if (total > maxSize) {
            throw new StorageError(
              'PayloadTooLarge',
              `Body exceeds the ${maxSize}-byte limit${limitNote}`,
              ctx,
            );
          }
          return chunk;
        },
        (error) => {
          if (!source.destroyed) source.destroy(error ?? undefined);
        },
      );
      const params = this.writeParams(key, options, user, expected);
      handedOff = true;
      signal?.removeEventListener('abort', onAbort);
      return await this.putMultipart(key, body, contentLength, params, options, user, ctx, () => {
        if (final === undefined)
          throw new StorageError('Unexpected', 'Upload finished before the body ended', ctx);
        return final;
      });
    } finally {
      signal?.removeEventListener('abort', onAbort);
      if (!handedOff && !source.destroyed) source.destroy();
    }
  }

  private async putMultipart(
    key: string,
    body: Buffer | Readable,
    total: number | undefined,
    params: WriteParams,
    options: PutOptions,
    user: Record<string, string>,
    ctx: ErrorContext,
    result: () => { sha256: string; bytes: number },
  ): Promise<ObjectInfo> {
    const { signal, onProgress } = options;
    // Refuse before CreateMultipartUpload: a server that ignores the condition would overwrite.
    if (options.ifMatch !== undefined && !this.profile.multipartIfMatch) {
      throw new StorageError(
        'Unsupported',
        `${this.profile.provider} profile: ifMatch is only enforced below multipartThreshold (${this.config.multipartThreshold} bytes); this server ignores If-Match on CompleteMultipartUpload`,
        ctx,
      );
    }
    if (options.ifNoneMatch !== undefined && !this.profile.multipartIfNoneMatch) {
      throw new StorageError(
        'Unsupported',
        `${this.profile.provider} profile: ifNoneMatch is only enforced below multipartThreshold (${this.config.multipartThreshold} bytes); this server ignores If-None-Match on CompleteMultipartUpload`,
        ctx,
      );
    }
    const upload = new Upload({
      client: this.client,
      params: { ...params, Body: body },
      partSize: partSizeFor(this.config.partSize, total),
      queueSize: this.config.queueSize,
      leavePartsOnError: false,
    });
    if (onProgress !== undefined) {
      onProgress({ loaded: 0, ...(total === undefined ? {} : { total }) });
      upload.on('httpUploadProgress', (p) => {
        const loaded = p.loaded ?? 0;
        onProgress(total === undefined ? { loaded } : { loaded, total });
      });
    }
    const onAbort = () => {
      if (body instanceof Readable) body.destroy(abortedError(signal, ctx));
      void upload.abort();
    };
    if (signal?.aborted) onAbort();
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      const out = await upload.done();
      const { sha256, bytes } = result();
      return this.writtenInfo(key, bytes, out.ETag, options, user, sha256);
    } catch (error) {
      await this.abandonUpload(upload, key);
      if (signal?.aborted) throw abortedError(signal, ctx);
      throw error;
    } finally {
      signal?.removeEventListener('abort', onAbort);
      if (body instanceof Readable && !body.destroyed) body.destroy();
    }
  }

  /**
   * lib-storage aborts a failed upload itself, except when CompleteMultipartUpload fails (a
   * conditional write lost) and when `abort()` makes `done()` reject before its uploaders
   * have stopped. So: wait for its uploaders, then abort whatever upload id it created.
   * (Reads lib-storage's instance fields; the multipart tests fail if they ever change.)
   */
  private async abandonUpload(upload: Upload, key: string): Promise<void> {
    const internals = upload as unknown as UploadInternals;
    await Promise.allSettled(internals.concurrentUploaders ?? []);
    let uploadId = internals.uploadId;
    if (uploadId === undefined && internals.createMultiPartPromise !== undefined) {
      uploadId = (await internals.createMultiPartPromise.catch(() => undefined))?.UploadId;
    }
    if (uploadId === undefined) return;
    try {
      await this.client.send(
        new AbortMultipartUploadCommand({ Bucket: this.bucket, Key: key, UploadId: uploadId }),
      );
    } catch {
      // Already aborted by lib-storage (NoSuchUpload) or the server is gone: nothing more to do here.
    }
  }

  // ------------------------------------------------------------------ reads

  async get(key: string, options: GetOptions = {}): Promise<GetResult> {
    const ctx = this.ctx('get', key);
    try {
      assertValidKey(key, ctx);
      if (options.range !== undefined) assertRange(options.range, ctx);
      if (
        options.ifMatch !== undefined &&
        (typeof options.ifMatch !== 'string' || options.ifMatch.trim() === '')
      ) {
        throw new StorageError('InvalidInput', 'ifMatch must be a non-empty etag', ctx);
      }
      throwIfAborted(options.signal, ctx);
      const range = options.range;
      const out = await this.client.send(
        new GetObjectCommand({
          Bucket: this.bucket,
          Key: key,
          Range: range === undefined ? undefined : `bytes=${range.start}-${range.end ?? ''}`,
          IfMatch: options.ifMatch === undefined ? undefined : quoteEtag(options.ifMatch),
        }),
        { abortSignal: options.signal },
      );
      const body = mapBodyErrors(asNodeReadable(out.Body), ctx);
      const contentRange = parseContentRange(out.ContentRange);
      if (range !== undefined && contentRange === undefined && range.start > 0) {
        body.destroy();
        throw new StorageError('Unexpected', 'The server ignored the Range header', ctx);
      }
      const size = contentRange?.size ?? out.ContentLength ?? 0;
      const info = objectInfoFromHeaders(key, out, size);
      destroyOnAbort(body, options.signal, ctx);
      const result: GetResult = { info, body };
      if (range !== undefined) {
        result.range =
          contentRange === undefined
            ? { start: 0, end: size - 1 }
            : { start: contentRange.start, end: contentRange.end };
      }
      return result;
    } catch (error) {
      const mapped = mapS3Error(error, ctx);
      // S3 answers any range on an empty object with 416; the contract reads it as no bytes.
      if (mapped.status === 416 && options.range?.start === 0) {
        const info = await this.head(key, { signal: options.signal }).catch(() => undefined);
        if (info?.size === 0 && (options.ifMatch === undefined || etagsMatch(info.etag, options.ifMatch))) {
          return { info, body: Readable.from([]), range: { start: 0, end: -1 } };
        }
      }
      throw mapped;
    }
  }

  async head(key: string, options: { signal?: AbortSignal } = {}): Promise<ObjectInfo> {
    const ctx = this.ctx('head', key);
    try {
      assertValidKey(key, ctx);
      throwIfAborted(options.signal, ctx);
      return await this.headObject(key, options.signal);
    } catch (error) {
      throw mapS3Error(error, ctx);
    }
  }

  private async headObject(key: string, signal?: AbortSignal): Promise<ObjectInfo> {
    const out: HeadObjectCommandOutput = await this.client.send(
      new HeadObjectCommand({ Bucket: this.bucket, Key: key }),
      {
        abortSignal: signal,
      },
    );
    return objectInfoFromHeaders(key, out, out.ContentLength ?? 0);
  }

  async exists(key: string, options: { signal?: AbortSignal } = {}): Promise<boolean> {
    const ctx = this.ctx('exists', key);
    try {
      assertValidKey(key, ctx);
      throwIfAborted(options.signal, ctx);
      await this.headObject(key, options.signal);
      return true;
    } catch (error) {
      const mapped = mapS3Error(error, ctx);
      if (mapped.kind === 'NotFound' && s3ErrorCode(mapped.cause) !== 'NoSuchBucket') return false;
      throw mapped;
    }
  }

  // ------------------------------------------------------------------ deletes

  async delete(key: string, options: { signal?: AbortSignal } = {}): Promise<void> {
    const ctx = this.ctx('delete', key);
    try {
      assertValidKey(key, ctx);
      throwIfAborted(options.signal, ctx);
      await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: key }), {
        abortSignal: options.signal,
      });
    } catch (error) {
      const mapped = mapS3Error(error, ctx);
      if (mapped.kind === 'NotFound' && s3ErrorCode(mapped.cause) === 'NoSuchKey') return;
      throw mapped;
    }
  }

  async deleteMany(
    keys: Iterable<string> | AsyncIterable<string>,
    options: { signal?: AbortSignal } = {},
  ): Promise<DeleteManyResult> {
    const ctx = this.ctx('deleteMany');
    const result: DeleteManyResult = { deleted: 0, errors: [] };
    let batch: string[] = [];
    const flush = async () => {
      if (batch.length === 0) return;
      const keysNow = batch;
      batch = [];
      await this.deleteBatch(keysNow, result, options.signal);
    };
    try {
      for await (const key of keys) {
        throwIfAborted(options.signal, ctx);
        try {
          assertValidKey(key, { operation: 'deleteMany', backend: this.name });
        } catch (error) {
          result.errors.push({ key: String(key), error: error as Error });
          continue;
        }
        batch.push(key);
        if (batch.length === DELETE_BATCH) await flush();
      }
      await flush();
      return result;
    } catch (error) {
      throw mapS3Error(error, ctx);
    }
  }

  /** One DeleteObjects request; per-key failures (and a failed request) become per-key errors. */
  private async deleteBatch(keys: string[], result: DeleteManyResult, signal?: AbortSignal): Promise<void> {
    try {
      const out = await this.client.send(
        new DeleteObjectsCommand({
          Bucket: this.bucket,
          Delete: { Objects: keys.map((Key) => ({ Key })), Quiet: true },
        }),
        { abortSignal: signal },
      );
      const failed = (out.Errors ?? []).filter((e) => e.Code !== 'NoSuchKey');
      result.deleted += keys.length - failed.length;
      for (const e of failed) {
        const key = e.Key ?? '';
        const cause = Object.assign(new Error(e.Message ?? e.Code ?? 'delete failed'), {
          name: e.Code ?? 'Unknown',
          $metadata: { requestId: out.$metadata.requestId },
        });
        result.errors.push({
          key,
          error: mapS3Error(cause, { operation: 'deleteMany', key, backend: this.name }),
        });
      }
    } catch (error) {
      const mapped = mapS3Error(error, { operation: 'deleteMany', backend: this.name });
      if (mapped.kind === 'Aborted') throw mapped;
      for (const key of keys) result.errors.push({ key, error: mapped.withContext({ key }) });
    }
  }

  // ------------------------------------------------------------------ copy and move

  async copy(from: string, to: string, options: CopyOptions = {}): Promise<ObjectInfo> {
    return this.copyObject(from, to, options, 'copy');
  }

  async move(from: string, to: string, options: CopyOptions = {}): Promise<ObjectInfo> {
    const info = await this.copyObject(from, to, options, 'move');
    if (from !== to) {
      try {
        await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: from }), {
          abortSignal: options.signal,
        });
      } catch (error) {
        throw mapS3Error(error, this.ctx('move', from));
      }
    }
    return info;
  }

  private async copyObject(
    from: string,
    to: string,
    options: CopyOptions,
    operation: string,
  ): Promise<ObjectInfo> {
    const ctx = this.ctx(operation, from);
    try {
      assertValidKey(from, ctx);
      assertValidKey(to, this.ctx(operation, to));
      assertCopyOptions(options, ctx);
      const replacement = options.metadata === undefined ? undefined : userMetadata(options.metadata, ctx);
      this.assertWriteSupported(
        { visibility: options.visibility, ifNoneMatch: options.ifNoneMatch },
        this.ctx(operation, to),
      );
      throwIfAborted(options.signal, ctx);
      for (let attempt = 1; ; attempt++) {
        const src = await this.headObject(from, options.signal);
        if (options.ifMatch !== undefined && !etagsMatch(src.etag, options.ifMatch)) {
          throw new StorageError(
            'PreconditionFailed',
            `${JSON.stringify(from)} has etag ${src.etag}, not ${options.ifMatch}`,
            ctx,
          );
        }
        if (src.size > this.profile.maxCopySize) {
          throw new StorageError(
            'PayloadTooLarge',
            `Server-side copy is limited to ${this.profile.maxCopySize} bytes; ${JSON.stringify(from)} is ${src.size}`,
            ctx,
          );
        }
        const target: ObjectInfo = {
          ...src,
          key: to,
          metadata: replacement ?? src.metadata,
          contentType: options.contentType ?? src.contentType,
          visibility: options.visibility ?? src.visibility,
        };
        if (options.cacheControl !== undefined) target.cacheControl = options.cacheControl;
        if (options.contentDisposition !== undefined) target.contentDisposition = options.contentDisposition;
        if (options.ifNoneMatch !== undefined && !this.profile.copyConditionalWrite) {
          return await this.copyThroughClient(src, target, options, ctx);
        }
        // REPLACE always: it carries our reserved metadata along and allows copying a key onto itself.
        const params: CopyObjectCommandInput = {
          Bucket: this.bucket,
          Key: to,
          CopySource: encodeCopySource(this.bucket, from),
          CopySourceIfMatch: src.etag,
          MetadataDirective: 'REPLACE',
          ContentType: target.contentType,
          Metadata: encodeMetadata(target.metadata, {
            sha256: src.sha256,
            visibility: target.visibility,
            recordEmptyValues: this.profile.dropsEmptyMetadataValues,
          }),
        };
        if (target.cacheControl !== undefined) params.CacheControl = target.cacheControl;
        if (target.contentDisposition !== undefined) params.ContentDisposition = target.contentDisposition;
        if (target.visibility === 'public' && this.profile.acl) params.ACL = 'public-read';
        if (options.ifNoneMatch !== undefined) params.IfNoneMatch = '*';
        try {
          const out = await this.client.send(new CopyObjectCommand(params), { abortSignal: options.signal });
          return {
            ...target,
            etag: quoteEtag(out.CopyObjectResult?.ETag ?? src.etag),
            lastModified: out.CopyObjectResult?.LastModified ?? new Date(),
          };
        } catch (error) {
          const mapped = mapS3Error(error, ctx);
          if (mapped.kind !== 'PreconditionFailed') throw mapped;
          // 412 is either the destination's If-None-Match or our source guard: tell them apart.
          if (options.ifNoneMatch !== undefined && (await this.exists(to))) {
            throw rekind(
              mapped.withContext({ key: to }),
              'AlreadyExists',
              `${JSON.stringify(to)} already exists (ifNoneMatch '*')`,
            );
          }
          if (options.ifMatch !== undefined || attempt >= COPY_ATTEMPTS) throw mapped;
          // The source changed between our HEAD and the copy: start over with the new version.
        }
      }
    } catch (error) {
      throw mapS3Error(error, ctx);
    }
  }

  /** A create-only copy for servers that ignore If-None-Match on CopyObject: stream into a conditional put. */
  private async copyThroughClient(
    src: ObjectInfo,
    target: ObjectInfo,
    options: CopyOptions,
    ctx: ErrorContext,
  ): Promise<ObjectInfo> {
    const { body } = await this.get(src.key, { ifMatch: src.etag, signal: options.signal });
    const putOptions: PutOptions = {
      contentType: target.contentType,
      metadata: target.metadata,
      visibility: target.visibility,
      ifNoneMatch: '*',
      contentLength: src.size,
    };
    if (src.sha256 !== undefined) putOptions.sha256 = src.sha256;
    if (target.cacheControl !== undefined) putOptions.cacheControl = target.cacheControl;
    if (target.contentDisposition !== undefined) putOptions.contentDisposition = target.contentDisposition;
    if (options.signal !== undefined) putOptions.signal = options.signal;
    try {
      return await this.put(target.key, body, putOptions);
    } catch (error) {
      body.destroy();
      throw isStorageError(error) ? error.withContext(ctx) : mapS3Error(error, ctx);
    }
  }

  // ------------------------------------------------------------------ listing

  list(options: ListOptions = {}): AsyncIterable<ListEntry> {
    return this.listAll(options);
  }

  private async *listAll(options: ListOptions): AsyncGenerator<ListEntry> {
    const ctx = this.ctx('list');
    try {
      if (options.startAfter !== undefined) assertValidPrefix(options.startAfter, ctx);
      const { prefix } = resolveListStart({ ...options, limit: 1 }, ctx);
      throwIfAborted(options.signal, ctx);
      const query: ListQuery = { prefix, pageSize: Math.min(LIST_BATCH, options.pageSize ?? LIST_BATCH) };
      if (options.delimiter !== undefined) query.delimiter = options.delimiter;
      if (options.startAfter !== undefined) query.after = options.startAfter;
      yield* listEntries(
        sdkListServer(this.client, this.bucket, options.signal),
        this.profile.listOrder,
        query,
      );
    } catch (error) {
      throw mapS3Error(error, ctx);
    }
  }

  async listPage(options: ListPageOptions = {}): Promise<ListPage> {
    const ctx = this.ctx('list');
    try {
      if (options.startAfter !== undefined) assertValidPrefix(options.startAfter, ctx);
      const { prefix, after, limit } = resolveListStart(options, ctx);
      throwIfAborted(options.signal, ctx);
      // The first request asks for one more than the page, to know whether a cursor is due.
      const query: ListQuery = {
        prefix,
        pageSize: LIST_BATCH,
        firstPageSize: Math.min(LIST_BATCH, limit + 1),
      };
      if (options.delimiter !== undefined) query.delimiter = options.delimiter;
      if (after !== undefined) query.after = after;
      return await takePage(
        listEntries(sdkListServer(this.client, this.bucket, options.signal), this.profile.listOrder, query),
        limit,
        limit < LIST_BATCH,
      );
    } catch (error) {
      throw mapS3Error(error, ctx);
    }
  }

  // ------------------------------------------------------------------ presign

  async presignGet(key: string, options: PresignGetOptions): Promise<string> {
    const ctx = this.ctx('presignGet', key);
    try {
      assertValidKey(key, ctx);
      assertPresignExpiry(options?.expiresIn, ctx);
      const command = new GetObjectCommand({
        Bucket: this.bucket,
        Key: key,
        ResponseContentDisposition: options.responseContentDisposition,
        ResponseContentType: options.responseContentType,
      });
      return await getSignedUrl(this.presigner, command, {
        expiresIn: options.expiresIn,
        signingDate: this.clock.now(),
      });
    } catch (error) {
      throw mapS3Error(error, ctx);
    }
  }

  async presignPut(key: string, options: PresignPutOptions): Promise<PresignedRequest> {
    const ctx = this.ctx('presignPut', key);
    try {
      assertValidKey(key, ctx);
      assertPresignExpiry(options?.expiresIn, ctx);
      const headers: Record<string, string> = {};
      if (options.contentType !== undefined) headers['content-type'] = options.contentType;
      const command = new PutObjectCommand({
        Bucket: this.bucket,
        Key: key,
        ContentType: options.contentType,
      });
      const url = await getSignedUrl(this.presigner, command, {
        expiresIn: options.expiresIn,
        signingDate: this.clock.now(),
        // Signing the content type makes the URL upload only what it was issued for.
        signableHeaders: new Set(Object.keys(headers)),
      });
      return { url, method: 'PUT', headers };
    } catch (error) {
      throw mapS3Error(error, ctx);
    }
  }

  private ctx(operation: string, key?: string): ErrorContext {
    return key === undefined ? { operation, backend: this.name } : { operation, key, backend: this.name };
  }
}

function asChunk(value: unknown): Buffer {
  if (Buffer.isBuffer(value)) return value;
  if (typeof value === 'string') return Buffer.from(value, 'utf8');
  if (value instanceof Uint8Array) return Buffer.from(value.buffer, value.byteOffset, value.byteLength);
  throw new StorageError(
    'InvalidInput',
    `Stream yielded ${Object.prototype.toString.call(value)}, not bytes`,
  );
}

function asNodeReadable(body: unknown): Readable {
  if (body instanceof Readable) return body;
  if (body === undefined || body === null) return Readable.from([]);
  if (typeof (body as ReadableStream).getReader === 'function') {
    return Readable.fromWeb(body as NodeWebReadableStream<Uint8Array>);
  }
  return toReadable(body as Body);
}

/** `bytes 10-19/100` → range and full size. */
function parseContentRange(
  value: string | undefined,
): { start: number; end: number; size: number } | undefined {
  if (value === undefined) return undefined;
  const m = /^bytes (\d+)-(\d+)\/(\d+|\*)$/.exec(value.trim());
  if (m === null) return undefined;
  const start = Number(m[1]);
  const end = Number(m[2]);
  const size = m[3] === '*' ? end + 1 : Number(m[3]);
  return { start, end, size };
}

/**
 * The SDK's body with its failures (a cut connection, a stalled socket, the SDK's
 * response-checksum mismatch) turned into StorageErrors. Rather than piping through another
 * stream (which cost ~9% client CPU per small get), the body's own `_destroy` maps the error it
 * reports: every stream failure goes through `destroy(error)`, so the 'error' event (what
 * `for await`, `pipeline` and `finished` report first) carries the mapped error. Destroying the
 * body before it ends still frees its socket (the response's own `_destroy` does that).
 */
function mapBodyErrors(body: Readable, ctx: ErrorContext): Readable {
  const destroyBody = body._destroy;
  body._destroy = function mappedDestroy(
    this: Readable,
    error: Error | null,
    callback: (error?: Error | null) => void,
  ): void {
    destroyBody.call(this, error, (reported?: Error | null) =>
      callback(reported === null || reported === undefined ? reported : mapS3Error(reported, ctx)),
    );
  };
  return body;
}
