import { Readable } from 'node:stream';
import type { ReadableStream as NodeWebReadableStream } from 'node:stream/web';
import { GetObjectCommand, HeadObjectCommand } from '@aws-sdk/client-s3';
import {
  type Body,
  type GetOptions,
  type GetResult,
  type ObjectInfo,
  StorageError,
  toReadable,
} from '@stowage/core';
import { destroyOnAbort, etagsMatch, quoteEtag } from '@stowage/kit';
import { type ErrorContext, mapS3Error, s3ErrorCode } from '../error-map.js';
import { objectInfoFromHeaders } from '../object-metadata.js';
import type { S3StoreContext } from '../s3-store-context.js';

/** Gets, heads and exists checks. */
export class S3Reader {
  constructor(private readonly s3: S3StoreContext) {}

  /**
   * The SDK's body as the caller's body, with no stream in between (see `mapBodyErrors`).
   * @throws as `ObjectStore.get`.
   */
  async get(key: string, options: GetOptions, ctx: ErrorContext): Promise<GetResult> {
    const { range, signal } = options;
    try {
      const out = await this.s3.client.send(
        new GetObjectCommand({
          Bucket: this.s3.bucket,
          Key: key,
          Range: range === undefined ? undefined : `bytes=${range.start}-${range.end ?? ''}`,
          IfMatch: options.ifMatch === undefined ? undefined : quoteEtag(options.ifMatch),
        }),
        { abortSignal: signal },
      );
      const body = mapBodyErrors(asNodeReadable(out.Body), ctx, signal);
      const contentRange = parseContentRange(out.ContentRange);
      if (range !== undefined && contentRange === undefined && range.start > 0) {
        body.destroy();
        throw new StorageError('Unexpected', 'The server ignored the Range header', ctx);
      }
      const size = contentRange?.size ?? out.ContentLength ?? 0;
      const info = objectInfoFromHeaders(key, out, size);
      destroyOnAbort(body, signal, ctx);
      const result: GetResult = { info, body };
      if (range !== undefined) {
        result.range =
          contentRange === undefined
            ? { start: 0, end: size - 1 }
            : { start: contentRange.start, end: contentRange.end };
      }
      return result;
    } catch (error) {
      const mapped = mapS3Error(error, ctx, signal);
      // S3 answers any range on an empty object with 416; the contract reads it as no bytes.
      if (mapped.status === 416 && range?.start === 0) {
        const info = await this.head(key, signal, ctx).catch(() => undefined);
        if (info?.size === 0 && (options.ifMatch === undefined || etagsMatch(info.etag, options.ifMatch))) {
          return { info, body: Readable.from([]), range: { start: 0, end: -1 } };
        }
      }
      throw mapped;
    }
  }

  /** @throws NotFound, and as `ObjectStore.head`. */
  async head(key: string, signal: AbortSignal | undefined, ctx: ErrorContext): Promise<ObjectInfo> {
    try {
      const out = await this.s3.client.send(new HeadObjectCommand({ Bucket: this.s3.bucket, Key: key }), {
        abortSignal: signal,
      });
      return objectInfoFromHeaders(key, out, out.ContentLength ?? 0);
    } catch (error) {
      throw mapS3Error(error, ctx, signal);
    }
  }

  /** A missing bucket is NotFound, not "no such object". */
  async exists(key: string, signal: AbortSignal | undefined, ctx: ErrorContext): Promise<boolean> {
    try {
      await this.head(key, signal, ctx);
      return true;
    } catch (error) {
      const mapped = mapS3Error(error, ctx, signal);
      if (mapped.kind === 'NotFound' && s3ErrorCode(mapped.cause) !== 'NoSuchBucket') return false;
      throw mapped;
    }
  }
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
 * The SDK's body with its failures (a cut connection, a stalled or idle socket, the SDK's
 * response-checksum mismatch) turned into StorageErrors. Rather than piping through another
 * stream (which cost ~9% client CPU per small get), the body's own `destroy` maps the error it
 * is given (what `errored` keeps for a later reader) and its `_destroy` maps the error it
 * reports (what the 'error' event, `for await`, `pipeline` and `finished` see). Destroying the
 * body before it ends still frees its socket (the response's own `_destroy` does that).
 *
 * A body nobody reads yet may fail too (the idle timeout frees the socket of a forgotten
 * body): that must not take the process down with an unhandled 'error' event, so with no
 * listener the error waits in the stream's `errored` state for whoever reads it later.
 */
function mapBodyErrors(body: Readable, ctx: ErrorContext, signal: AbortSignal | undefined): Readable {
  const map = (error: Error) => mapS3Error(error, ctx, signal);
  const destroy = body.destroy;
  body.destroy = function mappedDestroy(this: Readable, error?: Error | null, ...rest: unknown[]) {
    return (destroy as (...args: unknown[]) => Readable).call(
      this,
      error === null || error === undefined ? error : map(error),
      ...rest,
    );
  } as Readable['destroy'];
  const destroyBody = body._destroy;
  body._destroy = function mappedUnderlyingDestroy(
    this: Readable,
    error: Error | null,
    callback: (error?: Error | null) => void,
  ): void {
    destroyBody.call(this, error, (reported?: Error | null) => {
      if (reported === null || reported === undefined) {
        callback(reported);
        return;
      }
      if (this.listenerCount('error') === 0) this.once('error', () => {});
      callback(map(reported));
    });
  };
  return body;
}
