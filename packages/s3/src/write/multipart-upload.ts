import { Readable } from 'node:stream';
import {
  AbortMultipartUploadCommand,
  type CompletedPart,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  type PutObjectCommandInput,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { abortedError, StorageError } from '@stowage/core';
import type { CheckedPutOptions } from '@stowage/kit';
import type { ErrorContext } from '../error-map.js';
import { MAX_PARTS, partSizeFor } from '../part-size.js';
import type { S3StoreContext } from '../s3-store-context.js';
import { bufferParts, streamParts } from './part-source.js';

/** A PutObject's parameters without the body: what CreateMultipartUpload takes too. */
export type WriteParams = Omit<PutObjectCommandInput, 'Body'>;

/**
 * Uploads `body` as a multipart upload: `queueSize` parts of `partSize` in flight (a stream's
 * parts in `queueSize + 1` reused buffers, see `streamParts`), progress reported after each
 * part, completed only after the body ended cleanly (its last read verifies length and
 * sha256), and a failed or aborted upload always aborted on the server. Returns the ETag.
 * @throws Unsupported for a condition this server ignores on CompleteMultipartUpload.
 */
export async function uploadMultipart(
  s3: S3StoreContext,
  body: Buffer | Readable,
  total: number | undefined,
  params: WriteParams,
  options: CheckedPutOptions,
  ctx: ErrorContext,
): Promise<string | undefined> {
  const { signal, onProgress } = options;
  const { profile, config } = s3;
  // Refuse before CreateMultipartUpload: a server that ignores the condition would overwrite.
  if (options.ifMatch !== undefined && !profile.multipartIfMatch) {
    throw new StorageError(
      'Unsupported',
      `${profile.provider} profile: ifMatch is only enforced below multipartThreshold (${config.multipartThreshold} bytes); this server ignores If-Match on CompleteMultipartUpload`,
      ctx,
    );
  }
  if (options.ifNoneMatch !== undefined && !profile.multipartIfNoneMatch) {
    throw new StorageError(
      'Unsupported',
      `${profile.provider} profile: ifNoneMatch is only enforced below multipartThreshold (${config.multipartThreshold} bytes); this server ignores If-None-Match on CompleteMultipartUpload`,
      ctx,
    );
  }
  const partSize = partSizeFor(config.partSize, total);
  const client = s3.client;
  const key = params.Key ?? '';
  // As lib-storage does: where the client sends checksums when supported, the upload is
  // created with CRC32 and each part's checksum goes into the completion.
  const withChecksums = (await client.config.requestChecksumCalculation()) === 'WHEN_SUPPORTED';
  // Stops the part requests in flight when the caller aborts or a part fails.
  const stop = new AbortController();
  const onAbort = () => {
    if (body instanceof Readable) body.destroy(abortedError(signal, ctx));
    stop.abort();
  };
  if (signal?.aborted) onAbort();
  signal?.addEventListener('abort', onAbort, { once: true });
  let uploadId: string | undefined;
  try {
    const created = await client.send(
      new CreateMultipartUploadCommand({
        ...params,
        ...(withChecksums ? { ChecksumAlgorithm: 'CRC32' } : {}),
      }),
      { abortSignal: stop.signal },
    );
    uploadId = created.UploadId;
    if (uploadId === undefined) throw new StorageError('Unexpected', 'The server gave no upload id', ctx);
    const id = uploadId;
    const parts: CompletedPart[] = [];
    const inFlight = new Set<Promise<void>>();
    let failure: { error: unknown } | undefined;
    let loaded = 0;
    onProgress?.({ loaded: 0, ...(total === undefined ? {} : { total }) });
    const source =
      body instanceof Readable
        ? streamParts(body, partSize, config.queueSize + 1)
        : bufferParts(body, partSize);
    for await (const part of source) {
      while (inFlight.size >= config.queueSize && failure === undefined) await Promise.race(inFlight);
      if (failure !== undefined || stop.signal.aborted) {
        part.release();
        break;
      }
      if (part.number > MAX_PARTS) {
        part.release();
        throw new StorageError('PayloadTooLarge', `The body needs more than ${MAX_PARTS} parts`, ctx);
      }
      const sending = (async () => {
        try {
          const out = await client.send(
            new UploadPartCommand({
              ...params,
              UploadId: id,
              PartNumber: part.number,
              Body: part.data,
              ContentLength: part.data.length,
            }),
            { abortSignal: stop.signal },
          );
          if (out.ETag === undefined) {
            throw new StorageError('Unexpected', `The server gave no ETag for part ${part.number}`, ctx);
          }
          parts.push({
            PartNumber: part.number,
            ETag: out.ETag,
            ...(out.ChecksumCRC32 === undefined ? {} : { ChecksumCRC32: out.ChecksumCRC32 }),
            ...(out.ChecksumCRC32C === undefined ? {} : { ChecksumCRC32C: out.ChecksumCRC32C }),
            ...(out.ChecksumSHA1 === undefined ? {} : { ChecksumSHA1: out.ChecksumSHA1 }),
            ...(out.ChecksumSHA256 === undefined ? {} : { ChecksumSHA256: out.ChecksumSHA256 }),
          });
          loaded += part.data.length;
          onProgress?.(total === undefined ? { loaded } : { loaded, total });
        } catch (error) {
          failure ??= { error };
          stop.abort();
        } finally {
          part.release();
        }
      })();
      inFlight.add(sending);
      void sending.then(() => inFlight.delete(sending));
    }
    await Promise.all(inFlight);
    if (failure !== undefined) throw failure.error;
    if (signal?.aborted) throw abortedError(signal, ctx);
    parts.sort((a, b) => (a.PartNumber ?? 0) - (b.PartNumber ?? 0));
    const out = await client.send(
      new CompleteMultipartUploadCommand({ ...params, UploadId: id, MultipartUpload: { Parts: parts } }),
      { abortSignal: stop.signal },
    );
    uploadId = undefined; // completed: nothing to abort
    return out.ETag;
  } catch (error) {
    if (uploadId !== undefined) await abandonUpload(s3, key, uploadId);
    if (signal?.aborted) throw abortedError(signal, ctx);
    throw error;
  } finally {
    signal?.removeEventListener('abort', onAbort);
    if (body instanceof Readable && !body.destroyed) body.destroy();
  }
}

/** Aborts the upload on the server, so a failed or aborted put leaves no parts behind. */
async function abandonUpload(s3: S3StoreContext, key: string, uploadId: string): Promise<void> {
  try {
    await s3.client.send(
      new AbortMultipartUploadCommand({ Bucket: s3.bucket, Key: key, UploadId: uploadId }),
    );
  } catch {
    // The server is gone, or the upload is already gone: nothing more to do here.
  }
}
