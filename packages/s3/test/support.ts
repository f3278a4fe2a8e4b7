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

/**
 * The credentials a test store is configured with, for the conformance `secrets` case. The
 * access key id joins the secret where it is not a word that shows up anyway (SeaweedFS's is
 * "stowage", the name of every key root and metadata prefix).
 */
export function configuredSecrets(target: AvailableS3Target): string[] {
  const secrets = [target.secretAccessKey];
  if (!'stowage-conformance'.includes(target.accessKeyId)) secrets.push(target.accessKeyId);
  return [...new Set(secrets)];
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
