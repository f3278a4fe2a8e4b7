import { CreateMultipartUploadCommand } from '@aws-sdk/client-s3';
import { StorageError, type UploadSession, type UploadSessionOptions } from '@stowage/core';
import { mapS3Error } from '../error-map.js';
import type { SessionContext } from './session-context.js';

/**
 * Opens a session: a multipart upload at the session's staging key, recorded in the ledger.
 * @throws InvalidInput for bad options (as the ledger checks them); the mapped S3 error when
 * the upload cannot be created.
 */
export async function createSession(
  s: SessionContext,
  key: string,
  options: UploadSessionOptions,
): Promise<UploadSession> {
  const { id, record } = s.ledger.draft(key, options, s.store.capabilities);
  const ctx = s.ledger.ctx('createUpload', key);
  try {
    const out = await s.store.client.send(
      new CreateMultipartUploadCommand({ Bucket: s.store.bucket, Key: s.stagingKey(id) }),
    );
    if (out.UploadId === undefined) throw new StorageError('Unexpected', 'The server gave no upload id', ctx);
    return await s.ledger.open(id, { ...record, native: { uploadId: out.UploadId } });
  } catch (error) {
    throw mapS3Error(error, ctx);
  }
}
