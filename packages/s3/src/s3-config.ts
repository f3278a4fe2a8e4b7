import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import type { S3Client } from '@aws-sdk/client-s3';
import type { Clock } from '@stowage/core';
import {
  bucketNameProblem,
  clockSchema,
  parseConfig,
  positiveInteger,
  type Secret,
  secretSchema,
} from '@stowage/kit';
import * as z from 'zod/mini';
import {
  type ChecksumMode,
  resolveProfile,
  S3_PROFILES,
  type S3Profile,
  type S3ProfileOverrides,
  type S3Provider,
} from './profiles.js';

const MiB = 1024 * 1024;
/** S3's smallest part (except the last). */
export const MIN_PART_SIZE = 5 * MiB;

/** Defaults of the settings that have one (applied when the configuration is resolved). */
export const S3_DEFAULTS = Object.freeze({
  maxSockets: 64,
  connectionTimeout: 10_000,
  /**
   * Socket inactivity. Finite, so a body nobody reads (or a server that went silent) frees
   * its socket after two minutes instead of holding it, and the pool, forever.
   */
  requestTimeout: 120_000,
  responseTimeout: 0,
  maxAttempts: 3,
  multipartThreshold: 8 * MiB,
  partSize: 8 * MiB,
  queueSize: 3,
});

/** Explicit credentials. Every value is held as a `Secret` and revealed only to sign requests. */
export interface S3Credentials {
  accessKeyId: string | Secret;
  secretAccessKey: string | Secret;
  sessionToken?: string | Secret;
}

export interface ParsedS3Credentials {
  accessKeyId: Secret;
  secretAccessKey: Secret;
  sessionToken?: Secret;
}

/** SDK client and socket tuning: what a provider package passes through unchanged. */
export interface S3TuningConfig {
  /** Sockets per origin in the keep-alive agent (default 64). */
  maxSockets?: number;
  /** Milliseconds to establish a connection; 0 = no limit (default 10 s). */
  connectionTimeout?: number;
  /**
   * Milliseconds of socket inactivity before a request fails with `Timeout`; 0 = no limit
   * (default 120 s). It also applies while a response body streams: a body that stalls this
   * long errors with `Timeout`, and a body nobody reads gives its socket back to the pool.
   */
  requestTimeout?: number;
  /**
   * Milliseconds from the start of a request (sending its body included) until the response
   * headers arrive; 0 = no limit (default). Unlike `requestTimeout` it catches a server that
   * trickles bytes; it does not bound reading a body. For a multipart upload it applies to
   * each part: keep it well above the time one part takes.
   */
  responseTimeout?: number;
  /** SDK attempts for throttling, 5xx and network errors; 1 = no retry (default 3). */
  maxAttempts?: number;
  /** Default: the profile's. */
  requestChecksumCalculation?: ChecksumMode;
  responseChecksumValidation?: ChecksumMode;
  /**
   * Caller-owned agents (proxies, custom DNS lookup, one pool shared by several stores). They
   * replace the built-in keep-alive agents, so `maxSockets` does not apply; the store's
   * `destroy()` destroys them (the SDK does).
   */
  httpAgent?: HttpAgent;
  httpsAgent?: HttpsAgent;
}

/** How to reach an S3-compatible service: shared by the object store and the bucket admin. */
export interface S3ConnectionConfig extends S3TuningConfig {
  /** Whose quirks apply (default `aws`); see `S3_PROFILES`. */
  provider?: S3Provider;
  /** Per-quirk overrides of the provider profile; capabilities follow them. */
  overrides?: S3ProfileOverrides;
  /** Default: the profile's endpoint template, or AWS's regional endpoint. */
  endpoint?: string;
  /** Default: the profile's region. */
  region?: string;
  /** Path-style URLs; default: the profile's addressing style. */
  forcePathStyle?: boolean;
  /** Explicit credentials; absent → the SDK's default provider chain (env, shared files, SSO, IMDS…). */
  credentials?: S3Credentials;
  /** Shared-config profile name for the default credential chain. */
  profile?: string;
  /**
   * Your own `S3Client` (one SDK copy and one socket pool for the whole app). It is used as is:
   * settings that build a client (credentials, profile, sockets, timeouts, agents, retries,
   * checksum modes) are refused beside it, while `endpoint`, `region` and `forcePathStyle`
   * describe its bucket URLs (public URLs, presigned POSTs) and must match it. You own it: the
   * store's `destroy()` leaves it open; destroy it yourself after the store.
   */
  client?: S3Client;
  /** Time source for presigning. Default: the system clock. */
  clock?: Clock;
  /** Name used in errors and metrics (default: the provider name, "s3" for aws). */
  name?: string;
}

export interface S3StoreConfig extends S3ConnectionConfig {
  bucket: string;
  /** In-memory bodies and streams below this many bytes go up in one PutObject (default 8 MiB). */
  multipartThreshold?: number;
  /**
   * Part size for multipart uploads (default 8 MiB). Raised when a known length (in-memory body
   * or `contentLength`) would need more than 10,000 parts; an unknown-length stream is limited
   * to `partSize × 10,000` bytes (78 GiB at 8 MiB) and fails with PayloadTooLarge beyond it.
   */
  partSize?: number;
  /**
   * Parts uploaded concurrently by one multipart upload (default 3). Memory per upload is about
   * `(queueSize + 1) × partSize`, plus Buffers the GC has not reclaimed yet: on the 1 GiB bench
   * 3 × 8 MiB grew peak RSS by 95–138 MiB at the same throughput where 4 × 8 MiB grew 127–153.
   */
  queueSize?: number;
  /** Base URL that serves public objects (a CDN), used by `publicUrl`. */
  publicUrlBase?: string;
}

/** The connection as parsed and resolved against its profile: defaults applied, secrets held as `Secret`. */
export interface ParsedS3Connection {
  provider: S3Provider;
  profileData: S3Profile;
  name: string;
  endpoint?: string;
  region: string;
  forcePathStyle: boolean;
  credentials?: ParsedS3Credentials;
  profile?: string;
  client?: S3Client;
  requestChecksumCalculation: ChecksumMode;
  responseChecksumValidation: ChecksumMode;
  maxSockets: number;
  connectionTimeout: number;
  requestTimeout: number;
  responseTimeout: number;
  maxAttempts: number;
  clock?: Clock;
  httpAgent?: HttpAgent;
  httpsAgent?: HttpsAgent;
}

export interface ParsedS3StoreConfig extends ParsedS3Connection {
  bucket: string;
  multipartThreshold: number;
  partSize: number;
  queueSize: number;
  publicUrlBase?: string;
}

const checksumMode = () =>
  z.optional(z.enum(['WHEN_SUPPORTED', 'WHEN_REQUIRED'], 'must be "WHEN_SUPPORTED" or "WHEN_REQUIRED"'));
const flag = () => z.optional(z.boolean('must be true or false'));
const nonEmpty = (what = 'must be a non-empty string') =>
  z.string(what).check(z.minLength(1, 'must not be empty'));
const millis = () =>
  z.optional(
    z
      .number()
      .check(z.refine((n) => Number.isSafeInteger(n) && n >= 0, 'must be milliseconds (0 = no limit)')),
  );
const intIn = (min: number, max: number, what: string) =>
  z.number().check(z.refine((n) => Number.isSafeInteger(n) && n >= min && n <= max, what));
const httpUrl = () =>
  z
    .string('must be an http(s) URL')
    .check(
      z.refine(
        (v) => URL.canParse(v) && /^https?:$/.test(new URL(v).protocol),
        'must be an absolute http(s) URL',
      ),
    );

const overridesSchema: z.ZodMiniType<S3ProfileOverrides, S3ProfileOverrides> = z.strictObject({
  forcePathStyle: flag(),
  requestChecksumCalculation: checksumMode(),
  responseChecksumValidation: checksumMode(),
  deleteObjectsContentMd5: flag(),
  acl: flag(),
  writeIfNoneMatch: flag(),
  writeIfMatch: flag(),
  multipartIfNoneMatch: flag(),
  multipartIfMatch: flag(),
  copyConditionalWrite: flag(),
  lifecycle: flag(),
  dropsEmptyMetadataValues: flag(),
  postPolicy: flag(),
  listOrder: z.optional(z.enum(['lexicographic', 'tree'], 'must be "lexicographic" or "tree"')),
  maxObjectSize: z.optional(positiveInteger()),
  maxCopySize: z.optional(positiveInteger()),
  defaultRegion: z.optional(nonEmpty()),
  endpointTemplate: z.optional(nonEmpty()),
  endpointRequired: z.optional(nonEmpty()),
});

const credentialsSchema: z.ZodMiniType<ParsedS3Credentials, S3Credentials> = z.strictObject(
  {
    accessKeyId: secretSchema(),
    secretAccessKey: secretSchema(),
    sessionToken: z.optional(secretSchema()),
  },
  'must be { accessKeyId, secretAccessKey, sessionToken? }',
);

const clientSchema = z.custom<S3Client>(
  // Duck-typed: an app's client may come from another copy of the SDK.
  (v) =>
    typeof v === 'object' &&
    v !== null &&
    typeof (v as S3Client).send === 'function' &&
    typeof (v as S3Client).middlewareStack === 'object',
  'must be an S3Client',
);

/**
 * The SDK tuning settings as zod/mini schemas: a provider package that passes them through
 * (`@stowage/spaces`) spreads these into its own strict schema, so they are checked with the
 * same rules and reported under its own name.
 */
export const s3TuningSettings = {
  maxSockets: z.optional(intIn(1, 4096, 'must be an integer from 1 to 4096')),
  connectionTimeout: millis(),
  requestTimeout: millis(),
  responseTimeout: millis(),
  maxAttempts: z.optional(intIn(1, 20, 'must be an integer from 1 to 20')),
  requestChecksumCalculation: checksumMode(),
  responseChecksumValidation: checksumMode(),
  httpAgent: z.optional(z.custom<HttpAgent>((v) => v instanceof HttpAgent, 'must be an http.Agent')),
  httpsAgent: z.optional(z.custom<HttpsAgent>((v) => v instanceof HttpsAgent, 'must be an https.Agent')),
};

/** Every connection setting as a zod/mini schema (see `s3TuningSettings`). */
export const s3ConnectionSettings = {
  // The providers are the profiles' names: a new profile needs no change here.
  provider: z.optional(
    z.enum(
      Object.keys(S3_PROFILES) as [S3Provider, ...S3Provider[]],
      `must be ${Object.keys(S3_PROFILES)
        .map((p) => JSON.stringify(p))
        .join(', ')
        .replace(/, ([^,]*)$/, ' or $1')}`,
    ),
  ),
  overrides: z.optional(overridesSchema),
  endpoint: z.optional(httpUrl()),
  region: z.optional(nonEmpty()),
  forcePathStyle: flag(),
  credentials: z.optional(credentialsSchema),
  profile: z.optional(nonEmpty()),
  client: z.optional(clientSchema),
  clock: z.optional(clockSchema<Clock>()),
  name: z.optional(nonEmpty()),
  ...s3TuningSettings,
};

/** The upload settings of a store as zod/mini schemas. */
export const s3UploadSettings = {
  multipartThreshold: z.optional(
    intIn(MIN_PART_SIZE, Number.MAX_SAFE_INTEGER, `must be an integer of at least ${MIN_PART_SIZE} (5 MiB)`),
  ),
  partSize: z.optional(
    intIn(MIN_PART_SIZE, 5 * 1024 * MiB, `must be an integer from ${MIN_PART_SIZE} (5 MiB) to 5 GiB`),
  ),
  queueSize: z.optional(intIn(1, 64, 'must be an integer from 1 to 64')),
};

/** Every store setting as a zod/mini schema: build a provider's own schema from these. */
export const s3StoreSettings = {
  ...s3ConnectionSettings,
  bucket: z.string('must be a bucket name').check(
    z.superRefine((name: string, ctx) => {
      const problem = bucketNameProblem(name);
      if (problem !== undefined) ctx.issues.push({ code: 'custom', message: problem, input: name });
    }),
  ),
  ...s3UploadSettings,
  publicUrlBase: z.optional(httpUrl()),
};

/** Settings that build the SDK client, so they cannot sit beside a caller's own `client`. */
const CLIENT_BUILDING = [
  'credentials',
  'profile',
  'maxSockets',
  'connectionTimeout',
  'requestTimeout',
  'responseTimeout',
  'maxAttempts',
  'requestChecksumCalculation',
  'responseChecksumValidation',
  'httpAgent',
  'httpsAgent',
] as const;

/** Refuses client-building settings beside `client`, naming each. */
export function notBesideClient<T extends { client?: unknown }>() {
  return z.superRefine((config: T, ctx) => {
    if (config.client === undefined) return;
    for (const name of CLIENT_BUILDING) {
      if ((config as Record<string, unknown>)[name] !== undefined) {
        ctx.issues.push({
          code: 'custom',
          path: [name],
          message: 'cannot be combined with client (configure your S3Client instead)',
          input: config,
        });
      }
    }
  });
}

/** Refuses a configuration without `endpoint` (or `client`) whose profile has no fixed endpoint. */
export function endpointWhereRequired<
  T extends { provider?: S3Provider; overrides?: S3ProfileOverrides; endpoint?: string; client?: unknown },
>() {
  return z.superRefine((config: T, ctx) => {
    if (config.endpoint !== undefined || config.client !== undefined) return;
    const profile = resolveProfile(config.provider ?? 'aws', config.overrides ?? {});
    if (profile.endpointRequired === undefined || profile.endpointTemplate !== undefined) return;
    ctx.issues.push({
      code: 'custom',
      path: ['endpoint'],
      message: `is required by the ${profile.provider} profile: ${profile.endpointRequired}`,
      input: config,
    });
  });
}

type Unresolved<T> = Omit<T, 'credentials'> & { credentials?: ParsedS3Credentials };

/** Validates a connection (unresolved: no profile applied). */
export const s3ConnectionConfigSchema: z.ZodMiniType<Unresolved<S3ConnectionConfig>, S3ConnectionConfig> = z
  .strictObject(s3ConnectionSettings)
  .check(notBesideClient<S3ConnectionConfig>(), endpointWhereRequired<S3ConnectionConfig>());

/** Validates a store configuration (unresolved: no profile applied). */
export const s3StoreConfigSchema: z.ZodMiniType<Unresolved<S3StoreConfig>, S3StoreConfig> = z
  .strictObject(s3StoreSettings)
  .check(notBesideClient<S3StoreConfig>(), endpointWhereRequired<S3StoreConfig>());

/** The default store name: the provider's (`seaweedfs`, `spaces`, `generic`), but `s3` for AWS. */
export function defaultStoreName(provider: S3Provider | undefined): string {
  return provider === undefined || provider === 'aws' || !(provider in S3_PROFILES) ? 's3' : provider;
}

/** Applies the profile and the defaults to a validated connection. */
export function resolveS3Connection(config: Unresolved<S3ConnectionConfig>): ParsedS3Connection {
  const provider = config.provider ?? 'aws';
  const profileData = resolveProfile(provider, config.overrides ?? {});
  const region = config.region ?? profileData.defaultRegion;
  const endpoint = config.endpoint ?? profileData.endpointTemplate?.replace('{region}', region);
  const out: ParsedS3Connection = {
    provider,
    profileData,
    name: config.name ?? defaultStoreName(provider),
    region,
    forcePathStyle: config.forcePathStyle ?? profileData.forcePathStyle,
    requestChecksumCalculation: config.requestChecksumCalculation ?? profileData.requestChecksumCalculation,
    responseChecksumValidation: config.responseChecksumValidation ?? profileData.responseChecksumValidation,
    maxSockets: config.maxSockets ?? S3_DEFAULTS.maxSockets,
    connectionTimeout: config.connectionTimeout ?? S3_DEFAULTS.connectionTimeout,
    requestTimeout: config.requestTimeout ?? S3_DEFAULTS.requestTimeout,
    responseTimeout: config.responseTimeout ?? S3_DEFAULTS.responseTimeout,
    maxAttempts: config.maxAttempts ?? S3_DEFAULTS.maxAttempts,
  };
  if (endpoint !== undefined) out.endpoint = endpoint;
  for (const name of ['credentials', 'profile', 'client', 'clock', 'httpAgent', 'httpsAgent'] as const) {
    if (config[name] !== undefined) (out as unknown as Record<string, unknown>)[name] = config[name];
  }
  return out;
}

/** Applies the profile and the defaults to a validated store configuration. */
export function resolveS3StoreConfig(config: Unresolved<S3StoreConfig>): ParsedS3StoreConfig {
  const out: ParsedS3StoreConfig = {
    ...resolveS3Connection(config),
    bucket: config.bucket,
    multipartThreshold: config.multipartThreshold ?? S3_DEFAULTS.multipartThreshold,
    partSize: config.partSize ?? S3_DEFAULTS.partSize,
    queueSize: config.queueSize ?? S3_DEFAULTS.queueSize,
  };
  if (config.publicUrlBase !== undefined) out.publicUrlBase = config.publicUrlBase;
  return out;
}

/**
 * Validates and resolves a store configuration.
 * @throws ConfigInvalid naming each bad setting ("Invalid s3 configuration: bucket: …").
 */
export function parseS3StoreConfig(config: S3StoreConfig, component = 's3'): ParsedS3StoreConfig {
  return resolveS3StoreConfig(parseConfig(s3StoreConfigSchema, config, component));
}

/**
 * Validates and resolves a connection.
 * @throws ConfigInvalid naming each bad setting.
 */
export function parseS3ConnectionConfig(config: S3ConnectionConfig, component = 's3'): ParsedS3Connection {
  return resolveS3Connection(parseConfig(s3ConnectionConfigSchema, config, component));
}
