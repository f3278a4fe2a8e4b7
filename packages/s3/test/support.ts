import type { AvailableS3Target } from '@stowage/testkit';
import { uniqueBucketName } from '@stowage/testkit';
import { S3BucketAdmin, type S3ConnectionConfig, S3ObjectStore, type S3StoreConfig } from '../src/index.js';
import type { ChecksumMode, S3ProfileOverrides, S3Provider } from '../src/profiles.js';

export const CHECKSUM_MODES: readonly ChecksumMode[] = ['WHEN_REQUIRED', 'WHEN_SUPPORTED'];

/**
 * moto stands in for AWS, with differences measured against moto 5.2.5: it honours canned
 * ACLs (new AWS buckets refuse them); it ignores If-None-Match on CopyObject (it overwrites),
 * so conditional copies take the streaming path; and it ignores If-Match on
 * CompleteMultipartUpload, so large compare-and-swap writes are refused as Unsupported.
 */
export const MOTO_OVERRIDES: S3ProfileOverrides = {
  acl: true,
  copyConditionalWrite: false,
  multipartIfMatch: false,
};

/** The adapter configuration for a test server: its profile, endpoint and credentials. */
export function connectionFor(
  target: AvailableS3Target,
  mode?: ChecksumMode,
  extra: Partial<S3ConnectionConfig> = {},
): S3ConnectionConfig {
  const provider: S3Provider = target.name === 'seaweedfs' ? 'seaweedfs' : 'aws';
  const config: S3ConnectionConfig = {
    provider,
    endpoint: target.endpoint,
    region: target.region,
    forcePathStyle: true,
    credentials: { accessKeyId: target.accessKeyId, secretAccessKey: target.secretAccessKey },
    ...(target.name === 'moto' ? { overrides: MOTO_OVERRIDES } : {}),
    ...(mode === undefined ? {} : { requestChecksumCalculation: mode, responseChecksumValidation: mode }),
    ...extra,
  };
  return config;
}

export function storeConfig(
  target: AvailableS3Target,
  bucket: string,
  mode?: ChecksumMode,
  extra: Partial<S3StoreConfig> = {},
): S3StoreConfig {
  return { ...connectionFor(target, mode), bucket, ...extra } as S3StoreConfig;
}

/** Creates a fresh bucket and returns it with an admin that can remove it (force) afterwards. */
export async function freshBucket(
  target: AvailableS3Target,
  label: string,
): Promise<{ bucket: string; admin: S3BucketAdmin }> {
  const admin = new S3BucketAdmin(connectionFor(target));
  const bucket = uniqueBucketName(label);
  await admin.createBucket(bucket);
  return { bucket, admin };
}

export async function dropBucket(admin: S3BucketAdmin, bucket: string): Promise<void> {
  try {
    await admin.deleteBucket(bucket, { force: true });
  } finally {
    admin.destroy();
  }
}

export { S3ObjectStore };
