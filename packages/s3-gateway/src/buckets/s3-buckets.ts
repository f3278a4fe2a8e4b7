import type { BucketAdmin, BucketInfo, Clock, JobStateStore } from '@stowage/core';
import { S3ObjectStore, S3UploadSessions } from '@stowage/s3';
import type { BucketResolver, GatewayBucket } from './bucket-resolver.js';

export interface S3BucketsConfig {
  admin: BucketAdmin;
  /** The runtime's store: its bucket is served by it, others by stores sharing its client. */
  primary: GatewayBucket & { store: S3ObjectStore };
  jobs: JobStateStore;
  clock?: Clock;
}

/**
 * S3-family modes (s3, spaces, seaweedfs): the server's own buckets, through its BucketAdmin.
 * A bucket other than the runtime's gets an S3ObjectStore on the same client (sockets,
 * credentials, profile) and native multipart sessions of its own.
 */
export class S3Buckets implements BucketResolver {
  private readonly open = new Map<string, GatewayBucket>();
  private readonly known = new Map<string, number>();

  constructor(private readonly config: S3BucketsConfig) {}

  async list(): Promise<BucketInfo[]> {
    const out: BucketInfo[] = [];
    let cursor: string | undefined;
    do {
      const page = await this.config.admin.listBuckets(cursor === undefined ? {} : { cursor });
      out.push(...page.items);
      cursor = page.cursor;
    } while (cursor !== undefined);
    return out;
  }

  async get(name: string): Promise<GatewayBucket | null> {
    const { primary } = this.config;
    if (name === primary.store.bucket) return primary;
    // A bucket seen in the last few seconds is not asked about again on every request.
    const seen = this.known.get(name);
    if (seen === undefined || Date.now() - seen > 5_000) {
      if (!(await this.config.admin.bucketExists(name))) {
        this.known.delete(name);
        return null;
      }
      this.known.set(name, Date.now());
    }
    const cached = this.open.get(name);
    if (cached !== undefined) return cached;
    const base = primary.store.config;
    const { provider: _provider, ...overrides } = base.profileData;
    const store = new S3ObjectStore({
      client: primary.store.client,
      bucket: name,
      name: base.name,
      provider: base.provider,
      ...(base.endpoint === undefined ? {} : { endpoint: base.endpoint }),
      region: base.region,
      forcePathStyle: base.forcePathStyle,
      overrides,
      ...(this.config.clock === undefined ? {} : { clock: this.config.clock }),
    });
    const bucket: GatewayBucket = {
      name,
      store,
      sessions: new S3UploadSessions({
        store,
        jobs: this.config.jobs,
        namespace: `s3-gateway-${name}`,
        ...(this.config.clock === undefined ? {} : { clock: this.config.clock }),
      }),
      etags: 'native',
    };
    this.open.set(name, bucket);
    return bucket;
  }

  async create(name: string, options: { region?: string } = {}): Promise<void> {
    await this.config.admin.createBucket(name, options);
    this.known.set(name, Date.now());
  }

  async delete(name: string): Promise<void> {
    await this.config.admin.deleteBucket(name);
    this.known.delete(name);
    this.open.delete(name);
  }

  async close(): Promise<void> {
    for (const bucket of this.open.values()) {
      if (bucket.store instanceof S3ObjectStore) bucket.store.destroy();
    }
    this.open.clear();
  }
}
