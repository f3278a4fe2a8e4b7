import type { BucketInfo } from '@stowage/core';
import type { GatewayBucket } from './bucket-resolver.js';

/** The runtime's own store served under a bucket name. */
export interface PrimaryBucket {
  readonly name: string;
  readonly bucket: GatewayBucket;
  readonly createdAt?: Date;
}

export function primaryInfo(primary: PrimaryBucket): BucketInfo {
  return { name: primary.name, ...(primary.createdAt === undefined ? {} : { createdAt: primary.createdAt }) };
}
