import { isAbsolute, resolve } from 'node:path';
import { type Clock, StorageError } from '@stowage/core';
import { z } from 'zod';

export interface LocalSigningOptions {
  /** HMAC key for presigned URLs; at least 16 characters. Share it with `createLocalServer`. */
  secret: string;
  /** Base URL of the `createLocalServer` that verifies the URLs, e.g. `http://127.0.0.1:8787/`. */
  baseUrl: string;
}

export interface LocalObjectStoreOptions {
  /** Directory holding the objects; created when missing. Relative paths resolve against the cwd. */
  root: string;
  /** Time source for lastModified and presign expiry. Default: the system clock. */
  clock?: Clock;
  /** Base URL under which `createLocalServer` serves public objects (used by `LocalCdn`). */
  publicBaseUrl?: string;
  /** Enables presignGet/presignPut; without it they throw `Unsupported`. */
  signing?: LocalSigningOptions;
  /**
   * fsync file data and directories on every write (default true). `false` trades crash
   * durability for speed: writes stay atomic for readers but may be lost on power failure.
   */
  fsync?: boolean;
}

export interface ResolvedLocalOptions {
  root: string;
  clock: Clock | undefined;
  publicBaseUrl: string | undefined;
  signing: LocalSigningOptions | undefined;
  fsync: boolean;
}

/** An absolute http(s) URL without query, fragment or credentials, normalised to end with "/". */
const baseUrl = z
  .string()
  .trim()
  .refine(
    (value) => {
      let url: URL;
      try {
        url = new URL(value);
      } catch {
        return false;
      }
      return (
        (url.protocol === 'http:' || url.protocol === 'https:') &&
        url.search === '' &&
        url.hash === '' &&
        url.username === '' &&
        url.password === ''
      );
    },
    { message: 'must be an absolute http(s) URL without query, fragment or credentials' },
  )
  .transform((value) => {
    const href = new URL(value).href;
    return href.endsWith('/') ? href : `${href}/`;
  });

const schema = z
  .object({
    root: z
      .string({ error: 'must be a directory path (string)' })
      .min(1, { error: 'must not be empty' })
      .refine((p) => !p.includes('\0'), { error: 'must not contain NUL' }),
    clock: z
      .custom<Clock>((v) => typeof v === 'object' && v !== null && typeof (v as Clock).now === 'function', {
        error: 'must be an object with a now(): Date method',
      })
      .optional(),
    publicBaseUrl: baseUrl.optional(),
    signing: z
      .object(
        {
          secret: z
            .string({ error: 'must be a string' })
            .min(16, { error: 'must be at least 16 characters (use e.g. 32 random bytes as hex)' }),
          baseUrl,
        },
        { error: 'must be { secret, baseUrl }' },
      )
      .strict()
      .optional(),
    fsync: z.boolean({ error: 'must be true or false' }).optional(),
  })
  .strict();

/**
 * Validates the options, or throws `ConfigInvalid` naming the first bad setting
 * (e.g. `Invalid local setting "signing.secret": must be at least 16 characters`).
 */
export function parseLocalOptions(input: unknown): ResolvedLocalOptions {
  const result = schema.safeParse(input);
  if (!result.success) {
    const issue = result.error.issues[0];
    const path = (issue?.path ?? []).map(String).join('.');
    const setting = path === '' ? 'options' : path;
    const message =
      issue?.code === 'unrecognized_keys'
        ? `unknown setting(s) ${issue.keys.map((k) => JSON.stringify(k)).join(', ')}`
        : (issue?.message ?? 'invalid');
    throw new StorageError('ConfigInvalid', `Invalid local setting "${setting}": ${message}`, {
      backend: 'local',
      operation: 'configure',
      cause: result.error,
    });
  }
  const o = result.data;
  return {
    root: isAbsolute(o.root) ? resolve(o.root) : resolve(process.cwd(), o.root),
    clock: o.clock,
    publicBaseUrl: o.publicBaseUrl,
    signing: o.signing,
    fsync: o.fsync ?? true,
  };
}
