import { StorageError } from '@stowage/core';
import type { RuntimeConfig } from './runtime-config.js';

/**
 * The environment variables the runtime reads: Stowage's own `STOWAGE_*` names, and the names
 * the seed applications already use. Where several name one setting, the first set one in
 * this table wins (Stowage's own name first); that order is documented in the README.
 */
export const ENV_SETTINGS: ReadonlyArray<{
  setting: string;
  names: readonly string[];
  kind: 'string' | 'number' | 'boolean';
  /** What it does and its default: the settings table in the README is made from these. */
  help: string;
}> = [
  {
    setting: 'mode',
    names: ['STOWAGE_MODE', 'STORAGE_MODE'],
    kind: 'string',
    help: '`memory`, `local` (default), `s3`, `spaces`, `seaweedfs` or `hybrid`',
  },
  {
    setting: 'environment',
    names: ['STOWAGE_ENV', 'NODE_ENV'],
    kind: 'string',
    help: '`production` (default), `development`, `test`…: JSON documents and generated keys of non-production environments get a suffix (`-dev`, `-test`)',
  },
  {
    setting: 'dryRun',
    names: ['STOWAGE_DRY_RUN', 'DRY_RUN'],
    kind: 'boolean',
    help: '`true`: writes and deletes are logged and reported, not performed; reads work',
  },
  {
    setting: 'dataDir',
    names: ['STOWAGE_DATA_DIR'],
    kind: 'string',
    help: 'where local mode keeps objects, PGlite and its key files; default `./.stowage`',
  },
  {
    setting: 'local.root',
    names: ['STOWAGE_LOCAL_ROOT'],
    kind: 'string',
    help: "local mode's object files; default `<dataDir>/objects`",
  },
  {
    setting: 'local.fsync',
    names: ['STOWAGE_LOCAL_FSYNC'],
    kind: 'boolean',
    help: 'fsync every local write (durable against power loss); default `true`',
  },
  {
    setting: 'local.signingSecret',
    names: ['STOWAGE_SIGNING_SECRET'],
    kind: 'string',
    help: 'HMAC key of local signed URLs (≥ 16 chars); default made once in `<dataDir>/signing.key`',
  },
  {
    setting: 's3.provider',
    names: ['STOWAGE_S3_PROVIDER'],
    kind: 'string',
    help: "which server's quirks to expect in s3 mode: `aws` (default), `spaces`, `seaweedfs`, `generic`",
  },
  {
    setting: 's3.bucket',
    names: ['STOWAGE_S3_BUCKET', 'S3_BUCKET', 'S3_BUCKET_NAME', 'S3_MEDIA_BUCKET'],
    kind: 'string',
    help: 'the bucket (required in s3, spaces and seaweedfs modes)',
  },
  {
    setting: 's3.region',
    names: ['STOWAGE_S3_REGION', 'S3_REGION', 'S3_CLIENT_REGION', 'AWS_REGION'],
    kind: 'string',
    help: 'the region (Spaces: the datacenter slug, required); default `us-east-1`',
  },
  {
    setting: 's3.endpoint',
    names: ['STOWAGE_S3_ENDPOINT', 'S3_ENDPOINT', 'S3_SERVER_URL'],
    kind: 'string',
    help: "the server's URL for S3-compatible servers; default the provider's",
  },
  {
    setting: 's3.accessKeyId',
    names: ['STOWAGE_S3_ACCESS_KEY_ID', 'S3_ACCESS_KEY_ID'],
    kind: 'string',
    help: 'access key id; without it and the secret, the AWS default credential chain',
  },
  {
    setting: 's3.secretAccessKey',
    names: ['STOWAGE_S3_SECRET_ACCESS_KEY', 'S3_SECRET_ACCESS_KEY'],
    kind: 'string',
    help: 'secret access key (never shown)',
  },
  {
    setting: 's3.sessionToken',
    names: ['STOWAGE_S3_SESSION_TOKEN', 'S3_SESSION_TOKEN'],
    kind: 'string',
    help: 'session token of temporary credentials (never shown)',
  },
  {
    setting: 's3.forcePathStyle',
    names: ['STOWAGE_S3_FORCE_PATH_STYLE'],
    kind: 'boolean',
    help: 'path-style requests (`http://host/bucket/key`), for servers without virtual hosts',
  },
  {
    setting: 's3.cdnUrl',
    names: ['STOWAGE_CDN_URL', 'S3_CDN_URL'],
    kind: 'string',
    help: 'public objects are served from here (a CDN); default none',
  },
  {
    setting: 'hybrid.from',
    names: ['STOWAGE_HYBRID_FROM'],
    kind: 'string',
    help: 'the side keys move away from: `memory`, `local` (default), `s3`, `spaces`, `seaweedfs`',
  },
  {
    setting: 'hybrid.to',
    names: ['STOWAGE_HYBRID_TO'],
    kind: 'string',
    help: 'the side keys move to; default `s3`',
  },
  {
    setting: 'hybrid.percentage',
    names: ['STOWAGE_SPLIT_PERCENTAGE', 'S3_SPLIT_PERCENTAGE'],
    kind: 'number',
    help: 'share of keys on `to`, 0–100; with a database it only seeds a rollout never set',
  },
  {
    setting: 'hybrid.rollout',
    names: ['STOWAGE_ROLLOUT'],
    kind: 'string',
    help: 'name of the shared rollout in the database; default `default`',
  },
  {
    setting: 'database.url',
    names: ['STOWAGE_DATABASE_URL', 'DATABASE_URL'],
    kind: 'string',
    help: 'PostgreSQL (`postgres://…`), shared by a fleet; default none (PGlite in `<dataDir>/db`)',
  },
  {
    setting: 'database.kind',
    names: ['STOWAGE_DATABASE'],
    kind: 'string',
    help: '`embedded` (PGlite, default), `server` (needs the URL) or `memory` (default in memory mode)',
  },
  {
    setting: 'database.dataDir',
    names: ['STOWAGE_DATABASE_DIR'],
    kind: 'string',
    help: "PGlite's directory; default `<dataDir>/db`",
  },
  {
    setting: 'database.poolSize',
    names: ['STOWAGE_DATABASE_POOL_SIZE'],
    kind: 'number',
    help: 'connections to PostgreSQL; default 10',
  },
  {
    setting: 'auth.secret',
    names: ['STOWAGE_AUTH_SECRET'],
    kind: 'string',
    help: 'the server secret API keys derive from (≥ 16 chars, the same on every instance); default made once in `<dataDir>/auth.key`',
  },
  {
    setting: 'api.jwtSecret',
    names: ['STOWAGE_JWT_SECRET'],
    kind: 'string',
    help: 'HS256 secret for JWT bearer tokens (≥ 32 chars)',
  },
  {
    setting: 'api.jwksUrl',
    names: ['STOWAGE_JWKS_URL'],
    kind: 'string',
    help: "an identity provider's JWKS URL for JWT bearer tokens",
  },
  { setting: 'api.jwtIssuer', names: ['STOWAGE_JWT_ISSUER'], kind: 'string', help: 'required `iss` of JWTs' },
  {
    setting: 'api.jwtAudience',
    names: ['STOWAGE_JWT_AUDIENCE'],
    kind: 'string',
    help: 'required `aud` of JWTs',
  },
  {
    setting: 'api.rateLimitPerMinute',
    names: ['STOWAGE_RATE_LIMIT_PER_MINUTE'],
    kind: 'number',
    help: 'requests per key (or address) per minute; default 600',
  },
  {
    setting: 'api.redisUrl',
    names: ['STOWAGE_REDIS_URL', 'REDIS_URL'],
    kind: 'string',
    help: 'Redis (`redis://…`) to share rate limits across instances',
  },
  {
    setting: 'api.metricsPublic',
    names: ['STOWAGE_METRICS_PUBLIC'],
    kind: 'boolean',
    help: '`/metrics` without auth; default `true`',
  },
  {
    setting: 'api.maxUploadBytes',
    names: ['STOWAGE_MAX_UPLOAD_BYTES'],
    kind: 'number',
    help: 'largest upload in one request; default 5 GiB',
  },
  {
    setting: 'api.shutdownGraceMs',
    names: ['STOWAGE_SHUTDOWN_GRACE_MS'],
    kind: 'number',
    help: 'how long shutdown waits for transfers; default 30000',
  },
  {
    setting: 'server.host',
    names: ['STOWAGE_HOST'],
    kind: 'string',
    help: 'address to listen on; default `127.0.0.1`',
  },
  {
    setting: 'server.port',
    names: ['STOWAGE_PORT'],
    kind: 'number',
    help: 'port to listen on; default 8787',
  },
  {
    setting: 'server.publicUrl',
    names: ['STOWAGE_PUBLIC_URL'],
    kind: 'string',
    help: 'how clients reach the service (behind a proxy); default `http://<host>:<port>/`',
  },
  {
    setting: 'gateway.host',
    names: ['STOWAGE_GATEWAY_HOST'],
    kind: 'string',
    help: 'address the S3 gateway listens on; default `server.host`, else `127.0.0.1`',
  },
  {
    setting: 'gateway.port',
    names: ['STOWAGE_GATEWAY_PORT'],
    kind: 'number',
    help: 'the service also speaks S3 on this port (unset: no gateway); `stowage-s3-gateway` defaults to 9000',
  },
  {
    setting: 'gateway.bucket',
    names: ['STOWAGE_GATEWAY_BUCKET'],
    kind: 'string',
    help: "the S3 bucket name the runtime's own store is served under; default `s3.bucket`",
  },
];

/** `STOWAGE_*` names that are not settings but are read elsewhere (the config file, the CLI). */
const OTHER_STOWAGE_NAMES = new Set(['STOWAGE_CONFIG', 'STOWAGE_LOG_LEVEL']);
/** Variables of this repository's own tooling (test servers, benchmarks, Node setup). */
const TOOLING =
  /^STOWAGE_(SEAWEED_|MOTO_|SERVERS_|BENCH_|PROPERTY_|TEST_|FLEET_|POSTGRES_URL$|VENV$|NODE_VERSION$|PNPM_VERSION$|SOAK$|LOAD_SECONDS$|GATEWAY_BIG$|GATEWAY_FUZZ_RUNS$)/;

/**
 * The settings the environment gives. An unknown `STOWAGE_*` variable is an error (a typo
 * must not silently do nothing); test-server variables (`STOWAGE_SEAWEED_*`, `STOWAGE_MOTO_*`,
 * …) of this repository's tooling are left alone.
 * @throws ConfigInvalid naming the variable, never its value.
 */
export function configFromEnv(env: NodeJS.ProcessEnv = process.env): RuntimeConfig {
  const known = new Set(ENV_SETTINGS.flatMap((s) => s.names));
  for (const name of Object.keys(env)) {
    if (!name.startsWith('STOWAGE_') || known.has(name) || OTHER_STOWAGE_NAMES.has(name)) continue;
    if (TOOLING.test(name)) continue;
    throw new StorageError(
      'ConfigInvalid',
      `Unknown environment variable ${name} (see the settings table in the README)`,
      {
        operation: 'configure',
        backend: 'stowage',
      },
    );
  }
  const config: Record<string, unknown> = {};
  for (const { setting, names, kind } of ENV_SETTINGS) {
    const name = names.find((n) => env[n] !== undefined && env[n] !== '');
    if (name === undefined) continue;
    const raw = env[name]!;
    set(config, setting, convert(raw, kind, name, setting));
  }
  return config as RuntimeConfig;
}

function convert(raw: string, kind: 'string' | 'number' | 'boolean', name: string, setting: string): unknown {
  if (kind === 'string') return raw.trim();
  if (kind === 'number') {
    const n = Number(raw.trim());
    if (raw.trim() === '' || !Number.isFinite(n)) {
      throw new StorageError('ConfigInvalid', `${name} (${setting}) must be a number`, {
        operation: 'configure',
        backend: 'stowage',
      });
    }
    return n;
  }
  const value = raw.trim().toLowerCase();
  if (['1', 'true', 'yes', 'on'].includes(value)) return true;
  if (['0', 'false', 'no', 'off'].includes(value)) return false;
  throw new StorageError(
    'ConfigInvalid',
    `${name} (${setting}) must be true or false (1/0, yes/no, on/off)`,
    {
      operation: 'configure',
      backend: 'stowage',
    },
  );
}

function set(target: Record<string, unknown>, path: string, value: unknown): void {
  const parts = path.split('.');
  let at = target;
  for (const part of parts.slice(0, -1)) {
    at[part] ??= {};
    at = at[part] as Record<string, unknown>;
  }
  at[parts.at(-1)!] = value;
}

/** Deep merge of plain objects; later sources win, `undefined` never overwrites. */
export function mergeConfig(...sources: ReadonlyArray<RuntimeConfig | undefined>): RuntimeConfig {
  const out: Record<string, unknown> = {};
  for (const source of sources) {
    if (source === undefined) continue;
    for (const [key, value] of Object.entries(source)) {
      if (value === undefined) continue;
      const current = out[key];
      out[key] =
        isPlainObject(value) && isPlainObject(current)
          ? mergeConfig(current as RuntimeConfig, value as RuntimeConfig)
          : value;
    }
  }
  return out as RuntimeConfig;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && Object.getPrototypeOf(value) === Object.prototype;
}
