import type { Page } from '../model/page.js';

export interface BucketInfo {
  name: string;
  createdAt?: Date;
}

export interface LifecycleRule {
  /** Stable id for the rule. */
  id: string;
  /** Keys under this prefix expire. */
  prefix: string;
  /** Whole days after creation. */
  expireAfterDays: number;
}

/**
 * Buckets (containers) of a backend.
 * Every method may also throw `PermissionDenied`, `Timeout`, `Unavailable` or `Unexpected`.
 */
export interface BucketAdmin {
  readonly name: string;
  /** Whether lifecycle rules are native on this backend. */
  readonly supportsLifecycle: boolean;

  /**
   * @throws InvalidInput for a name that is not a valid bucket name (checked before I/O).
   * @throws AlreadyExists when the bucket exists.
   */
  createBucket(name: string, options?: { region?: string }): Promise<void>;

  bucketExists(name: string): Promise<boolean>;

  /** One page of buckets, by name. */
  listBuckets(options?: { cursor?: string; limit?: number }): Promise<Page<BucketInfo>>;

  /**
   * @throws NotFound when the bucket is missing.
   * @throws Conflict when it still holds objects and `force` is not set; `force` empties it first.
   */
  deleteBucket(name: string, options?: { force?: boolean }): Promise<void>;

  /**
   * Replaces the bucket's lifecycle rules.
   * @throws Unsupported where `supportsLifecycle` is false.
   * @throws InvalidInput for a rule with a bad prefix or a non-positive day count.
   */
  setLifecycleRules(bucket: string, rules: LifecycleRule[]): Promise<void>;

  /** @throws Unsupported where `supportsLifecycle` is false. */
  getLifecycleRules(bucket: string): Promise<LifecycleRule[]>;
}
