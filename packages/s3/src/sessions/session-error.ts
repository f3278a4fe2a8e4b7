import type { StorageError } from '@stowage/core';
import { type ErrorContext, mapS3Error, rekind } from '../error-map.js';

/** An S3 error of a session's request, with a vanished multipart upload reported as a vanished session. */
export function sessionError(error: unknown, ctx: ErrorContext, signal?: AbortSignal): StorageError {
  const mapped = mapS3Error(error, ctx, signal);
  // The multipart upload vanished (aborted by a lifecycle rule or another process): so has the session.
  if (mapped.kind === 'NotFound')
    return rekind(mapped, 'NotFound', 'No such upload session (its multipart upload is gone)');
  return mapped;
}
