import { S3ObjectStore, type S3StoreConfig } from '@stowage/s3';

/** Configuration of a SeaweedFsObjectStore: the S3 settings without the provider (always `seaweedfs`). */
export type SeaweedFsStoreConfig = Omit<S3StoreConfig, 'provider'>;

/**
 * The S3 adapter with the SeaweedFS profile: path-style addressing, checksums only where
 * required (plus Content-MD5 on DeleteObjects), no per-object ACLs (visibility is false),
 * lifecycle rules, and a record of empty metadata values (SeaweedFS drops them).
 * @throws ConfigInvalid naming the bad setting.
 */
export class SeaweedFsObjectStore extends S3ObjectStore {
  constructor(config: SeaweedFsStoreConfig) {
    super({ name: 'seaweedfs', ...config, provider: 'seaweedfs' } as S3StoreConfig);
  }
}
