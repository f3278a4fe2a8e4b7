import type { S3Client } from '@aws-sdk/client-s3';
import type { S3Profile } from './profiles.js';
import type { ParsedS3StoreConfig } from './s3-config.js';

/** What every operation of the store (writer, reader, copier, …) shares. */
export interface S3StoreContext {
  readonly client: S3Client;
  readonly bucket: string;
  /** The provider's quirks, overrides applied. */
  readonly profile: S3Profile;
  readonly config: ParsedS3StoreConfig;
}
