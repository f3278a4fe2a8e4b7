import { CopyObjectCommand, type CopyObjectCommandInput } from '@aws-sdk/client-s3';
import { type ObjectInfo, StorageError } from '@stowage/core';
import { type CheckedCopyOptions, type CheckedPutOptions, etagsMatch, quoteEtag } from '@stowage/kit';
import { type ErrorContext, mapS3Error, rekind } from '../error-map.js';
import { assertNoReservedMetadata, encodeMetadata } from '../object-metadata.js';
import type { S3Reader } from '../read/s3-reader.js';
import type { S3StoreContext } from '../s3-store-context.js';
import { encodeCopySource } from '../urls.js';
import type { S3Writer } from '../write/s3-writer.js';

/** Attempts for a copy whose source changes between our HEAD and the CopyObject. */
const COPY_ATTEMPTS = 3;

/**
 * Server-side copies. The source is read with a HEAD first (to carry our reserved metadata
 * and to guard against it changing: `CopySourceIfMatch`), then copied with REPLACE. Where
 * the server ignores If-None-Match on CopyObject, a create-only copy streams through the
 * client into a conditional put instead (still atomic).
 */
export class S3Copier {
  constructor(
    private readonly s3: S3StoreContext,
    private readonly reader: S3Reader,
    private readonly writer: S3Writer,
  ) {}

  /** @throws as `ObjectStore.copy`; PayloadTooLarge above the profile's `maxCopySize`. */
  async copy(from: string, to: string, options: CheckedCopyOptions, ctx: ErrorContext): Promise<ObjectInfo> {
    const { signal } = options;
    const profile = this.s3.profile;
    try {
      assertNoReservedMetadata(options.metadata, ctx);
      for (let attempt = 1; ; attempt++) {
        const src = await this.reader.head(from, signal, ctx);
        if (options.ifMatch !== undefined && !etagsMatch(src.etag, options.ifMatch)) {
          throw new StorageError(
            'PreconditionFailed',
            `${JSON.stringify(from)} has etag ${src.etag}, not ${options.ifMatch}`,
            ctx,
          );
        }
        if (src.size > profile.maxCopySize) {
          throw new StorageError(
            'PayloadTooLarge',
            `Server-side copy is limited to ${profile.maxCopySize} bytes; ${JSON.stringify(from)} is ${src.size}`,
            ctx,
          );
        }
        const target: ObjectInfo = {
          ...src,
          key: to,
          metadata: options.metadata ?? src.metadata,
          contentType: options.contentType ?? src.contentType,
          visibility: options.visibility ?? src.visibility,
        };
        if (options.cacheControl !== undefined) target.cacheControl = options.cacheControl;
        if (options.contentDisposition !== undefined) target.contentDisposition = options.contentDisposition;
        if (options.ifNoneMatch !== undefined && !profile.copyConditionalWrite) {
          return await this.copyThroughClient(src, target, signal, ctx);
        }
        // REPLACE always: it carries our reserved metadata along and allows copying a key onto itself.
        const params: CopyObjectCommandInput = {
          Bucket: this.s3.bucket,
          Key: to,
          CopySource: encodeCopySource(this.s3.bucket, from),
          CopySourceIfMatch: src.etag,
          MetadataDirective: 'REPLACE',
          ContentType: target.contentType,
          Metadata: encodeMetadata(target.metadata, {
            sha256: src.sha256,
            visibility: target.visibility,
            recordEmptyValues: profile.dropsEmptyMetadataValues,
          }),
        };
        if (target.cacheControl !== undefined) params.CacheControl = target.cacheControl;
        if (target.contentDisposition !== undefined) params.ContentDisposition = target.contentDisposition;
        if (target.visibility === 'public' && profile.acl) params.ACL = 'public-read';
        if (options.ifNoneMatch !== undefined) params.IfNoneMatch = '*';
        try {
          const out = await this.s3.client.send(new CopyObjectCommand(params), { abortSignal: signal });
          return {
            ...target,
            etag: quoteEtag(out.CopyObjectResult?.ETag ?? src.etag),
            lastModified: out.CopyObjectResult?.LastModified ?? new Date(),
          };
        } catch (error) {
          const mapped = mapS3Error(error, ctx, signal);
          if (mapped.kind !== 'PreconditionFailed') throw mapped;
          // 412 is either the destination's If-None-Match or our source guard: tell them apart.
          if (options.ifNoneMatch !== undefined && (await this.reader.exists(to, signal, ctx))) {
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
      throw mapS3Error(error, ctx, signal);
    }
  }

  /** A create-only copy for servers that ignore If-None-Match on CopyObject: stream into a conditional put. */
  private async copyThroughClient(
    src: ObjectInfo,
    target: ObjectInfo,
    signal: AbortSignal | undefined,
    ctx: ErrorContext,
  ): Promise<ObjectInfo> {
    const { body } = await this.reader.get(
      src.key,
      signal === undefined ? { ifMatch: src.etag } : { ifMatch: src.etag, signal },
      ctx,
    );
    const putOptions: CheckedPutOptions = {
      contentType: target.contentType,
      metadata: target.metadata,
      visibility: target.visibility,
      ifNoneMatch: '*',
      contentLength: src.size,
    };
    if (src.sha256 !== undefined) putOptions.sha256 = src.sha256;
    if (target.cacheControl !== undefined) putOptions.cacheControl = target.cacheControl;
    if (target.contentDisposition !== undefined) putOptions.contentDisposition = target.contentDisposition;
    if (signal !== undefined) putOptions.signal = signal;
    try {
      return await this.writer.put(target.key, body, putOptions, { ...ctx, key: target.key });
    } finally {
      if (!body.destroyed) body.destroy();
    }
  }
}
