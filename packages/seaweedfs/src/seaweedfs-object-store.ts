import { pipeline, Readable } from 'node:stream';
import type { ReadableStream as NodeWebReadableStream } from 'node:stream/web';
import {
  assertValidKey,
  type Body,
  type Clock,
  isBody,
  isInMemoryBody,
  isStorageError,
  type ObjectInfo,
  StorageError,
  SystemClock,
  throwIfAborted,
  toBuffer,
  toReadable,
} from '@stowage/core';
import { assertBodyLength, assertBodySha256, encodeKeyPath, sha256Hex } from '@stowage/kit';
import { mapS3Error, S3ObjectStore, type S3StoreConfig, VerifyingStream } from '@stowage/s3';
import { z } from 'zod';
import { seaweedTtl } from './seaweed-ttl.js';

/** Configuration of a SeaweedFsObjectStore: the S3 settings (provider is always `seaweedfs`) plus the filer. */
export type SeaweedFsStoreConfig = Omit<S3StoreConfig, 'provider'> & {
  /** The filer's HTTP endpoint (e.g. `http://127.0.0.1:8888`); needed only for `putWithTtl`. */
  filerEndpoint?: string;
  /** Where the S3 gateway keeps buckets in the filer (`weed s3 -filer.path`, default `/buckets`). */
  bucketsPath?: string;
};

export interface PutWithTtlOptions {
  /** Seconds until the filer deletes the object; at least 60, rounded up to what SeaweedFS can express. */
  ttlSeconds: number;
  contentType?: string;
  cacheControl?: string;
  contentDisposition?: string;
  /** Declared length; another length is Integrity and nothing remains. */
  contentLength?: number;
  /** Expected hex sha256; a mismatch is Integrity and nothing remains. */
  sha256?: string;
  signal?: AbortSignal;
}

export interface TtlObjectInfo extends ObjectInfo {
  /** The TTL SeaweedFS applies (≥ the one asked for). */
  ttlSeconds: number;
  /** When the object expires, by the store's clock. */
  expiresAt: Date;
}

const filerSchema = z
  .object({
    filerEndpoint: z
      .string()
      .refine((v) => URL.canParse(v) && /^https?:$/.test(new URL(v).protocol), 'must be an http(s) URL')
      .optional(),
    bucketsPath: z
      .string()
      .regex(/^\/[^?#]*$/, 'must be an absolute filer path')
      .default('/buckets'),
  })
  .strip();

/**
 * The S3 adapter with the SeaweedFS profile: path-style addressing, checksums only where
 * required (plus Content-MD5 on DeleteObjects), no per-object ACLs (capability `visibility`
 * is false: SeaweedFS 4.48 accepts `x-amz-acl` but does not enforce it), lifecycle rules, and
 * a record of empty metadata values (SeaweedFS drops them).
 *
 * Beyond S3: `putWithTtl` writes through the filer with a per-object TTL.
 * @throws ConfigInvalid naming the bad setting.
 */
export class SeaweedFsObjectStore extends S3ObjectStore {
  private readonly filer: { endpoint?: string; bucketsPath: string };
  private readonly ttlClock: Clock;

  constructor(config: SeaweedFsStoreConfig) {
    const { filerEndpoint, bucketsPath, ...s3 } = config ?? ({} as SeaweedFsStoreConfig);
    super({ name: 'seaweedfs', ...s3, provider: 'seaweedfs' } as S3StoreConfig);
    const parsed = filerSchema.safeParse({ filerEndpoint, bucketsPath });
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      throw new StorageError(
        'ConfigInvalid',
        `Invalid seaweedfs configuration: ${issue.path.join('.')}: ${issue.message}`,
        {
          backend: this.name,
          operation: 'configure',
        },
      );
    }
    this.filer = {
      endpoint: parsed.data.filerEndpoint?.replace(/\/+$/, ''),
      bucketsPath: parsed.data.bucketsPath.replace(/\/+$/, ''),
    };
    this.ttlClock = this.config.clock ?? new SystemClock();
  }

  /**
   * Stores `body` under `key` through the filer with a TTL: the filer stops serving it (S3
   * included) and reclaims it once the TTL has passed. The S3 gateway reads it like any object.
   * The filer's API cannot set S3 user metadata or visibility, so this takes neither, and head
   * reports no sha256 for such objects (the returned info carries it).
   * @throws Unsupported without `filerEndpoint` in the configuration.
   * @throws InvalidInput for a TTL under a minute; Integrity for a sha256/contentLength mismatch (nothing remains).
   */
  async putWithTtl(key: string, body: Body, options: PutWithTtlOptions): Promise<TtlObjectInfo> {
    const ctx = { operation: 'putWithTtl', key, backend: this.name };
    try {
      assertValidKey(key, ctx);
      if (this.filer.endpoint === undefined) {
        throw new StorageError(
          'Unsupported',
          'putWithTtl needs filerEndpoint in the seaweedfs configuration',
          ctx,
        );
      }
      const ttl = seaweedTtl(options?.ttlSeconds, ctx);
      if (options.sha256 !== undefined && !/^[0-9a-f]{64}$/.test(options.sha256)) {
        throw new StorageError('InvalidInput', 'sha256 must be 64 lower-case hex characters', ctx);
      }
      if (!isBody(body)) throw new StorageError('InvalidInput', 'Unsupported body type', ctx);
      throwIfAborted(options.signal, ctx);
      const url = `${this.filer.endpoint}${this.filer.bucketsPath}/${encodeURIComponent(this.bucket)}/${encodeKeyPath(key)}?ttl=${ttl.text}`;
      const headers: Record<string, string> = {
        'content-type': options.contentType ?? 'application/octet-stream',
      };
      if (options.cacheControl !== undefined) headers['cache-control'] = options.cacheControl;
      if (options.contentDisposition !== undefined)
        headers['content-disposition'] = options.contentDisposition;
      let sha256: string;
      let requestBody: Buffer | NodeWebReadableStream<Uint8Array>;
      let verify: () => void = () => {};
      let verifying: VerifyingStream | undefined;
      if (isInMemoryBody(body)) {
        const bytes = toBuffer(body);
        sha256 = sha256Hex(bytes);
        checkBody(bytes.length, sha256, options, ctx);
        requestBody = bytes;
      } else {
        // Verified as it streams: a mismatch errors the request body instead of ending it, so the
        // filer never completes the write and an existing object under `key` stays as it was.
        verifying = new VerifyingStream({
          sha256: options.sha256,
          contentLength: options.contentLength,
          context: ctx,
        });
        pipeline(toReadable(body), verifying, () => {
          // Errors surface through the request body (and `verifying.errored`).
        });
        requestBody = Readable.toWeb(verifying) as NodeWebReadableStream<Uint8Array>;
        sha256 = '';
        verify = () => {
          const result = verifying?.result();
          if (result === undefined) {
            throw new StorageError('Unexpected', 'The filer answered before the body ended', ctx);
          }
          sha256 = result.sha256;
        };
      }
      let res: Response;
      let text: string;
      try {
        res = await fetch(url, {
          method: 'PUT',
          headers,
          body: requestBody as unknown as RequestInit['body'],
          signal: options.signal,
          ...(requestBody instanceof Buffer ? {} : { duplex: 'half' }),
        } as RequestInit);
        text = await res.text();
      } catch (error) {
        // fetch reports a failed body as "fetch failed"; the body's own error says what happened.
        const bodyError = verifying?.errored;
        if (bodyError !== undefined && bodyError !== null && !options.signal?.aborted) throw bodyError;
        throw error;
      }
      if (res.status >= 300) {
        throw new StorageError(
          res.status >= 500 ? 'Unavailable' : 'Unexpected',
          `filer answered HTTP ${res.status}: ${text.slice(0, 200)}`,
          {
            ...ctx,
            status: res.status,
          },
        );
      }
      verify();
      const info = await this.head(key);
      return {
        ...info,
        sha256,
        ttlSeconds: ttl.seconds,
        expiresAt: new Date(this.ttlClock.now().getTime() + ttl.seconds * 1000),
      };
    } catch (error) {
      if (options?.signal?.aborted && !isStorageError(error)) {
        throw new StorageError('Aborted', 'Operation aborted', { ...ctx, cause: options.signal.reason });
      }
      throw mapS3Error(error, ctx);
    }
  }
}

function checkBody(
  size: number,
  sha256: string,
  options: PutWithTtlOptions,
  ctx: { operation: string; key: string; backend: string },
) {
  assertBodyLength(size, options.contentLength, ctx);
  assertBodySha256(sha256, options.sha256, ctx);
}
