import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { type Clock, StorageError } from '@stowage/core';
import { bucketNameProblem } from '@stowage/kit';
import { z } from 'zod';
import {
  type ChecksumMode,
  resolveProfile,
  S3_PROFILES,
  type S3Profile,
  type S3Provider,
} from './profiles.js';

const MiB = 1024 * 1024;
/** S3's smallest part (except the last). */
export const MIN_PART_SIZE = 5 * MiB;

const checksumMode = z.enum(['WHEN_SUPPORTED', 'WHEN_REQUIRED']);

const credentialsSchema = z.object({
  accessKeyId: z.string().min(1, 'must not be empty'),
  secretAccessKey: z.string().min(1, 'must not be empty'),
  sessionToken: z.string().min(1).optional(),
});

const overridesSchema = z
  .object({
    forcePathStyle: z.boolean(),
    requestChecksumCalculation: checksumMode,
    responseChecksumValidation: checksumMode,
    deleteObjectsContentMd5: z.boolean(),
    acl: z.boolean(),
    writeIfNoneMatch: z.boolean(),
    writeIfMatch: z.boolean(),
    multipartIfNoneMatch: z.boolean(),
    multipartIfMatch: z.boolean(),
    copyConditionalWrite: z.boolean(),
    lifecycle: z.boolean(),
    dropsEmptyMetadataValues: z.boolean(),
    listOrder: z.enum(['lexicographic', 'tree']),
    maxObjectSize: z.number().int().positive(),
    maxCopySize: z.number().int().positive(),
    defaultRegion: z.string().min(1),
    endpointTemplate: z.string().min(1),
  })
  .partial()
  .strict();

const clockSchema = z.custom<Clock>(
  (v) => typeof v === 'object' && v !== null && typeof (v as Clock).now === 'function',
  'must be an object with a now() method',
);

const httpUrl = z
  .string()
  .refine((v) => URL.canParse(v) && /^https?:$/.test(new URL(v).protocol), 'must be an http(s) URL');

/** How to reach an S3-compatible service: shared by the object store and the bucket admin. */
export const s3ConnectionSchema = z
  .object({
    /** Which provider's quirks apply (default `aws`). */
    provider: z.enum(['aws', 'spaces', 'seaweedfs', 'generic']).default('aws'),
    /** Per-quirk overrides of the provider profile. */
    overrides: overridesSchema.optional(),
    endpoint: httpUrl.optional(),
    region: z.string().min(1).optional(),
    /** Defaults to the profile's addressing style. */
    forcePathStyle: z.boolean().optional(),
    /** Explicit credentials; absent → the SDK's default provider chain (env, shared files, SSO, IMDS…). */
    credentials: credentialsSchema.optional(),
    /** Shared-config profile name for the default credential chain. */
    profile: z.string().min(1).optional(),
    requestChecksumCalculation: checksumMode.optional(),
    responseChecksumValidation: checksumMode.optional(),
    /** Sockets per origin in the keep-alive agent. */
    maxSockets: z.number().int().min(1).max(4096).default(64),
    /** Milliseconds to establish a connection (0 = no limit). */
    connectionTimeout: z.number().int().min(0).default(10_000),
    /**
     * Milliseconds of socket inactivity before a request fails with Timeout (0 = no limit). It
     * also applies while a response body streams: a body that stalls this long errors with Timeout.
     */
    requestTimeout: z.number().int().min(0).default(0),
    /**
     * Milliseconds from the start of a request (sending its body included) until the response
     * headers arrive, before it fails with Timeout (0 = no limit). Unlike `requestTimeout` it
     * also catches a server that trickles bytes; it does not bound reading a response body. For a
     * multipart upload it applies to each part. Keep it well above the time one part takes.
     */
    responseTimeout: z.number().int().min(0).default(0),
    /** SDK-level retries for throttling and 5xx (1 = no retry). */
    maxAttempts: z.number().int().min(1).max(20).default(3),
    clock: clockSchema.optional(),
    /**
     * Caller-owned agents (proxies, custom DNS lookup, one pool shared by several stores). They
     * replace the built-in keep-alive agents, so `maxSockets` does not apply; note that the SDK's
     * `destroy()` (called by the store's `destroy()`) destroys the agents it was given.
     */
    httpAgent: z.custom<HttpAgent>((v) => v instanceof HttpAgent, 'must be an http.Agent').optional(),
    httpsAgent: z.custom<HttpsAgent>((v) => v instanceof HttpsAgent, 'must be an https.Agent').optional(),
    /** Name used in errors and metrics (default: the provider name, "s3" for aws). */
    name: z.string().min(1).optional(),
  })
  .strict();

export const s3StoreSchema = s3ConnectionSchema
  .extend({
    bucket: z.string().superRefine((name, ctx) => {
      const problem = bucketNameProblem(name);
      if (problem !== undefined) ctx.addIssue({ code: 'custom', message: problem });
    }),
    /** In-memory bodies and streams below this many bytes go up in one PutObject. */
    multipartThreshold: z
      .number()
      .int()
      .min(MIN_PART_SIZE)
      .default(8 * MiB),
    /**
     * Part size for multipart uploads. Raised automatically when a known length (in-memory body
     * or `contentLength`) would need more than 10,000 parts; an unknown-length stream is limited
     * to `partSize × 10,000` bytes (78 GiB at 8 MiB) and fails with PayloadTooLarge beyond it.
     */
    partSize: z
      .number()
      .int()
      .min(MIN_PART_SIZE)
      .max(5 * 1024 * MiB)
      .default(8 * MiB),
    /**
     * Parts uploaded concurrently by one multipart upload. Memory per upload is about
     * `(queueSize + 1) × partSize`, plus Buffers the GC has not reclaimed yet: on the 1 GiB bench
     * 3 × 8 MiB grew peak RSS by 95–138 MiB (machine load moves it) at the same throughput where
     * 4 × 8 MiB grew 127–153; raw lib-storage with the same settings grows as much.
     */
    queueSize: z.number().int().min(1).max(64).default(3),
    /** Base URL that serves public objects (a CDN), used by `publicUrl`. */
    publicUrlBase: httpUrl.optional(),
  })
  .strict();

export type S3ConnectionConfig = z.input<typeof s3ConnectionSchema>;
export type S3StoreConfig = z.input<typeof s3StoreSchema>;
export type ResolvedS3Connection = z.output<typeof s3ConnectionSchema> & {
  profileData: S3Profile;
  region: string;
  forcePathStyle: boolean;
  requestChecksumCalculation: ChecksumMode;
  responseChecksumValidation: ChecksumMode;
};
export type ResolvedS3StoreConfig = z.output<typeof s3StoreSchema> & ResolvedS3Connection;

function formatIssues(error: z.ZodError, what: string): string {
  return error.issues
    .map((issue) => {
      const path = issue.path.length > 0 ? issue.path.join('.') : what;
      return `${path}: ${issue.message}`;
    })
    .join('; ');
}

function parse<S extends z.ZodType>(schema: S, input: unknown, what: string, backend: string): z.output<S> {
  const result = schema.safeParse(input);
  if (!result.success) {
    throw new StorageError(
      'ConfigInvalid',
      `Invalid ${what} configuration: ${formatIssues(result.error, what)}`,
      {
        backend,
        operation: 'configure',
      },
    );
  }
  return result.data;
}

function resolveConnection<T extends z.output<typeof s3ConnectionSchema>>(data: T): T & ResolvedS3Connection {
  const profileData = resolveProfile(data.provider as S3Provider, data.overrides ?? {});
  const region = data.region ?? profileData.defaultRegion;
  const endpoint = data.endpoint ?? profileData.endpointTemplate?.replace('{region}', region);
  return {
    ...data,
    endpoint,
    profileData,
    region,
    forcePathStyle: data.forcePathStyle ?? profileData.forcePathStyle,
    requestChecksumCalculation: data.requestChecksumCalculation ?? profileData.requestChecksumCalculation,
    responseChecksumValidation: data.responseChecksumValidation ?? profileData.responseChecksumValidation,
  };
}

/** The default store name: the provider's (`seaweedfs`, `spaces`, `generic`), but `s3` for AWS. */
export function defaultStoreName(provider: unknown): string {
  return typeof provider === 'string' && provider !== 'aws' && provider in S3_PROFILES ? provider : 's3';
}

/** The name errors should carry, from raw (unvalidated) configuration. */
export function backendNameOf(input: unknown): string {
  const raw = (typeof input === 'object' && input !== null ? input : {}) as {
    name?: unknown;
    provider?: unknown;
  };
  return typeof raw.name === 'string' && raw.name !== '' ? raw.name : defaultStoreName(raw.provider);
}

/** @throws ConfigInvalid naming the bad setting. */
export function parseS3StoreConfig(input: unknown, backend = 's3'): ResolvedS3StoreConfig {
  return resolveConnection(parse(s3StoreSchema, input, 's3', backend));
}

/** @throws ConfigInvalid naming the bad setting. */
export function parseS3ConnectionConfig(input: unknown, backend = 's3'): ResolvedS3Connection {
  return resolveConnection(parse(s3ConnectionSchema, input, 's3', backend));
}
