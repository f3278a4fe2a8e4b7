import { type BucketInfo, StorageError } from '@stowage/core';
import type { BucketResolver, GatewayBucket } from './bucket-resolver.js';

/**
 * One bucket name for one store (hybrid mode: the router's two sides make one namespace).
 * Other names are NoSuchBucket; creating or deleting buckets is NotImplemented.
 */
export class SingleBucket implements BucketResolver {
  constructor(
    private readonly bucket: GatewayBucket,
    private readonly createdAt?: Date,
  ) {}

  async list(): Promise<BucketInfo[]> {
    return [
      { name: this.bucket.name, ...(this.createdAt === undefined ? {} : { createdAt: this.createdAt }) },
    ];
  }

  async get(name: string): Promise<GatewayBucket | null> {
    return name === this.bucket.name ? this.bucket : null;
  }

  async create(name: string): Promise<void> {
    const ctx = { operation: 'createBucket', backend: this.bucket.store.name };
    if (name === this.bucket.name) throw new StorageError('AlreadyExists', `Bucket ${name} exists`, ctx);
    throw new StorageError('Unsupported', `This gateway serves the one bucket "${this.bucket.name}"`, ctx);
  }

  async delete(name: string): Promise<void> {
    const ctx = { operation: 'deleteBucket', backend: this.bucket.store.name };
    if (name !== this.bucket.name)
      throw new StorageError('NotFound', `No bucket ${JSON.stringify(name)}`, ctx);
    throw new StorageError('Unsupported', `This gateway serves the one bucket "${this.bucket.name}"`, ctx);
  }

  async close(): Promise<void> {}
}
