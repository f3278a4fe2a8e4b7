import type { UploadSessionLedger } from '@stowage/kit';
import type { S3ObjectStore } from '../s3-object-store.js';

/** The multipart upload behind a session. */
export interface NativeUpload {
  uploadId: string;
  /**
   * Set by the first `presignPart`: the server may hold parts the ledger never saw, so
   * completion assembles the parts the server lists.
   */
  presigned?: boolean;
}

/** What every session operation shares: the store parts land in, the session state, the staging place. */
export interface SessionContext {
  readonly store: S3ObjectStore;
  readonly ledger: UploadSessionLedger<NativeUpload>;
  /** Where session `id` assembles: a multipart upload there, then the assembled object. */
  stagingKey(id: string): string;
}
