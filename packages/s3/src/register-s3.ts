import { TOKENS, type ValueContainer } from '@stowage/core';
import { S3BucketAdmin } from './s3-bucket-admin.js';
import type { S3StoreConfig } from './s3-config.js';
import { S3ObjectStore } from './s3-object-store.js';

/**
 * Registers an `S3ObjectStore` (`TOKENS.ObjectStore`) and an `S3BucketAdmin` on the same
 * connection (`TOKENS.BucketAdmin`). Call `destroy()` on both at shutdown to free sockets.
 * @throws ConfigInvalid naming the bad setting; nothing is registered then.
 */
export function registerS3(
  container: ValueContainer,
  config: S3StoreConfig,
): { store: S3ObjectStore; admin: S3BucketAdmin } {
  const store = new S3ObjectStore(config);
  const { bucket, multipartThreshold, partSize, queueSize, publicUrlBase, ...connection } = config;
  const admin = new S3BucketAdmin(connection);
  container.register(TOKENS.ObjectStore, { useValue: store });
  container.register(TOKENS.BucketAdmin, { useValue: admin });
  return { store, admin };
}
