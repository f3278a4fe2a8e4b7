import type { Agent as HttpAgent } from 'node:http';
import type { Agent as HttpsAgent } from 'node:https';
import type { Clock } from '@stowage/core';
import { parseConfig } from '@stowage/kit';
import { S3ObjectStore, type S3ProfileOverrides, type S3StoreConfig } from '@stowage/s3';
import { z } from 'zod';
import { SpacesCdn, type SpacesCdnConfig, spacesCdnConfigSchema } from './spaces-cdn.js';
import { spacesBucketSchema, spacesRegionSchema } from './spaces-names.js';

/** Settings of the Spaces CDN in front of the bucket (bucket and region come from the store). */
export type SpacesStoreCdnConfig = Omit<SpacesCdnConfig, 'bucket' | 'region'>;

export interface SpacesObjectStoreConfig {
  /** Datacenter slug, e.g. "nyc3"; also the SigV4 signing region, as Spaces documents. */
  region: string;
  bucket: string;
  /** Spaces access key id. */
  key: string;
  /** Spaces secret key. */
  secret: string;
  /** Default `https://{region}.digitaloceanspaces.com`; tests point it at a local S3 server. */
  endpoint?: string;
  /**
   * The Spaces CDN is enabled for this bucket: `publicUrl` then gives CDN URLs and `cdn`
   * is a `SpacesCdn` (purge needs `token`).
   */
  cdn?: SpacesStoreCdnConfig;
  clock?: Clock;
  /** Name used in errors and metrics; default "spaces". */
  name?: string;
  /** Tuning passed to the S3 adapter as is (see `S3StoreConfig`). */
  multipartThreshold?: number;
  partSize?: number;
  queueSize?: number;
  maxSockets?: number;
  connectionTimeout?: number;
  requestTimeout?: number;
  maxAttempts?: number;
  requestChecksumCalculation?: 'WHEN_SUPPORTED' | 'WHEN_REQUIRED';
  responseChecksumValidation?: 'WHEN_SUPPORTED' | 'WHEN_REQUIRED';
  /**
   * Per-quirk overrides of the `spaces` profile (see `S3ProfileOverrides`), e.g. when the
   * server behind `endpoint` is not Spaces itself. Capabilities follow them.
   */
  overrides?: S3ProfileOverrides;
  /**
   * Caller-owned agents for the SDK (custom DNS lookup, proxies, a shared pool); they replace
   * the built-in keep-alive agents, and the store's `destroy()` destroys them.
   */
  httpAgent?: HttpAgent;
  httpsAgent?: HttpsAgent;
}

const httpUrl = z
  .string()
  .trim()
  .refine((v) => URL.canParse(v) && /^https?:$/.test(new URL(v).protocol), {
    message: 'must be an http(s) URL such as "https://nyc3.digitaloceanspaces.com"',
  });

// Tuning is validated by the S3 adapter; here it only has to be present to pass through.
const passThrough = z.unknown().optional();

export const spacesObjectStoreConfigSchema = z.strictObject({
  region: spacesRegionSchema,
  bucket: spacesBucketSchema,
  key: z.string().trim().min(1, { message: 'must be the Spaces access key id' }),
  secret: z.string().min(1, { message: 'must be the Spaces secret key' }),
  endpoint: httpUrl.optional(),
  cdn: spacesCdnConfigSchema.omit({ bucket: true, region: true }).strict().optional(),
  clock: z
    .custom<Clock>((v) => typeof v === 'object' && v !== null && typeof (v as Clock).now === 'function', {
      message: 'must be an object with a now() method',
    })
    .optional(),
  name: z.string().min(1).optional(),
  multipartThreshold: passThrough,
  partSize: passThrough,
  queueSize: passThrough,
  maxSockets: passThrough,
  connectionTimeout: passThrough,
  requestTimeout: passThrough,
  maxAttempts: passThrough,
  requestChecksumCalculation: passThrough,
  responseChecksumValidation: passThrough,
  overrides: passThrough,
  httpAgent: passThrough,
  httpsAgent: passThrough,
});

const TUNING = [
  'multipartThreshold',
  'partSize',
  'queueSize',
  'maxSockets',
  'connectionTimeout',
  'requestTimeout',
  'maxAttempts',
  'requestChecksumCalculation',
  'responseChecksumValidation',
  'overrides',
  'httpAgent',
  'httpsAgent',
] as const;

/** The Spaces origin endpoint of a region. */
export function spacesEndpoint(region: string): string {
  return `https://${region}.digitaloceanspaces.com`;
}

/**
 * Validates a Spaces configuration and translates it into the S3 adapter's, with the
 * `spaces` profile: virtual-hosted addressing, checksums only when required, `public-read`
 * ACL for public objects, DeleteObjects Content-MD5.
 * @throws ConfigInvalid naming the bad setting.
 */
export function spacesToS3Config(config: SpacesObjectStoreConfig): {
  s3: S3StoreConfig;
  cdn: SpacesCdnConfig | undefined;
} {
  const c = parseConfig(spacesObjectStoreConfigSchema, config, 'spaces');
  const name = c.name ?? 'spaces';
  const cdn: SpacesCdnConfig | undefined =
    c.cdn === undefined ? undefined : ({ ...c.cdn, bucket: c.bucket, region: c.region } as SpacesCdnConfig);
  const s3: Record<string, unknown> = {
    provider: 'spaces',
    name,
    bucket: c.bucket,
    region: c.region,
    endpoint: c.endpoint ?? spacesEndpoint(c.region),
    forcePathStyle: false,
    credentials: { accessKeyId: c.key, secretAccessKey: c.secret },
  };
  if (c.clock !== undefined) s3.clock = c.clock;
  for (const setting of TUNING) {
    if (c[setting] !== undefined) s3[setting] = c[setting];
  }
  if (cdn !== undefined) {
    // Public URLs point at the CDN (or its custom domain), not at the origin.
    s3.publicUrlBase = `https://${cdn.customDomain ?? `${c.bucket}.${c.region}.cdn.digitaloceanspaces.com`}`;
  }
  return { s3: s3 as S3StoreConfig, cdn };
}

/**
 * ObjectStore on DigitalOcean Spaces: the S3 adapter with the Spaces profile. With `cdn`
 * configured, `publicUrl` returns Spaces CDN URLs and `cdn` reads through and purges the CDN.
 */
export class SpacesObjectStore extends S3ObjectStore {
  /** The CDN in front of the bucket, when `cdn` was configured. */
  readonly cdn: SpacesCdn | undefined;

  /** @throws ConfigInvalid naming the bad setting. */
  constructor(config: SpacesObjectStoreConfig) {
    const { s3, cdn } = spacesToS3Config(config);
    const spacesCdn = cdn === undefined ? undefined : new SpacesCdn(cdn, 'cdn');
    super(s3);
    this.cdn = spacesCdn;
  }
}

/** @throws ConfigInvalid naming the bad setting. */
export function createSpacesObjectStore(config: SpacesObjectStoreConfig): SpacesObjectStore {
  return new SpacesObjectStore(config);
}
