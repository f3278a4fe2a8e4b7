import type { BucketAdmin } from '@stowage/core';
import { type AvailableS3Target, uniqueBucketName } from './s3-test-target.js';

/** How a client reaches a test target: the connection settings of the s3 adapter's admin and stores. */
export interface S3TargetConnection {
  endpoint: string;
  region: string;
  forcePathStyle: true;
  credentials: { accessKeyId: string; secretAccessKey: string };
}

/** A bucket and how to reach it, as flat settings (the shape of the runtime's `s3` section). */
export interface FreshBucketSettings {
  bucket: string;
  endpoint: string;
  region: string;
  forcePathStyle: true;
  accessKeyId: string;
  secretAccessKey: string;
}

/** Opens the admin a fresh bucket is made and removed through (e.g. the s3 adapter's `S3BucketAdmin`). */
export type OpenBucketAdmin = (connection: S3TargetConnection) => BucketAdmin & { destroy?(): void };

export interface FreshBucket {
  s3: FreshBucketSettings;
  /** Deletes the bucket with everything in it, then destroys the admin. */
  drop(): Promise<void>;
}

/**
 * A new, empty bucket on `target` for one suite, named after `label`. The admin is the
 * caller's choice, so the testkit needs no S3 client; it is destroyed by `drop()`.
 */
export async function freshBucket(
  target: AvailableS3Target,
  label: string,
  openAdmin: OpenBucketAdmin,
): Promise<FreshBucket> {
  const { endpoint, region, accessKeyId, secretAccessKey } = target;
  const bucket = uniqueBucketName(label);
  const admin = openAdmin({
    endpoint,
    region,
    forcePathStyle: true,
    credentials: { accessKeyId, secretAccessKey },
  });
  try {
    await admin.createBucket(bucket);
  } catch (error) {
    admin.destroy?.();
    throw error;
  }
  return {
    s3: { bucket, endpoint, region, forcePathStyle: true, accessKeyId, secretAccessKey },
    drop: async () => {
      try {
        await admin.deleteBucket(bucket, { force: true });
      } finally {
        admin.destroy?.();
      }
    },
  };
}
