import type { RuntimeConfig } from '@stowage/runtime';
import { S3BucketAdmin } from '@stowage/s3';
import { type AvailableS3Target, freshBucketAndDatabase } from '@stowage/testkit';

/**
 * SeaweedFS mode on PostgreSQL for one test file: a fresh bucket on `target` and a fresh
 * database, the runtime settings that use them, and `teardown()` to remove both.
 */
export async function seaweedfsOnPostgres(
  target: AvailableS3Target,
  label: string,
): Promise<{ config(): RuntimeConfig; teardown(): Promise<void> }> {
  const fresh = await freshBucketAndDatabase(
    target,
    label,
    (connection) => new S3BucketAdmin({ provider: 'seaweedfs', ...connection }),
  );
  return {
    config: () => ({ mode: 'seaweedfs', s3: { ...fresh.s3 }, database: { url: fresh.database.url } }),
    teardown: fresh.drop,
  };
}
