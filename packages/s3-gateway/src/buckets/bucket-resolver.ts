import type { BucketInfo, ObjectStore, UploadSessions } from '@stowage/core';

/**
 * How the gateway's ETags relate to the store's: `native` stores already give S3's ETags (MD5
 * of a single upload: S3-family and memory); `recorded` stores (local, hybrid) have etags of
 * their own, so the gateway records the S3 ETag beside the object (see `etags.ts`).
 */
export type EtagMode = 'native' | 'recorded';

/** One bucket as the gateway serves it. */
export interface GatewayBucket {
  readonly name: string;
  readonly store: ObjectStore;
  /** Multipart uploads of this bucket. */
  readonly sessions: UploadSessions;
  readonly etags: EtagMode;
}

/**
 * Maps S3 bucket names onto Stowage stores. Errors are StorageErrors: `NotFound` (NoSuchBucket),
 * `AlreadyExists` (BucketAlreadyOwnedByYou), `Conflict` (BucketNotEmpty), `Unsupported`
 * (NotImplemented), `InvalidInput` (InvalidBucketName).
 */
export interface BucketResolver {
  /** Every bucket, by name. */
  list(): Promise<BucketInfo[]>;
  /** The bucket, or null when there is none of that name. */
  get(name: string): Promise<GatewayBucket | null>;
  create(name: string, options?: { region?: string }): Promise<void>;
  /** Refuses a bucket that still holds objects (`Conflict`). */
  delete(name: string): Promise<void>;
  /** Lets go of what the resolver opened (per-bucket stores). Not the runtime's own store. */
  close(): Promise<void>;
}
