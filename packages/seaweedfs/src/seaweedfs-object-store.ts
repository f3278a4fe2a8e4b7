import { Readable } from 'node:stream';
import type { ReadableStream as NodeWebReadableStream } from 'node:stream/web';
import {
  type Body,
  isInMemoryBody,
  type ObjectInfo,
  StorageError,
  toBuffer,
  toReadable,
} from '@stowage/core';
import {
  assertBodySha256,
  type CheckedPutOptions,
  encodeKeyPath,
  errorFromFetchFailure,
  errorFromResponse,
  hashingStream,
  type OperationContext,
  sha256Hex,
} from '@stowage/kit';
import { S3ObjectStore } from '@stowage/s3';
import { seaweedTtl } from './seaweed-ttl.js';
import {
  type ParsedSeaweedFsFiler,
  parseSeaweedFsStoreConfig,
  type SeaweedFsStoreConfig,
} from './seaweedfs-config.js';

export interface PutWithTtlOptions {
  /** Seconds until the filer deletes the object; at least 60, rounded up to what SeaweedFS can express. */
  ttlSeconds: number;
  /** Default: inferred from the key and the bytes, as `put` does. */
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

/**
 * The S3 adapter with the SeaweedFS profile: path-style addressing, checksums only where
 * required (plus Content-MD5 on DeleteObjects), no per-object ACLs (capability `visibility`
 * is false: SeaweedFS 4.48 accepts `x-amz-acl` but does not enforce it), lifecycle rules,
 * tree-order listings turned into byte order, and a record of empty metadata values
 * (SeaweedFS drops them).
 *
 * Beyond S3: `putWithTtl` writes through the filer with a per-object TTL.
 */
export class SeaweedFsObjectStore extends S3ObjectStore {
  private readonly filer: ParsedSeaweedFsFiler;

  /** @throws ConfigInvalid naming each bad setting ("Invalid seaweedfs configuration: …"). */
  constructor(config: SeaweedFsStoreConfig) {
    const { s3, filer } = parseSeaweedFsStoreConfig(config);
    super(s3);
    this.filer = filer;
  }

  /**
   * Stores `body` under `key` through the filer with a TTL: the filer stops serving it (S3
   * included) and reclaims it once the TTL has passed. The S3 gateway reads it like any object.
   * The filer's API cannot set S3 user metadata or visibility, so this takes neither, and head
   * reports no sha256 for such objects (the returned info carries it). A streamed body is
   * verified as it goes: a mismatch fails the request before its end, so an object already
   * under `key` stays as it was.
   * @throws Unsupported without `filerEndpoint` in the configuration.
   * @throws InvalidKey; InvalidInput for a TTL under a minute, malformed options, or metadata,
   *   visibility or a condition (the filer cannot set them); PayloadTooLarge over the profile's
   *   maxObjectSize; Integrity for
   *   a sha256/contentLength mismatch (nothing remains); Aborted or Timeout when `signal` aborts;
   *   Unavailable when the filer cannot be reached.
   */
  async putWithTtl(key: string, body: Body, options: PutWithTtlOptions): Promise<TtlObjectInfo> {
    // Not a port method: the layer's helpers give it the checks `put` has.
    return this.runChecked('putWithTtl', key, options?.signal, async (ctx) => {
      if (this.filer.endpoint === undefined) {
        throw new StorageError(
          'Unsupported',
          'putWithTtl needs filerEndpoint in the seaweedfs configuration',
          ctx,
        );
      }
      const { ttlSeconds, ...putOptions } = options ?? ({} as PutWithTtlOptions);
      const ttl = seaweedTtl(ttlSeconds, ctx);
      for (const name of FILER_CANNOT_SET) {
        if ((putOptions as Record<string, unknown>)[name] !== undefined) {
          throw new StorageError(
            'InvalidInput',
            `putWithTtl cannot set ${name} (the filer's API has no such setting)`,
            ctx,
          );
        }
      }
      const checked = await this.checkPut(key, body, putOptions, ctx);
      const stored = await this.putThroughFiler(this.filer.endpoint, key, body, ttl.text, checked, ctx);
      const info = await this.headObject(key, checked.signal === undefined ? {} : { signal: checked.signal });
      return {
        ...info,
        sha256: stored.sha256,
        ttlSeconds: ttl.seconds,
        expiresAt: new Date(this.clock.now().getTime() + ttl.seconds * 1000),
      };
    });
  }

  /** PUT to the filer with `?ttl=`, verifying length and sha256 as the body goes. */
  private async putThroughFiler(
    endpoint: string,
    key: string,
    body: Body,
    ttl: string,
    options: CheckedPutOptions,
    ctx: OperationContext,
  ): Promise<{ sha256: string }> {
    const { signal } = options;
    const path = [this.filer.bucketsPath.slice(1), encodeURIComponent(this.bucket), encodeKeyPath(key)]
      .filter((part) => part !== '')
      .join('/');
    let hashed: ReturnType<typeof hashingStream> | undefined;
    let requestBody: Buffer | NodeWebReadableStream<Uint8Array>;
    let sha256: string | undefined;
    if (isInMemoryBody(body)) {
      // The layer has checked an in-memory body's length against contentLength.
      const bytes = toBuffer(body);
      sha256 = sha256Hex(bytes);
      assertBodySha256(sha256, options.sha256, ctx);
      requestBody = bytes;
    } else {
      hashed = hashingStream(toReadable(body), options, ctx);
      requestBody = Readable.toWeb(hashed.body) as NodeWebReadableStream<Uint8Array>;
    }
    const headers: Record<string, string> = { 'content-type': options.contentType };
    if (options.cacheControl !== undefined) headers['cache-control'] = options.cacheControl;
    if (options.contentDisposition !== undefined) headers['content-disposition'] = options.contentDisposition;
    try {
      let response: Response;
      try {
        response = await fetch(`${endpoint}${path}?ttl=${ttl}`, {
          method: 'PUT',
          headers,
          body: requestBody as unknown as RequestInit['body'],
          signal,
          ...(requestBody instanceof Buffer ? {} : { duplex: 'half' }),
        } as RequestInit);
      } catch (error) {
        // fetch reports a failed body as "fetch failed"; the body's own error says what happened.
        const bodyError = hashed?.body.errored;
        if (bodyError !== undefined && bodyError !== null && !signal?.aborted) throw bodyError;
        throw errorFromFetchFailure(error, signal, ctx);
      }
      if (response.status >= 300) throw await errorFromResponse(response, ctx, (s) => `filer HTTP ${s}`);
      await response.arrayBuffer();
      if (hashed !== undefined) {
        if (!hashed.body.readableEnded) {
          throw new StorageError('Unexpected', 'The filer answered before the body ended', ctx);
        }
        sha256 = hashed.result().sha256;
      }
      return { sha256: sha256 ?? '' };
    } catch (error) {
      if (hashed !== undefined && !hashed.body.destroyed) hashed.body.destroy();
      throw error;
    }
  }
}

/** Put options the filer's API cannot carry: refused rather than silently dropped. */
const FILER_CANNOT_SET = ['metadata', 'visibility', 'ifMatch', 'ifNoneMatch'] as const;
