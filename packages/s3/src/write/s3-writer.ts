import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import { PutObjectCommand, type PutObjectCommandInput } from '@aws-sdk/client-s3';
import {
  abortedError,
  type Body,
  isInMemoryBody,
  type ObjectInfo,
  StorageError,
  toBuffer,
  toReadable,
} from '@stowage/core';
import {
  assertBodyLength,
  assertBodySha256,
  type CheckedPutOptions,
  pullReadable,
  quoteEtag,
  sha256Hex,
} from '@stowage/kit';
import { type ErrorContext, mapS3Error, rekind, s3ErrorCode } from '../error-map.js';
import { assertNoReservedMetadata, encodeMetadata } from '../object-metadata.js';
import { MAX_PARTS } from '../part-size.js';
import type { S3StoreContext } from '../s3-store-context.js';
import { uploadMultipart, type WriteParams } from './multipart-upload.js';

/**
 * Puts: bodies below `multipartThreshold` go up in one PutObject, verified before a byte is
 * sent; larger or unknown-length ones stream as a multipart upload (multipart-upload.ts), verified as they
 * stream (see `putStream`). Receives the layer's checked options: the content type is resolved,
 * metadata is normalised, capabilities are gated.
 */
export class S3Writer {
  constructor(private readonly s3: S3StoreContext) {}

  /** @throws as `ObjectStore.put`. */
  async put(key: string, body: Body, options: CheckedPutOptions, ctx: ErrorContext): Promise<ObjectInfo> {
    try {
      assertNoReservedMetadata(options.metadata, ctx);
      if (isInMemoryBody(body)) {
        // The layer has checked the length of an in-memory body against contentLength.
        const bytes = toBuffer(body);
        return await this.putBytes(key, bytes, sha256Hex(bytes), options, ctx);
      }
      return await this.putStream(key, toReadable(body), options, ctx);
    } catch (error) {
      throw writeError(error, options, ctx);
    }
  }

  /** An in-memory body: everything is verified before a byte is sent, so a mismatch stores nothing. */
  private async putBytes(
    key: string,
    bytes: Buffer,
    sha256: string,
    options: CheckedPutOptions,
    ctx: ErrorContext,
  ): Promise<ObjectInfo> {
    assertBodySha256(sha256, options.sha256, ctx);
    const params = this.writeParams(key, options, sha256);
    if (bytes.length >= this.s3.config.multipartThreshold) {
      const etag = await uploadMultipart(this.s3, bytes, bytes.length, params, options, ctx);
      return writtenInfo(key, bytes.length, etag, options, sha256);
    }
    options.onProgress?.({ loaded: 0, total: bytes.length });
    const out = await this.s3.client.send(
      new PutObjectCommand({ ...params, Body: bytes, ContentLength: bytes.length }),
      { abortSignal: options.signal },
    );
    options.onProgress?.({ loaded: bytes.length, total: bytes.length });
    return writtenInfo(key, bytes.length, out.ETag, options, sha256);
  }

  /**
   * A stream: read up to `multipartThreshold` bytes; if it ends by then it is sent like an
   * in-memory body (verified first). Otherwise it streams as a multipart upload whose last
   * read verifies length and sha256 — failing there aborts the upload, so nothing is stored.
   * One stream hop per chunk: the bytes are hashed, counted and limited where they are pulled.
   */
  private async putStream(
    key: string,
    source: Readable,
    options: CheckedPutOptions,
    ctx: ErrorContext,
  ): Promise<ObjectInfo> {
    const { signal, contentLength } = options;
    const threshold = this.s3.config.multipartThreshold;
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
      while (total < threshold) {
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
        assertBodyLength(total, contentLength, ctx);
        return await this.putBytes(key, Buffer.concat(head, total), hash.digest('hex'), options, ctx);
      }
      const expected = options.sha256;
      const maxObjectSize = this.s3.profile.maxObjectSize;
      // Without a declared length the part size is fixed, so the parts limit caps the stream.
      const partsLimit =
        contentLength === undefined ? this.s3.config.partSize * MAX_PARTS : Number.POSITIVE_INFINITY;
      const maxSize = Math.min(maxObjectSize, partsLimit);
      const limitNote =
        partsLimit < maxObjectSize
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
      const params = this.writeParams(key, options, expected);
      handedOff = true;
      signal?.removeEventListener('abort', onAbort);
      const etag = await uploadMultipart(this.s3, body, contentLength, params, options, ctx);
      if (final === undefined) {
        throw new StorageError('Unexpected', 'Upload finished before the body ended', ctx);
      }
      return writtenInfo(key, final.bytes, etag, options, final.sha256);
    } finally {
      signal?.removeEventListener('abort', onAbort);
      if (!handedOff && !source.destroyed) source.destroy();
    }
  }

  private writeParams(key: string, options: CheckedPutOptions, sha256: string | undefined): WriteParams {
    const profile = this.s3.profile;
    const params: Omit<PutObjectCommandInput, 'Body'> = {
      Bucket: this.s3.bucket,
      Key: key,
      ContentType: options.contentType,
      Metadata: encodeMetadata(options.metadata, {
        sha256,
        visibility: options.visibility,
        recordEmptyValues: profile.dropsEmptyMetadataValues,
      }),
    };
    if (options.cacheControl !== undefined) params.CacheControl = options.cacheControl;
    if (options.contentDisposition !== undefined) params.ContentDisposition = options.contentDisposition;
    // Only public objects get an ACL header: buckets with ACLs disabled refuse any other value.
    if (options.visibility === 'public') params.ACL = 'public-read';
    if (options.ifNoneMatch !== undefined) params.IfNoneMatch = '*';
    if (options.ifMatch !== undefined) params.IfMatch = quoteEtag(options.ifMatch);
    return params;
  }
}

/** Conditional-write failures mean different things depending on the condition asked for. */
function writeError(
  error: unknown,
  options: { ifNoneMatch?: string; ifMatch?: string; signal?: AbortSignal },
  ctx: ErrorContext,
): StorageError {
  const mapped = mapS3Error(error, ctx, options.signal);
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

function writtenInfo(
  key: string,
  size: number,
  etag: string | undefined,
  options: CheckedPutOptions,
  sha256: string,
): ObjectInfo {
  const info: ObjectInfo = {
    key,
    size,
    etag: quoteEtag(etag ?? ''),
    // PutObject does not answer with Last-Modified; the server's value is within a second of now.
    lastModified: new Date(),
    contentType: options.contentType,
    metadata: options.metadata,
    visibility: options.visibility,
    sha256,
  };
  if (options.cacheControl !== undefined) info.cacheControl = options.cacheControl;
  if (options.contentDisposition !== undefined) info.contentDisposition = options.contentDisposition;
  return info;
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
