import { ListPartsCommand, type ListPartsCommandOutput } from '@aws-sdk/client-s3';
import type { StoredPart } from '@stowage/core';
import { quoteEtag, type SessionRecord } from '@stowage/kit';
import type { ErrorContext } from '../error-map.js';
import type { NativeUpload, SessionContext } from './session-context.js';
import { sessionError } from './session-error.js';

/**
 * ListParts of the session's multipart upload, every page, by part number. A part may be
 * listed more than once (SeaweedFS keeps a replaced upload): callers decide what that means.
 * @throws NotFound when the multipart upload is gone; the mapped S3 error otherwise.
 */
export async function serverParts(
  s: SessionContext,
  id: string,
  record: SessionRecord<NativeUpload>,
  ctx: ErrorContext,
): Promise<StoredPart[]> {
  const parts: StoredPart[] = [];
  let marker: string | undefined;
  for (;;) {
    let out: ListPartsCommandOutput;
    try {
      out = await s.store.client.send(
        new ListPartsCommand({
          Bucket: s.store.bucket,
          Key: s.stagingKey(id),
          UploadId: record.native.uploadId,
          ...(marker === undefined ? {} : { PartNumberMarker: marker }),
        }),
      );
    } catch (error) {
      throw sessionError(error, ctx);
    }
    for (const p of out.Parts ?? []) {
      if (p.PartNumber === undefined || p.ETag === undefined) continue;
      parts.push({ number: p.PartNumber, size: p.Size ?? 0, etag: quoteEtag(p.ETag) });
    }
    const next = out.NextPartNumberMarker;
    if (out.IsTruncated !== true || next === undefined || next === marker) break;
    marker = next;
  }
  return parts.sort((a, b) => a.number - b.number);
}
