import type { Clock } from '@stowage/core';
import { clockSchema, parseConfig, type Secret, secretSchema } from '@stowage/kit';
import {
  type S3ProfileOverrides,
  type S3StoreConfig,
  type S3TuningConfig,
  s3ConnectionSettings,
  s3TuningSettings,
  s3UploadSettings,
} from '@stowage/s3';
import * as z from 'zod/mini';
import { type ParsedSpacesCdnConfig, type SpacesCdnConfig, spacesCdnSettings } from './spaces-cdn.js';
import { spacesBucketSchema, spacesCdnHost, spacesRegionSchema } from './spaces-names.js';

/** Settings of the Spaces CDN in front of the bucket (bucket and region come from the store). */
export type SpacesStoreCdnConfig = Omit<SpacesCdnConfig, 'bucket' | 'region'>;

/** Configuration of `SpacesObjectStore`. */
export interface SpacesObjectStoreConfig extends S3TuningConfig {
  /** Datacenter slug, e.g. "nyc3"; also the SigV4 signing region, as Spaces documents. */
  region: string;
  bucket: string;
  /** Spaces access key id; held as a `Secret`. */
  key: string | Secret;
  /** Spaces secret key; held as a `Secret`, revealed only to sign requests. */
  secret: string | Secret;
  /** Default `https://{region}.digitaloceanspaces.com`; tests point it at a local S3 server. */
  endpoint?: string;
  /**
   * The Spaces CDN is enabled for this bucket: `publicUrl` then gives CDN URLs and `cdn`
   * is a `SpacesCdn` (purge needs `token`, held as a `Secret`).
   */
  cdn?: SpacesStoreCdnConfig;
  /** Time source for presigning. Default: the system clock. */
  clock?: Clock;
  /** Name used in errors and metrics; default "spaces". */
  name?: string;
  /** Upload tuning, as `S3StoreConfig` documents it. */
  multipartThreshold?: number;
  partSize?: number;
  queueSize?: number;
  /**
   * Per-quirk overrides of the `spaces` profile (see `S3ProfileOverrides`), e.g. when the
   * server behind `endpoint` is not Spaces itself. Capabilities follow them.
   */
  overrides?: S3ProfileOverrides;
}

/** The parsed configuration: key, secret and CDN token held as `Secret`s. */
export interface ParsedSpacesObjectStoreConfig
  extends Omit<SpacesObjectStoreConfig, 'key' | 'secret' | 'cdn'> {
  key: Secret;
  secret: Secret;
  cdn?: Omit<ParsedSpacesCdnConfig, 'bucket' | 'region'>;
}

export const spacesObjectStoreConfigSchema: z.ZodMiniType<
  ParsedSpacesObjectStoreConfig,
  SpacesObjectStoreConfig
> = z.strictObject({
  region: spacesRegionSchema,
  bucket: spacesBucketSchema,
  key: secretSchema(),
  secret: secretSchema(),
  endpoint: s3ConnectionSettings.endpoint,
  cdn: z.optional(z.strictObject(spacesCdnSettings)),
  clock: z.optional(clockSchema<Clock>()),
  name: s3ConnectionSettings.name,
  overrides: s3ConnectionSettings.overrides,
  ...s3TuningSettings,
  ...s3UploadSettings,
});

/** The Spaces origin endpoint of a region. */
export function spacesEndpoint(region: string): string {
  return `https://${region}.digitaloceanspaces.com`;
}

/**
 * Validates a Spaces configuration and translates it into the S3 adapter's, with the
 * `spaces` profile: virtual-hosted addressing, checksums only when required, `public-read`
 * ACL for public objects, DeleteObjects Content-MD5.
 * @throws ConfigInvalid naming each bad setting ("Invalid spaces configuration: bucket: …").
 */
export function spacesToS3Config(config: SpacesObjectStoreConfig): {
  s3: S3StoreConfig;
  cdn: SpacesCdnConfig | undefined;
} {
  const { region, bucket, key, secret, endpoint, cdn, name, ...tuning } = parseConfig(
    spacesObjectStoreConfigSchema,
    config,
    'spaces',
  );
  const s3: S3StoreConfig = {
    ...tuning,
    provider: 'spaces',
    name: name ?? 'spaces',
    bucket,
    region,
    endpoint: endpoint ?? spacesEndpoint(region),
    forcePathStyle: false,
    credentials: { accessKeyId: key, secretAccessKey: secret },
  };
  if (cdn === undefined) return { s3, cdn: undefined };
  // Public URLs point at the CDN (or its custom domain), not at the origin.
  s3.publicUrlBase = `https://${cdn.customDomain ?? spacesCdnHost(bucket, region)}`;
  return { s3, cdn: { ...cdn, bucket, region } };
}
