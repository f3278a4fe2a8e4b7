import { Readable } from 'node:stream';
import { UploadPartCommand } from '@aws-sdk/client-s3';
import {
  type Body,
  isInMemoryBody,
  StorageError,
  toBuffer,
  toReadable,
  type UploadedPart,
  type UploadPartOptions,
} from '@stowage/core';
import { hashingStream, quoteEtag, sha256Hex } from '@stowage/kit';
import type { ErrorContext } from '../error-map.js';
import type { SessionContext } from './session-context.js';
import { sessionError } from './session-error.js';

/** A streamed part without a declared length is read into memory up to this (UploadPart needs a length). */
const MAX_UNSIZED_PART = 64 * 1024 * 1024;

/** A part's bytes as sent, and their sha256 and length once sent. */
interface SentPart {
  bytes: Buffer | Readable;
  length: number;
  result: () => { sha256: string; bytes: number };
}

/**
 * Uploads one part of the session straight to the server (hashed as it streams) and records
 * its size, etag and sha256.
 * @throws NotFound for an unknown, closed or expired session (or one whose multipart upload is gone).
 * @throws InvalidInput for a part number out of range, a part over the size limit, or a
 * streamed part over 64 MiB without `contentLength`.
 * @throws Integrity when the body's length or sha256 is not the one declared.
 */
export async function uploadSessionPart(
  s: SessionContext,
  id: string,
  number: number,
  body: Body,
  options: UploadPartOptions,
): Promise<UploadedPart> {
  const job = (await s.ledger.load(id, 'uploadPart', true))!;
  const ctx = s.ledger.ctx('uploadPart', job.data.key);
  s.ledger.checkPart(number, options.contentLength, ctx);
  const { signal, onProgress } = options;
  const sent = await partToSend(s, body, options, ctx);
  onProgress?.({ loaded: 0, total: sent.length });
  let etag: string | undefined;
  try {
    const out = await s.store.client.send(
      new UploadPartCommand({
        Bucket: s.store.bucket,
        Key: s.stagingKey(id),
        UploadId: job.data.native.uploadId,
        PartNumber: number,
        Body: sent.bytes,
        ContentLength: sent.length,
      }),
      { abortSignal: signal },
    );
    etag = out.ETag;
  } catch (error) {
    if (sent.bytes instanceof Readable && !sent.bytes.destroyed) sent.bytes.destroy();
    throw sessionError(error, ctx, signal);
  }
  onProgress?.({ loaded: sent.length, total: sent.length });
  if (etag === undefined) throw new StorageError('Unexpected', 'The server gave no part etag', ctx);
  const part = { size: sent.length, etag: quoteEtag(etag), sha256: sent.result().sha256 };
  await s.ledger.change(id, 'uploadPart', (record) => {
    record.parts[String(number)] = part;
  });
  return { number, ...part };
}

/**
 * An in-memory part (or a stream of unknown length, read in) checked before sending; a stream
 * of declared length is checked as it is sent.
 */
async function partToSend(
  s: SessionContext,
  body: Body,
  options: UploadPartOptions,
  ctx: ErrorContext,
): Promise<SentPart> {
  if (isInMemoryBody(body) || options.contentLength === undefined) {
    const bytes = isInMemoryBody(body) ? toBuffer(body) : await readUnsized(body, ctx);
    if (options.contentLength !== undefined && bytes.length !== options.contentLength) {
      throw new StorageError(
        'Integrity',
        `Body is ${bytes.length} bytes but contentLength says ${options.contentLength}`,
        ctx,
      );
    }
    const sha256 = sha256Hex(bytes);
    if (options.sha256 !== undefined && options.sha256 !== sha256) {
      throw new StorageError(
        'Integrity',
        `Body sha256 ${sha256} does not match the expected ${options.sha256}`,
        ctx,
      );
    }
    const { maxPartSize } = s.ledger.limits;
    if (bytes.length > maxPartSize) {
      throw new StorageError('InvalidInput', `A part is at most ${maxPartSize} bytes`, ctx);
    }
    return { bytes, length: bytes.length, result: () => ({ sha256, bytes: bytes.length }) };
  }
  // A mismatch fails the stream's last read, so the request ends short and S3 keeps nothing.
  const hashed = hashingStream(
    toReadable(body),
    { contentLength: options.contentLength, sha256: options.sha256 },
    ctx,
  );
  return { bytes: hashed.body, length: options.contentLength, result: hashed.result };
}

/** Reads a streamed part of unknown length into memory, up to a bound. */
async function readUnsized(body: Body, ctx: ErrorContext): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let length = 0;
  for await (const chunk of toReadable(body)) {
    const buffer = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as Uint8Array);
    length += buffer.length;
    if (length > MAX_UNSIZED_PART) {
      throw new StorageError(
        'InvalidInput',
        `A streamed part over ${MAX_UNSIZED_PART} bytes needs contentLength (S3 takes parts of a declared length)`,
        ctx,
      );
    }
    chunks.push(buffer);
  }
  return Buffer.concat(chunks, length);
}
