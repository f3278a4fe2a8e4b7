import { type BucketInfo, type Clock, type JobStateStore, StorageError } from '@stowage/core';
import { assertBucketName } from '@stowage/kit';
import { MemoryObjectStore, memoryUploadSessions } from '@stowage/memory';
import type { BucketResolver, GatewayBucket } from './bucket-resolver.js';
import { type PrimaryBucket, primaryInfo } from './primary-bucket.js';

export interface MemoryBucketsConfig {
  jobs?: JobStateStore;
  clock?: Clock;
  primary?: PrimaryBucket;
}

/** Memory mode: one MemoryObjectStore per bucket, gone with the process. */
export class MemoryBuckets implements BucketResolver {
  private readonly buckets = new Map<string, { bucket: GatewayBucket; createdAt: Date }>();

  constructor(private readonly config: MemoryBucketsConfig = {}) {}

  async list(): Promise<BucketInfo[]> {
    const out: BucketInfo[] = [...this.buckets.entries()].map(([name, b]) => ({
      name,
      createdAt: b.createdAt,
    }));
    if (this.config.primary !== undefined) out.push(primaryInfo(this.config.primary));
    return out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  async get(name: string): Promise<GatewayBucket | null> {
    if (name === this.config.primary?.name) return this.config.primary.bucket;
    return this.buckets.get(name)?.bucket ?? null;
  }

  async create(name: string): Promise<void> {
    assertBucketName(name, { operation: 'createBucket', backend: 'memory' });
    if (this.buckets.has(name) || name === this.config.primary?.name) {
      throw new StorageError('AlreadyExists', `Bucket ${JSON.stringify(name)} exists`, {
        operation: 'createBucket',
        backend: 'memory',
      });
    }
    const clock = this.config.clock === undefined ? {} : { clock: this.config.clock };
    const store = new MemoryObjectStore(clock);
    this.buckets.set(name, {
      bucket: {
        name,
        store,
        sessions: memoryUploadSessions(store, {
          ...clock,
          ...(this.config.jobs === undefined ? {} : { jobs: this.config.jobs }),
        }),
        etags: 'native',
      },
      createdAt: this.config.clock?.now() ?? new Date(),
    });
  }

  async delete(name: string): Promise<void> {
    const ctx = { operation: 'deleteBucket', backend: 'memory' };
    if (name === this.config.primary?.name) {
      throw new StorageError(
        'Conflict',
        'The runtime’s own bucket cannot be deleted through the gateway',
        ctx,
      );
    }
    const entry = this.buckets.get(name);
    if (entry === undefined) throw new StorageError('NotFound', `No bucket ${JSON.stringify(name)}`, ctx);
    const page = await entry.bucket.store.listPage({ limit: 1 });
    if (page.items.length > 0)
      throw new StorageError('Conflict', `Bucket ${JSON.stringify(name)} is not empty`, ctx);
    this.buckets.delete(name);
  }

  async close(): Promise<void> {
    this.buckets.clear();
  }
}
