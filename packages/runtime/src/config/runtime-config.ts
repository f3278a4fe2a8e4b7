import { baseUrlSchema, parseConfig, positiveInteger, type Secret, secretSchema } from '@stowage/kit';
import * as z from 'zod/mini';

export const STORAGE_MODES = ['memory', 'local', 's3', 'spaces', 'seaweedfs', 'hybrid'] as const;
export type StorageMode = (typeof STORAGE_MODES)[number];
/** What a hybrid side can be. */
export const SIDE_MODES = ['memory', 'local', 's3', 'spaces', 'seaweedfs'] as const;
export type SideMode = (typeof SIDE_MODES)[number];

/**
 * Everything the runtime can be told, from a JSON file, the environment (see `from-env.ts`)
 * and explicit overrides, merged in that order. Secrets are `Secret`s once parsed.
 */
/** Settings of an S3-family backend (s3, spaces, seaweedfs). */
export interface S3Section {
  /** Which server's quirks to expect; default `aws` in s3 mode, fixed in spaces and seaweedfs modes. */
  provider?: 'aws' | 'spaces' | 'seaweedfs' | 'generic';
  bucket?: string;
  region?: string;
  endpoint?: string;
  accessKeyId?: string;
  /** Without it, the AWS default credential chain (env, profile, instance role). */
  secretAccessKey?: string | Secret;
  sessionToken?: string | Secret;
  forcePathStyle?: boolean;
  /** Public objects are served from here (a CDN); default the bucket's own URL. */
  cdnUrl?: string;
}

export interface RuntimeConfig {
  /** Which backend holds the bytes; default `local` (no cloud, no database server). */
  mode?: StorageMode;
  /** `production`, `development`, `test`, …: JSON documents of non-production environments get a suffix. Default production. */
  environment?: string;
  /** Writes and deletes are logged and reported, not performed. Default false. */
  dryRun?: boolean;
  /** Where local mode keeps objects and its embedded database; default `./.stowage`. */
  dataDir?: string;
  local?: {
    /** Object files; default `<dataDir>/objects`. */
    root?: string;
    /** fsync every write (durable against power loss); default true. */
    fsync?: boolean;
    /** HMAC key for signed URLs; default a key generated once and kept in `<dataDir>/signing.key`. */
    signingSecret?: string | Secret;
  };
  s3?: S3Section;
  hybrid?: {
    /** The side keys move away from; default `local`. */
    from?: SideMode;
    /** The side keys move to; default `s3`. */
    to?: SideMode;
    /** Share of keys on `to` (0–100) when no database holds a shared rollout; default 0. */
    percentage?: number;
    /** Name of the shared rollout in the database; default `default`. */
    rollout?: string;
    /** S3 settings of the `from` side when both sides are S3-family; default `s3`. */
    fromS3?: S3Section;
    /** S3 settings of the `to` side; default `s3`. */
    toS3?: S3Section;
  };
  database?: {
    /** PostgreSQL (`postgres://…`): shared by a fleet. Without it: PGlite in `<dataDir>/db` (one process). */
    url?: string | Secret;
    /** `embedded` (PGlite, default), `server` (needs `url`), or `memory` (nothing kept). */
    kind?: 'embedded' | 'server' | 'memory';
    /** PGlite's directory; default `<dataDir>/db`. */
    dataDir?: string;
    poolSize?: number;
  };
  auth?: {
    /**
     * The server secret API keys derive from; every instance of a fleet needs the same one.
     * Default: made once and kept in `<dataDir>/auth.key` (right for one machine).
     */
    secret?: string | Secret;
  };
  /** Settings of the HTTP service (apps/api). */
  api?: {
    /** HS256 secret for JWT bearer tokens (local mode, tests). */
    jwtSecret?: string | Secret;
    /** JWKS URL for JWT bearer tokens from an identity provider (production). */
    jwksUrl?: string;
    /** Required `iss` of JWTs, when set. */
    jwtIssuer?: string;
    /** Required `aud` of JWTs, when set. */
    jwtAudience?: string;
    /** Requests per key (or per address without one) per minute; default 600. */
    rateLimitPerMinute?: number;
    /** Redis (`redis://…`) shares rate limits across instances; without it each instance counts alone. */
    redisUrl?: string | Secret;
    /** `/metrics` without auth; default true (scrape from a private network). */
    metricsPublic?: boolean;
    /** Largest upload in bytes; default 5 GiB (uploads of more go through resumable sessions). */
    maxUploadBytes?: number;
    /** How long shutdown waits for transfers in flight; default 30000 ms. */
    shutdownGraceMs?: number;
  };
  server?: {
    /** Default 127.0.0.1. */
    host?: string;
    /** Default 8787. */
    port?: number;
    /** How clients reach this server (behind a proxy); default `http://<host>:<port>/`. */
    publicUrl?: string;
  };
  /**
   * The S3-compatible gateway (`@stowage/s3-gateway`): the service also speaks the S3 protocol
   * on its own port when `port` is set; `stowage-s3-gateway` runs it alone (default port 9000).
   */
  gateway?: {
    /** Default `server.host`, else 127.0.0.1. */
    host?: string;
    /** The gateway's port; unset: the service serves no S3 protocol. 0 picks a free port. */
    port?: number;
    /**
     * The S3 bucket name the runtime's own store is served under; default `s3.bucket`. Without
     * one, local and memory modes serve only buckets made by CreateBucket, hybrid serves `stowage`.
     */
    bucket?: string;
  };
}

// Not distributive: `string | Secret` must become `Secret`, not `string | Secret`.
type Parsed<T> = [Exclude<T, undefined>] extends [string | Secret]
  ? Secret extends Exclude<T, undefined>
    ? Secret | Extract<T, undefined>
    : T
  : T extends object
    ? { [K in keyof T]: Parsed<T[K]> }
    : T;
export type ParsedRuntimeConfig = Parsed<RuntimeConfig>;

const nonEmpty = () => z.string().check(z.minLength(1, 'must not be empty'));
const side = z.enum(SIDE_MODES);
const s3Section = z.strictObject({
  provider: z.optional(z.enum(['aws', 'spaces', 'seaweedfs', 'generic'])),
  bucket: z.optional(nonEmpty()),
  region: z.optional(nonEmpty()),
  endpoint: z.optional(baseUrlSchema()),
  accessKeyId: z.optional(nonEmpty()),
  secretAccessKey: z.optional(secretSchema()),
  sessionToken: z.optional(secretSchema()),
  forcePathStyle: z.optional(z.boolean()),
  cdnUrl: z.optional(baseUrlSchema()),
});

export const runtimeConfigSchema: z.ZodMiniType<ParsedRuntimeConfig, RuntimeConfig> = z.strictObject({
  mode: z.optional(z.enum(STORAGE_MODES)),
  environment: z.optional(nonEmpty()),
  dryRun: z.optional(z.boolean()),
  dataDir: z.optional(nonEmpty()),
  local: z.optional(
    z.strictObject({
      root: z.optional(nonEmpty()),
      fsync: z.optional(z.boolean()),
      signingSecret: z.optional(
        secretSchema().check(z.refine((s) => s.reveal().length >= 16, 'must be at least 16 characters')),
      ),
    }),
  ),
  s3: z.optional(s3Section),
  hybrid: z.optional(
    z.strictObject({
      from: z.optional(side),
      to: z.optional(side),
      percentage: z.optional(
        z
          .number()
          .check(
            z.refine(
              (n) => Number.isInteger(n) && n >= 0 && n <= 100,
              'must be a whole number from 0 to 100',
            ),
          ),
      ),
      rollout: z.optional(
        z
          .string()
          .check(z.regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/, 'must be letters, digits, ".", "_" or "-"')),
      ),
      fromS3: z.optional(s3Section),
      toS3: z.optional(s3Section),
    }),
  ),
  database: z.optional(
    z.strictObject({
      url: z.optional(
        secretSchema().check(
          z.refine((s) => /^postgres(ql)?:\/\//.test(s.reveal()), 'must be a postgres:// URL'),
        ),
      ),
      kind: z.optional(z.enum(['embedded', 'server', 'memory'])),
      dataDir: z.optional(nonEmpty()),
      poolSize: z.optional(positiveInteger()),
    }),
  ),
  auth: z.optional(
    z.strictObject({
      secret: z.optional(
        secretSchema().check(z.refine((s) => s.reveal().length >= 16, 'must be at least 16 characters')),
      ),
    }),
  ),
  api: z.optional(
    z.strictObject({
      jwtSecret: z.optional(
        secretSchema().check(z.refine((s) => s.reveal().length >= 32, 'must be at least 32 characters')),
      ),
      jwksUrl: z.optional(
        z
          .string()
          .check(
            z.refine((u) => /^https?:\/\//.test(u) && URL.canParse(u), 'must be an absolute http(s) URL'),
          ),
      ),
      jwtIssuer: z.optional(nonEmpty()),
      jwtAudience: z.optional(nonEmpty()),
      rateLimitPerMinute: z.optional(positiveInteger()),
      redisUrl: z.optional(
        secretSchema().check(
          z.refine((s) => /^rediss?:\/\//.test(s.reveal()), 'must be a redis:// or rediss:// URL'),
        ),
      ),
      metricsPublic: z.optional(z.boolean()),
      maxUploadBytes: z.optional(positiveInteger()),
      shutdownGraceMs: z.optional(positiveInteger()),
    }),
  ),
  server: z.optional(
    z.strictObject({
      host: z.optional(nonEmpty()),
      port: z.optional(portNumber()),
      publicUrl: z.optional(baseUrlSchema()),
    }),
  ),
  gateway: z.optional(
    z.strictObject({
      host: z.optional(nonEmpty()),
      port: z.optional(portNumber()),
      bucket: z.optional(
        z.string().check(z.regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'must be an S3 bucket name')),
      ),
    }),
  ),
}) as unknown as z.ZodMiniType<ParsedRuntimeConfig, RuntimeConfig>;

function portNumber() {
  return z
    .number()
    .check(z.refine((n) => Number.isInteger(n) && n >= 0 && n <= 65535, 'must be a port from 0 to 65535'));
}

/** @throws ConfigInvalid naming every bad setting (never echoing a value). */
export function parseRuntimeConfig(config: RuntimeConfig): ParsedRuntimeConfig {
  return parseConfig(runtimeConfigSchema, config, 'stowage');
}
