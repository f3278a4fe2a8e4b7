import { isAbsolute, resolve } from 'node:path';
import type { Clock } from '@stowage/core';
import { baseUrlSchema, clockSchema, parseConfig, type Secret, secretSchema } from '@stowage/kit';
import * as z from 'zod/mini';

/** Presigning: the local server that verifies the URLs, and the key they are signed with. */
export interface LocalSigningConfig {
  /**
   * HMAC key for presigned URLs, at least 16 characters (e.g. 32 random bytes as hex). Give it
   * as a `Secret` to keep it out of your own logs too; the store holds it as one either way.
   */
  secret: string | Secret;
  /** Base URL of the local server that verifies the URLs, e.g. `http://127.0.0.1:8787/`. */
  baseUrl: string;
}

/** Configuration of `LocalObjectStore`. */
export interface LocalStoreConfig {
  /** Directory holding the objects; created when missing. Relative paths resolve against the cwd. */
  root: string;
  /** Time source for lastModified and presign expiry. Default: the system clock. */
  clock?: Clock;
  /** Base URL under which the local server serves public objects (what `LocalCdn` uses). */
  publicBaseUrl?: string;
  /** Enables presignGet/presignPut; without it they throw `Unsupported`. */
  signing?: LocalSigningConfig;
  /**
   * fsync file data and directories on every write (default true). `false` trades crash
   * durability for speed: writes stay atomic for readers but may be lost on power failure.
   */
  fsync?: boolean;
}

/** The parsed configuration: an absolute root, the secret held as a `Secret`, URLs normalised. */
export interface ParsedLocalStoreConfig {
  root: string;
  clock?: Clock;
  publicBaseUrl?: string;
  signing?: { secret: Secret; baseUrl: string };
  fsync: boolean;
}

const rootSchema = z.pipe(
  z.string('must be a directory path (string)').check(
    z.minLength(1, 'must not be empty'),
    z.refine((path) => !path.includes('\0'), 'must not contain NUL'),
  ),
  z.transform((path: string) => (isAbsolute(path) ? resolve(path) : resolve(process.cwd(), path))),
);

export const localSigningConfigSchema: z.ZodMiniType<
  { secret: Secret; baseUrl: string },
  LocalSigningConfig
> = z.strictObject(
  {
    secret: secretSchema().check(
      z.refine(
        (secret) => secret.reveal().length >= 16,
        'must be at least 16 characters (use e.g. 32 random bytes as hex)',
      ),
    ),
    baseUrl: baseUrlSchema(),
  },
  'must be { secret, baseUrl }',
);

export const localStoreConfigSchema: z.ZodMiniType<ParsedLocalStoreConfig, LocalStoreConfig> = z.strictObject(
  {
    root: rootSchema,
    clock: z.optional(clockSchema<Clock>()),
    publicBaseUrl: z.optional(baseUrlSchema()),
    signing: z.optional(localSigningConfigSchema),
    fsync: z._default(z.boolean('must be true or false'), true),
  },
  'must be an object of settings ({ root, … })',
);

/** @throws ConfigInvalid naming each bad setting ("Invalid local configuration: <setting>: …"). */
export function parseLocalStoreConfig(config: LocalStoreConfig): ParsedLocalStoreConfig {
  return parseConfig(localStoreConfigSchema, config, 'local');
}
