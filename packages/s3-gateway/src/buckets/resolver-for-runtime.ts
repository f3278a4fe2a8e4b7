import { resolve } from 'node:path';
import { type JobStateStore, TOKENS } from '@stowage/core';
import type { Runtime } from '@stowage/runtime';
import { S3ObjectStore } from '@stowage/s3';
import type { BucketResolver, GatewayBucket } from './bucket-resolver.js';
import { LocalBuckets } from './local-buckets.js';
import { MemoryBuckets } from './memory-buckets.js';
import type { PrimaryBucket } from './primary-bucket.js';
import { S3Buckets } from './s3-buckets.js';
import { SingleBucket } from './single-bucket.js';

export interface RuntimeBucketsOptions {
  /**
   * The bucket name the runtime's own store answers to. Default: the configured `s3.bucket`
   * (so an app's S3_BUCKET works unchanged); in hybrid mode `stowage` when none is configured.
   * In local and memory modes without one, only buckets made by CreateBucket exist.
   */
  primaryBucket?: string;
}

/**
 * The bucket design per mode (see the README):
 * - local: bucket `b` is a LocalObjectStore at `<dataDir>/buckets/b`, made by CreateBucket;
 * - memory: one MemoryObjectStore per bucket;
 * - hybrid: the one configured name, served by the hybrid router (others: NoSuchBucket);
 * - s3, spaces, seaweedfs: the server's buckets, through its BucketAdmin.
 * In local and memory modes the runtime's own store can also be served under `primaryBucket`.
 */
export function bucketResolverFor(runtime: Runtime, options: RuntimeBucketsOptions = {}): BucketResolver {
  const jobs = runtime.resolve<JobStateStore>(TOKENS.JobStateStore);
  const started = new Date();
  const ownName = options.primaryBucket ?? runtime.config.s3?.bucket;
  const own = (name: string, etags: GatewayBucket['etags']): PrimaryBucket => ({
    name,
    bucket: { name, store: runtime.store, sessions: runtime.uploadSessions, etags },
    createdAt: started,
  });
  switch (runtime.mode) {
    case 'local': {
      const dataDir = resolve(runtime.config.dataDir ?? '.stowage');
      return new LocalBuckets({
        root: resolve(dataDir, 'buckets'),
        stagingRoot: resolve(dataDir, 'uploads', 'buckets'),
        jobs,
        fsync: runtime.config.local?.fsync ?? true,
        ...(ownName === undefined ? {} : { primary: own(ownName, 'recorded') }),
      });
    }
    case 'memory':
      return new MemoryBuckets({
        jobs,
        ...(ownName === undefined ? {} : { primary: own(ownName, 'native') }),
      });
    case 'hybrid': {
      const name = ownName ?? 'stowage';
      return new SingleBucket(own(name, 'recorded').bucket, started);
    }
    default: {
      const store = runtime.store;
      if (!(store instanceof S3ObjectStore)) {
        // A decorated store: only its own bucket can be served.
        return new SingleBucket(own(ownName ?? 'stowage', 'native').bucket, started);
      }
      return new S3Buckets({
        admin: runtime.resolve(TOKENS.BucketAdmin),
        primary: { name: store.bucket, store, sessions: runtime.uploadSessions, etags: 'native' },
        jobs,
      });
    }
  }
}
