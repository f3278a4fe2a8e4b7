import { AbortMultipartUploadCommand } from '@aws-sdk/client-s3';
import { mapS3Error } from '../error-map.js';
import type { SessionContext } from './session-context.js';

/**
 * Aborts the session's multipart upload (one already gone is fine), drops a staged object a
 * failed completion may have left, and closes the session. An unknown session is a no-op.
 * @throws the mapped S3 error, but NotFound, of AbortMultipartUpload.
 */
export async function abortSession(s: SessionContext, id: string): Promise<void> {
  const job = await s.ledger.load(id, 'abortUpload', false, true);
  if (job === null) return;
  const ctx = s.ledger.ctx('abortUpload', job.data.key);
  try {
    await s.store.client.send(
      new AbortMultipartUploadCommand({
        Bucket: s.store.bucket,
        Key: s.stagingKey(id),
        UploadId: job.data.native.uploadId,
      }),
    );
  } catch (error) {
    const mapped = mapS3Error(error, ctx);
    if (mapped.kind !== 'NotFound') throw mapped;
  }
  // A completion that failed after assembling may have left the staged object.
  await s.store.delete(s.stagingKey(id));
  await s.ledger.close(id);
}
