import type { BucketAdmin, ObjectStore } from '@stowage/core';

export interface BucketAdminConformanceOptions {
  /** Shown in the suite title ("s3 (moto)", …). */
  name: string;
  /** Called once, in beforeAll. */
  create(): BucketAdmin | Promise<BucketAdmin>;
  /** Called once, in afterAll (after the suite's buckets are removed). */
  cleanup?(admin: BucketAdmin): void | Promise<void>;
  /**
   * A store on one of the suite's buckets: the delete cases need a bucket with objects in it.
   * Called after the bucket was created; `closeBucket` releases it.
   */
  openBucket(bucket: string): ObjectStore | Promise<ObjectStore>;
  closeBucket?(store: ObjectStore): void | Promise<void>;
  /**
   * Start of every bucket name the suite creates (a run id and the case follow); default
   * "stowage-conf". Keep it short: bucket names end at 63 characters.
   */
  bucketPrefix?: string;
  /**
   * Gaps of the *server* (not the adapter) that make a case meaningless; each entry is the
   * reason, shown in the skip message.
   */
  serverLimitations?: {
    /**
     * The server answers 200 to creating a bucket its caller already owns (AWS in us-east-1,
     * and moto), so creates that race past an existence check all succeed: skips that case.
     */
    racingCreatesAllSucceed?: string;
  };
}
