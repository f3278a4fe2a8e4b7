import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import {
  type Clock,
  type PresignedRequest,
  type PresignGetOptions,
  type PresignPutOptions,
  StorageError,
} from '@stowage/core';
import { contentTypeFromKey, DEFAULT_CONTENT_TYPE } from '@stowage/kit';
import type { ErrorContext } from '../error-map.js';
import type { S3StoreContext } from '../s3-store-context.js';
import { bucketUrl } from '../urls.js';
import { signPostPolicy } from './post-policy.js';
import { presignCommand } from './presign-command.js';

/**
 * Presigned GET and PUT URLs (SigV4 query signing, by the store's Clock), and presigned POST
 * forms for uploads with a size limit. The layer has checked key, expiry and headers.
 */
export class S3Presigner {
  constructor(
    private readonly s3: S3StoreContext,
    private readonly clock: Clock,
  ) {}

  async presignGet(key: string, options: PresignGetOptions): Promise<string> {
    const command = new GetObjectCommand({
      Bucket: this.s3.bucket,
      Key: key,
      ResponseContentDisposition: options.responseContentDisposition,
      ResponseContentType: options.responseContentType,
    });
    return presignCommand(this.s3.client, command, {
      expiresIn: options.expiresIn,
      signingDate: this.clock.now(),
    });
  }

  /**
   * A signed PUT; with `maxSize`, a POST form whose policy limits the size (a PUT URL cannot).
   * @throws Unsupported for `maxSize` where the profile has no POST policy support.
   */
  async presignPut(key: string, options: PresignPutOptions, ctx: ErrorContext): Promise<PresignedRequest> {
    if (options.maxSize !== undefined) return this.presignPost(key, options, options.maxSize, ctx);
    const headers: Record<string, string> = {};
    if (options.contentType !== undefined) headers['content-type'] = options.contentType;
    const command = new PutObjectCommand({
      Bucket: this.s3.bucket,
      Key: key,
      ContentType: options.contentType,
    });
    const url = await presignCommand(this.s3.client, command, {
      expiresIn: options.expiresIn,
      signingDate: this.clock.now(),
      // Signing the content type makes the URL upload only what it was issued for.
      signableHeaders: new Set(Object.keys(headers)),
    });
    return { url, method: 'PUT', headers };
  }

  /**
   * A browser-form POST (`multipart/form-data`: every field, then the file as `file`). The
   * policy pins key and content type (the one given, else the key's, never the uploader's)
   * and refuses bodies over `maxSize`.
   */
  private async presignPost(
    key: string,
    options: PresignPutOptions,
    maxSize: number,
    ctx: ErrorContext,
  ): Promise<PresignedRequest> {
    const profile = this.s3.profile;
    if (!profile.postPolicy) {
      throw new StorageError(
        'Unsupported',
        `${profile.provider} profile: presignPut with maxSize needs POST policy uploads, which this server is not known to enforce (override postPolicy if it does)`,
        ctx,
      );
    }
    const config = this.s3.client.config;
    const identity = await config.credentials();
    const region = await config.region();
    const post = signPostPolicy({
      url: bucketUrl(this.s3.config),
      bucket: this.s3.bucket,
      key,
      region,
      credentials: identity,
      contentType: options.contentType ?? contentTypeFromKey(key) ?? DEFAULT_CONTENT_TYPE,
      maxSize,
      signingDate: this.clock.now(),
      expiresIn: options.expiresIn,
    });
    return { method: 'POST', url: post.url, headers: {}, fields: post.fields };
  }
}
