import { S3BucketAdmin } from '@stowage/s3';
import type { AvailableS3Target } from '@stowage/testkit';
import { uniqueBucketName } from '@stowage/testkit';
import type { SeaweedFsStoreConfig } from '../src/index.js';

export function connection(target: AvailableS3Target) {
  return {
    endpoint: target.endpoint,
    region: target.region,
    credentials: { accessKeyId: target.accessKeyId, secretAccessKey: target.secretAccessKey },
  };
}

export function storeConfig(
  target: AvailableS3Target,
  bucket: string,
  extra: Partial<SeaweedFsStoreConfig> = {},
) {
  return { ...connection(target), bucket, ...extra } as SeaweedFsStoreConfig;
}

export async function freshBucket(target: AvailableS3Target, label: string) {
  const admin = new S3BucketAdmin({ provider: 'seaweedfs', ...connection(target) });
  const bucket = uniqueBucketName(label);
  await admin.createBucket(bucket);
  return { admin, bucket };
}

export async function dropBucket(admin: S3BucketAdmin, bucket: string): Promise<void> {
  try {
    await admin.deleteBucket(bucket, { force: true });
  } finally {
    admin.destroy();
  }
}
