import { type FreshBucket, freshBucket, type OpenBucketAdmin } from './fresh-bucket.js';
import { type FreshPostgresDatabase, freshPostgresDatabase } from './fresh-postgres-database.js';
import type { AvailableS3Target } from './s3-test-target.js';

export interface FreshBucketAndDatabase extends FreshBucket {
  database: FreshPostgresDatabase;
  /** Deletes the bucket with everything in it, then drops the database (even when that failed). */
  drop(): Promise<void>;
}

/**
 * A new bucket on `target` and a new PostgreSQL database, both named after `label`: what a
 * suite of an S3 backend on PostgreSQL provisions (see `freshBucket`, `freshPostgresDatabase`).
 */
export async function freshBucketAndDatabase(
  target: AvailableS3Target,
  label: string,
  openAdmin: OpenBucketAdmin,
): Promise<FreshBucketAndDatabase> {
  const database = await freshPostgresDatabase(label);
  let bucket: FreshBucket;
  try {
    bucket = await freshBucket(target, label, openAdmin);
  } catch (error) {
    await database.drop();
    throw error;
  }
  return {
    s3: bucket.s3,
    database,
    drop: async () => {
      try {
        await bucket.drop();
      } finally {
        await database.drop();
      }
    },
  };
}
