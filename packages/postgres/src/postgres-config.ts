import type { Clock } from '@stowage/core';
import { clockSchema, parseConfig, positiveInteger, type Secret, secretSchema } from '@stowage/kit';
import * as z from 'zod/mini';

/**
 * Where the database is. With `url`, a PostgreSQL server (shared by every process that points
 * at it: a fleet). Without it, PGlite in this process, keeping its files in `dataDir` (or in
 * memory without one): local mode's embedded database, one process at a time.
 */
export interface PostgresConfig {
  /** `postgres://user:password@host:5432/db`; a secret (it usually holds a password). */
  url?: string | Secret;
  /** PGlite's data directory when there is no `url`; omit for an in-memory database. */
  dataDir?: string;
  /** Connections in the pool (PostgreSQL only); default 10. */
  poolSize?: number;
  /** Statements running longer are cancelled (`Timeout`); default 30000 ms, 0 for none. */
  statementTimeoutMs?: number;
  /** Apply pending migrations on open (under an advisory lock); default true. */
  migrate?: boolean;
  /** Stamps records, events and job state; default the system clock. */
  clock?: Clock;
  /** Rollout changes are also polled this often, in case a notification was missed; default 1000 ms. */
  rolloutPollMs?: number;
}

export interface ParsedPostgresConfig {
  url?: Secret;
  dataDir?: string;
  poolSize?: number;
  statementTimeoutMs?: number;
  migrate?: boolean;
  clock?: Clock;
  rolloutPollMs?: number;
}

export const postgresConfigSchema: z.ZodMiniType<ParsedPostgresConfig, PostgresConfig> = z.strictObject({
  url: z.optional(
    secretSchema().check(
      z.refine((s) => /^postgres(ql)?:\/\//.test(s.reveal()), 'must be a postgres:// or postgresql:// URL'),
    ),
  ),
  dataDir: z.optional(z.string().check(z.minLength(1, 'must not be empty'))),
  poolSize: z.optional(positiveInteger()),
  statementTimeoutMs: z.optional(
    z.number().check(z.refine((n) => Number.isSafeInteger(n) && n >= 0, 'must be a non-negative integer')),
  ),
  migrate: z.optional(z.boolean()),
  clock: z.optional(clockSchema<Clock>()),
  rolloutPollMs: z.optional(positiveInteger()),
});

/** @throws ConfigInvalid naming each bad setting (never echoing the URL). */
export function parsePostgresConfig(config: PostgresConfig = {}): ParsedPostgresConfig {
  return parseConfig(postgresConfigSchema, config, 'postgres');
}
