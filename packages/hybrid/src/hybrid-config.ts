import type { Clock, JobStateStore, Locks, Logger, ObjectStore } from '@stowage/core';
import { clockSchema, parseConfig } from '@stowage/kit';
import * as z from 'zod/mini';

/** Configuration of `HybridObjectStore`. */
export interface HybridStoreConfig {
  /** The backend being migrated away from (keys in buckets >= percentage). */
  from: ObjectStore;
  /** The backend being migrated to (keys in buckets < percentage); a different store from `from`. */
  to: ObjectStore;
  /** Share of routing buckets (an integer from 0 to 100) sent to `to`. */
  percentage: number;
  /**
   * Durable home of pending cleanups (kind "hybrid-cleanup"). Without it they live in this
   * process only: a crash forgets them (reads stay correct for acknowledged data, see the
   * README, but stale copies are then left for the Migrator to find).
   */
  jobs?: JobStateStore;
  /** Separates the cleanup records of several hybrid stores sharing one JobStateStore: 1–64 of A–Z a–z 0–9 . _ -. Default "default". */
  namespace?: string;
  /** Time source for cleanup scheduling and record timestamps. Default: the system clock. */
  clock?: Clock;
  logger?: Logger;
  /**
   * After an operation, retry pending cleanups in the background when at least this many
   * milliseconds (by `clock`) passed since the last attempt. 0 turns it off. Default 5000.
   */
  cleanupIntervalMs?: number;
  /**
   * Per-key shared/exclusive locks (and, when following a rollout, its version gates). Pass
   * locks shared by every process of a rollout (e.g. `PostgresLocks`) together with a shared
   * `jobs`: the stale-copy records are then re-read under each key's lock. Default: locks
   * within this process.
   */
  locks?: Locks;
  /**
   * When following a rollout (`followRollout`): once the Migrator has settled the current
   * version, put/get/head/exists/delete run without per-key locks (README, "Several
   * processes"). `false` keeps every operation locked. Default true.
   */
  fastPath?: boolean;
  /** How often a process at an unsettled rollout version checks whether it was settled. Default 1000 ms. */
  settledCheckMs?: number;
}

/** The parsed configuration: defaults resolved. */
export interface ParsedHybridStoreConfig {
  from: ObjectStore;
  to: ObjectStore;
  percentage: number;
  jobs?: JobStateStore;
  namespace: string;
  clock?: Clock;
  logger?: Logger;
  cleanupIntervalMs: number;
  locks?: Locks;
  fastPath: boolean;
  settledCheckMs: number;
}

const OBJECT_STORE_METHODS = ['put', 'get', 'head', 'exists', 'delete', 'deleteMany', 'copy', 'listPage'];
const JOB_STATE_METHODS = ['get', 'save', 'delete', 'list'];
const LOGGER_METHODS = ['debug', 'info', 'warn', 'error', 'child'];
const LOCKS_METHODS = ['acquire', 'tryAcquire', 'close'];

/** An object with the methods of a port (it is used, never copied, so its own checks apply). */
function portSchema<T>(methods: readonly string[], what: string): z.ZodMiniType<T, T> {
  return z.custom<T, T>(
    (value) =>
      typeof value === 'object' &&
      value !== null &&
      methods.every((name) => typeof (value as Record<string, unknown>)[name] === 'function'),
    `must be ${what}`,
  );
}

/** The routing percentage: an integer from 0 to 100. */
const percentageSchema = z
  .number('must be an integer from 0 to 100')
  .check(z.refine((n) => Number.isInteger(n) && n >= 0 && n <= 100, 'must be an integer from 0 to 100'));

export const hybridStoreConfigSchema: z.ZodMiniType<ParsedHybridStoreConfig, HybridStoreConfig> = z
  .strictObject(
    {
      from: portSchema<ObjectStore>(OBJECT_STORE_METHODS, 'an ObjectStore'),
      to: portSchema<ObjectStore>(OBJECT_STORE_METHODS, 'an ObjectStore'),
      percentage: percentageSchema,
      jobs: z.optional(portSchema<JobStateStore>(JOB_STATE_METHODS, 'a JobStateStore')),
      namespace: z._default(
        z.string().check(z.regex(/^[A-Za-z0-9._-]{1,64}$/, 'must be 1-64 of A-Z a-z 0-9 . _ -')),
        'default',
      ),
      clock: z.optional(clockSchema<Clock>()),
      logger: z.optional(portSchema<Logger>(LOGGER_METHODS, 'a Logger')),
      cleanupIntervalMs: z._default(
        z
          .number('must be a non-negative number of milliseconds')
          .check(
            z.refine((n) => Number.isFinite(n) && n >= 0, 'must be a non-negative number of milliseconds'),
          ),
        5000,
      ),
      locks: z.optional(portSchema<Locks>(LOCKS_METHODS, 'a Locks')),
      fastPath: z._default(z.boolean('must be true or false'), true),
      settledCheckMs: z._default(
        z
          .number('must be a positive number of milliseconds')
          .check(z.refine((n) => Number.isFinite(n) && n > 0, 'must be a positive number of milliseconds')),
        1000,
      ),
    },
    'must be an object of settings',
  )
  .check(
    z.refine((config) => config.from !== config.to, {
      error: 'must be a different store from `from`',
      path: ['to'],
    }),
  );

/** @throws ConfigInvalid naming each bad setting. */
export function parseHybridStoreConfig(config: HybridStoreConfig): ParsedHybridStoreConfig {
  return parseConfig(hybridStoreConfigSchema, config, 'hybrid');
}
