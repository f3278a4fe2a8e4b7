import { CreateMultipartUploadCommand, UploadPartCommand, UploadPartCopyCommand } from '@aws-sdk/client-s3';
import { isStorageError, StorageError, type UploadedPart } from '@stowage/core';
import { quoteEtag } from '@stowage/kit';
import type { ErrorContext } from '../error-map.js';
import { encodeCopySource } from '../urls.js';
import type { SessionContext } from './session-context.js';

/**
 * After a refused completion the native upload is spent: copy the assembled object's parts
 * into a new multipart upload (on the server) and record it, so the session stays open with
 * the same parts; then drop the assembled object.
 * @throws Unexpected when the session could not be kept open (it should be aborted).
 */
export async function restageSession(
  s: SessionContext,
  id: string,
  uploaded: UploadedPart[],
  ctx: ErrorContext,
): Promise<void> {
  const { client, bucket } = s.store;
  const staged = s.stagingKey(id);
  try {
    const created = await client.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: staged }));
    const uploadId = created.UploadId;
    if (uploadId === undefined) throw new StorageError('Unexpected', 'The server gave no upload id', ctx);
    const etags: Record<string, string> = {};
    let offset = 0;
    for (const part of uploaded) {
      let etag: string | undefined;
      if (part.size === 0) {
        const out = await client.send(
          new UploadPartCommand({
            Bucket: bucket,
            Key: staged,
            UploadId: uploadId,
            PartNumber: part.number,
            Body: Buffer.alloc(0),
            ContentLength: 0,
          }),
        );
        etag = out.ETag;
      } else {
        const out = await client.send(
          new UploadPartCopyCommand({
            Bucket: bucket,
            Key: staged,
            UploadId: uploadId,
            PartNumber: part.number,
            CopySource: encodeCopySource(bucket, staged),
            CopySourceRange: `bytes=${offset}-${offset + part.size - 1}`,
          }),
        );
        etag = out.CopyPartResult?.ETag;
      }
      if (etag === undefined) throw new StorageError('Unexpected', 'The server gave no part etag', ctx);
      etags[String(part.number)] = quoteEtag(etag);
      offset += part.size;
    }
    await s.ledger.change(id, 'completeUpload', (current) => {
      current.native = { ...current.native, uploadId };
      for (const [n, etag] of Object.entries(etags)) {
        const p = current.parts[n];
        if (p !== undefined) p.etag = etag;
      }
    });
    await s.store.delete(staged);
  } catch (error) {
    if (isStorageError(error) && error.kind === 'Integrity') throw error;
    throw new StorageError(
      'Unexpected',
      `The session could not be kept open after a refused completion; abort it and upload again`,
      { ...ctx, cause: error },
    );
  }
}
