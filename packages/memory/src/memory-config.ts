import type { Clock } from '@stowage/core';
import {
  baseUrlSchema,
  clockSchema,
  parseConfig,
  positiveInteger,
  type Secret,
  secretSchema,
} from '@stowage/kit';
import * as z from 'zod/mini';

/** Configuration of `MemoryObjectStore`. */
export interface MemoryStoreConfig {
  /** Time source for lastModified and presign expiry. Default: the system clock. */
  clock?: Clock;
  /**
   * Base URL of an object server for this store (`createMemoryPresignServer`). Without it
   * presigning is unsupported: memory has no HTTP endpoint of its own.
   */
  presignBaseUrl?: string;
  /** HMAC key for presigned URLs, at least 16 bytes. Default: 32 random bytes per store. */
  presignSecret?: string | Secret;
  /** Largest object accepted, in bytes; larger puts fail with `PayloadTooLarge`. */
  maxObjectSize?: number;
}

/** The parsed configuration: secrets held as `Secret`, URLs normalised. */
export interface ParsedMemoryStoreConfig {
  clock?: Clock;
  presignBaseUrl?: string;
  presignSecret?: Secret;
  maxObjectSize?: number;
}

export const memoryStoreConfigSchema: z.ZodMiniType<ParsedMemoryStoreConfig, MemoryStoreConfig> =
  z.strictObject({
    clock: z.optional(clockSchema<Clock>()),
    presignBaseUrl: z.optional(baseUrlSchema()),
    presignSecret: z.optional(
      secretSchema().check(z.refine((secret) => secret.reveal().length >= 16, 'must be at least 16 bytes')),
    ),
    maxObjectSize: z.optional(positiveInteger()),
  });

/** @throws ConfigInvalid naming each bad setting. */
export function parseMemoryStoreConfig(config: MemoryStoreConfig = {}): ParsedMemoryStoreConfig {
  return parseConfig(memoryStoreConfigSchema, config, 'memory');
}
