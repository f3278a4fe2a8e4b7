import { UploadPartCommand } from '@aws-sdk/client-s3';
import type { PresignedRequest } from '@stowage/core';
import { assertPresignExpiry } from '@stowage/kit';
import { mapS3Error } from '../error-map.js';
import { presignCommand } from '../presign/presign-command.js';
import type { SessionContext } from './session-context.js';

/**
 * A presigned UploadPart of the session's multipart upload, signed by the session's clock.
 * The session is marked presigned first, so completion asks the server for its parts.
 * @throws NotFound for an unknown, completed, aborted or expired session.
 * @throws InvalidInput for a part number outside 1–10000 or `expiresIn` outside 1–604800 s.
 */
export async function presignSessionPart(
  s: SessionContext,
  id: string,
  number: number,
  options: { expiresIn: number },
): Promise<PresignedRequest> {
  const job = (await s.ledger.load(id, 'presignPart', true))!;
  const ctx = s.ledger.ctx('presignPart', job.data.key);
  s.ledger.checkPart(number, undefined, ctx);
  const { expiresIn } = options;
  assertPresignExpiry(expiresIn, ctx);
  if (job.data.native.presigned !== true) {
    await s.ledger.change(id, 'presignPart', (record) => {
      record.native = { ...record.native, presigned: true };
    });
  }
  const command = new UploadPartCommand({
    Bucket: s.store.bucket,
    Key: s.stagingKey(id),
    UploadId: job.data.native.uploadId,
    PartNumber: number,
  });
  try {
    const url = await presignCommand(s.store.client, command, {
      expiresIn,
      signingDate: s.ledger.clock.now(),
    });
    return { url, method: 'PUT', headers: {} };
  } catch (error) {
    throw mapS3Error(error, ctx);
  }
}
