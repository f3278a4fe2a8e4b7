import {
  AbortMultipartUploadCommand,
  type BucketLocationConstraint,
  CreateBucketCommand,
  type CreateBucketCommandInput,
  DeleteBucketCommand,
  DeleteBucketLifecycleCommand,
  DeleteObjectsCommand,
  GetBucketLifecycleConfigurationCommand,
  HeadBucketCommand,
  ListBucketsCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  PutBucketLifecycleConfigurationCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import {
  assertValidPrefix,
  type BucketAdmin,
  type BucketInfo,
  compareKeys,
  type LifecycleRule,
  type Page,
  StorageError,
} from '@stowage/core';
import { assertBucketName, decodeKeyCursor, encodeKeyCursor } from '@stowage/kit';
import { createS3Client, withDeleteObjectsContentMd5 } from './client.js';
import { type ErrorContext, mapS3Error, s3ErrorCode } from './error-map.js';
import { type ParsedS3Connection, parseS3ConnectionConfig, type S3ConnectionConfig } from './s3-config.js';

const DEFAULT_BUCKET_PAGE = 1000;

/**
 * Buckets of an S3-compatible service. Lifecycle support comes from the provider profile.
 * Every method may throw PermissionDenied, Timeout, Unavailable or Unexpected besides what it lists.
 */
export class S3BucketAdmin implements BucketAdmin {
  readonly name: string;
  readonly supportsLifecycle: boolean;
  readonly client: S3Client;
  /** The parsed configuration: credentials are `Secret`s, defaults and profile applied. */
  readonly config: ParsedS3Connection;
  private readonly ownsClient: boolean;

  /** @throws ConfigInvalid naming each bad setting. */
  constructor(config: S3ConnectionConfig) {
    this.config = parseS3ConnectionConfig(config);
    this.name = this.config.name;
    this.supportsLifecycle = this.config.profileData.lifecycle;
    this.ownsClient = this.config.client === undefined;
    this.client = createS3Client(this.config);
  }

  /** What `JSON.stringify` shows: who it talks to, never its client or credentials. */
  toJSON(): Record<string, string | undefined> {
    const { provider, region, endpoint } = this.config;
    return { name: this.name, provider, region, endpoint };
  }

  /** Closes the admin's own sockets; a caller's `client` stays open. */
  destroy(): void {
    if (this.ownsClient) this.client.destroy();
  }

  async createBucket(name: string, options: { region?: string } = {}): Promise<void> {
    const ctx = this.ctx('createBucket', name);
    assertBucketName(name, ctx);
    try {
      // us-east-1 (and several S3 clones) answer 200 to re-creating your own bucket: ask first.
      if (await this.bucketExists(name)) {
        throw new StorageError('AlreadyExists', `Bucket ${JSON.stringify(name)} already exists`, ctx);
      }
      const region = options.region ?? this.config.region;
      const input: CreateBucketCommandInput = { Bucket: name };
      if (region !== 'us-east-1') {
        input.CreateBucketConfiguration = { LocationConstraint: region as BucketLocationConstraint };
      }
      await this.client.send(new CreateBucketCommand(input));
    } catch (error) {
      throw mapS3Error(error, ctx);
    }
  }

  async bucketExists(name: string): Promise<boolean> {
    const ctx = this.ctx('bucketExists', name);
    assertBucketName(name, ctx);
    try {
      await this.client.send(new HeadBucketCommand({ Bucket: name }));
      return true;
    } catch (error) {
      const mapped = mapS3Error(error, ctx);
      if (mapped.kind === 'NotFound') return false;
      throw mapped;
    }
  }

  /** Buckets sorted by name; the cursor is the last name returned, so it survives concurrent changes. */
  async listBuckets(options: { cursor?: string; limit?: number } = {}): Promise<Page<BucketInfo>> {
    const ctx = this.ctx('listBuckets');
    const limit = options.limit ?? DEFAULT_BUCKET_PAGE;
    if (!Number.isSafeInteger(limit) || limit < 1 || limit > 10_000) {
      throw new StorageError('InvalidInput', `limit must be an integer from 1 to 10000; got ${limit}`, ctx);
    }
    const after = options.cursor === undefined ? undefined : decodeKeyCursor(options.cursor, ctx);
    try {
      const all: BucketInfo[] = [];
      let token: string | undefined;
      do {
        const out = await this.client.send(
          new ListBucketsCommand({ ContinuationToken: token, MaxBuckets: 10_000 }),
        );
        for (const b of out.Buckets ?? []) {
          if (b.Name === undefined) continue;
          all.push(
            b.CreationDate === undefined ? { name: b.Name } : { name: b.Name, createdAt: b.CreationDate },
          );
        }
        // Servers that ignore pagination repeat their answer; stop when the token does not move.
        token =
          out.ContinuationToken !== undefined && out.ContinuationToken !== token
            ? out.ContinuationToken
            : undefined;
      } while (token !== undefined);
      const sorted = all
        .sort((a, b) => compareKeys(a.name, b.name))
        .filter((b, i, arr) => i === 0 || arr[i - 1]!.name !== b.name)
        .filter((b) => after === undefined || compareKeys(b.name, after) > 0);
      const items = sorted.slice(0, limit);
      const page: Page<BucketInfo> = { items };
      if (sorted.length > limit) page.cursor = encodeKeyCursor(items.at(-1)!.name);
      return page;
    } catch (error) {
      throw mapS3Error(error, ctx);
    }
  }

  async deleteBucket(name: string, options: { force?: boolean } = {}): Promise<void> {
    const ctx = this.ctx('deleteBucket', name);
    assertBucketName(name, ctx);
    try {
      if (options.force === true) await this.emptyBucket(name);
      await this.client.send(new DeleteBucketCommand({ Bucket: name }));
    } catch (error) {
      const mapped = mapS3Error(error, ctx);
      if (mapped.kind === 'Conflict' && s3ErrorCode(error) === 'BucketNotEmpty') {
        throw new StorageError(
          'Conflict',
          `Bucket ${JSON.stringify(name)} is not empty (pass force to empty it first)`,
          {
            ...ctx,
            status: mapped.status,
            requestId: mapped.requestId,
            cause: error,
          },
        );
      }
      throw mapped;
    }
  }

  /** Deletes every object and aborts every multipart upload in the bucket. */
  private async emptyBucket(bucket: string): Promise<void> {
    let token: string | undefined;
    do {
      const out = await this.client.send(
        new ListObjectsV2Command({ Bucket: bucket, ContinuationToken: token, MaxKeys: 1000 }),
      );
      const keys = (out.Contents ?? []).flatMap((o) => (o.Key === undefined ? [] : [{ Key: o.Key }]));
      if (keys.length > 0) {
        const del = await this.client.send(
          withDeleteObjectsContentMd5(
            new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: keys, Quiet: true } }),
            this.config.profileData.deleteObjectsContentMd5,
          ),
        );
        const failed = (del.Errors ?? []).filter((e) => e.Code !== 'NoSuchKey');
        if (failed.length > 0) {
          const first = failed[0]!;
          throw Object.assign(
            new Error(`Could not delete ${failed.length} object(s), e.g. ${first.Key}: ${first.Message}`),
            {
              name: first.Code ?? 'Unknown',
            },
          );
        }
      }
      token = out.IsTruncated === true ? out.NextContinuationToken : undefined;
    } while (token !== undefined);
    let keyMarker: string | undefined;
    let uploadIdMarker: string | undefined;
    for (;;) {
      const out = await this.client.send(
        new ListMultipartUploadsCommand({
          Bucket: bucket,
          KeyMarker: keyMarker,
          UploadIdMarker: uploadIdMarker,
        }),
      );
      for (const u of out.Uploads ?? []) {
        if (u.Key === undefined || u.UploadId === undefined) continue;
        try {
          await this.client.send(
            new AbortMultipartUploadCommand({ Bucket: bucket, Key: u.Key, UploadId: u.UploadId }),
          );
        } catch (error) {
          if (mapS3Error(error, this.ctx('deleteBucket', bucket)).kind !== 'NotFound') throw error;
        }
      }
      if (
        out.IsTruncated !== true ||
        (out.NextKeyMarker === keyMarker && out.NextUploadIdMarker === uploadIdMarker)
      )
        break;
      keyMarker = out.NextKeyMarker;
      uploadIdMarker = out.NextUploadIdMarker;
    }
  }

  async setLifecycleRules(bucket: string, rules: LifecycleRule[]): Promise<void> {
    const ctx = this.ctx('setLifecycleRules', bucket);
    assertBucketName(bucket, ctx);
    this.assertLifecycle(ctx);
    const ids = new Set<string>();
    for (const rule of rules) {
      if (typeof rule.id !== 'string' || rule.id.length < 1 || rule.id.length > 255) {
        throw new StorageError(
          'InvalidInput',
          `Lifecycle rule id must be 1 to 255 characters; got ${JSON.stringify(rule.id)}`,
          ctx,
        );
      }
      if (ids.has(rule.id))
        throw new StorageError(
          'InvalidInput',
          `Lifecycle rule id ${JSON.stringify(rule.id)} is used twice`,
          ctx,
        );
      ids.add(rule.id);
      assertValidPrefix(rule.prefix, ctx);
      if (!Number.isSafeInteger(rule.expireAfterDays) || rule.expireAfterDays < 1) {
        throw new StorageError(
          'InvalidInput',
          `expireAfterDays must be a positive whole number; got ${rule.expireAfterDays}`,
          ctx,
        );
      }
    }
    try {
      if (rules.length === 0) {
        await this.client.send(new DeleteBucketLifecycleCommand({ Bucket: bucket }));
        return;
      }
      await this.client.send(
        new PutBucketLifecycleConfigurationCommand({
          Bucket: bucket,
          LifecycleConfiguration: {
            Rules: rules.map((r) => ({
              ID: r.id,
              Status: 'Enabled',
              Filter: { Prefix: r.prefix },
              Expiration: { Days: r.expireAfterDays },
            })),
          },
        }),
      );
    } catch (error) {
      throw mapS3Error(error, ctx);
    }
  }

  async getLifecycleRules(bucket: string): Promise<LifecycleRule[]> {
    const ctx = this.ctx('getLifecycleRules', bucket);
    assertBucketName(bucket, ctx);
    this.assertLifecycle(ctx);
    try {
      const out = await this.client.send(new GetBucketLifecycleConfigurationCommand({ Bucket: bucket }));
      const rules: LifecycleRule[] = [];
      for (const r of out.Rules ?? []) {
        const days = r.Expiration?.Days;
        if (r.Status !== 'Enabled' || days === undefined) continue;
        rules.push({ id: r.ID ?? '', prefix: r.Filter?.Prefix ?? r.Prefix ?? '', expireAfterDays: days });
      }
      return rules;
    } catch (error) {
      if (s3ErrorCode(error) === 'NoSuchLifecycleConfiguration') return [];
      throw mapS3Error(error, ctx);
    }
  }

  private assertLifecycle(ctx: ErrorContext): void {
    if (!this.supportsLifecycle) {
      throw new StorageError(
        'Unsupported',
        `Lifecycle rules are not supported by the ${this.config.profileData.provider} profile`,
        ctx,
      );
    }
  }

  private ctx(operation: string, bucket?: string): ErrorContext {
    // The bucket stands in the key slot so errors name what they were about.
    return bucket === undefined
      ? { operation, backend: this.name }
      : { operation, key: bucket, backend: this.name };
  }
}
