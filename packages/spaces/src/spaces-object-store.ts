import { S3ObjectStore } from '@stowage/s3';
import { SpacesCdn } from './spaces-cdn.js';
import { type SpacesObjectStoreConfig, spacesToS3Config } from './spaces-config.js';

/**
 * ObjectStore on DigitalOcean Spaces: the S3 adapter with the Spaces profile. With `cdn`
 * configured, `publicUrl` returns Spaces CDN URLs and `cdn` reads through and purges the CDN.
 */
export class SpacesObjectStore extends S3ObjectStore {
  /** The CDN in front of the bucket, when `cdn` was configured. */
  readonly cdn: SpacesCdn | undefined;

  /** @throws ConfigInvalid naming each bad setting ("Invalid spaces configuration: …"). */
  constructor(config: SpacesObjectStoreConfig) {
    const { s3, cdn } = spacesToS3Config(config);
    const spacesCdn = cdn === undefined ? undefined : new SpacesCdn(cdn);
    super(s3);
    this.cdn = spacesCdn;
  }
}

/** @throws ConfigInvalid naming each bad setting. */
export function createSpacesObjectStore(config: SpacesObjectStoreConfig): SpacesObjectStore {
  return new SpacesObjectStore(config);
}
