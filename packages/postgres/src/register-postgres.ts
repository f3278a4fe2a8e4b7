import { TOKENS, type ValueContainer } from '@stowage/core';
import { PostgresAuditLog } from './postgres-audit-log.js';
import type { PostgresConfig } from './postgres-config.js';
import { PostgresDatabase } from './postgres-database.js';
import { PostgresJobStateStore } from './postgres-job-state-store.js';
import { PostgresLocks } from './postgres-locks.js';
import { PostgresMetadataRepository } from './postgres-metadata-repository.js';
import { PostgresRolloutState } from './postgres-rollout-state.js';

export interface PostgresRegistration {
  database: PostgresDatabase;
  metadata: PostgresMetadataRepository;
  audit: PostgresAuditLog;
  jobs: PostgresJobStateStore;
  locks: PostgresLocks;
  rollouts: PostgresRolloutState;
  /** Closes locks, rollout watching and the database: the process can then exit. */
  close(): Promise<void>;
}

/**
 * Opens the database (applying migrations) and registers the metadata repository, audit
 * log, job state, locks and rollout state on it.
 * @throws as `PostgresDatabase.open`; nothing is registered then.
 */
export async function registerPostgres(
  container: ValueContainer,
  config: PostgresConfig = {},
): Promise<PostgresRegistration> {
  const database = await PostgresDatabase.open(config);
  const registration: PostgresRegistration = {
    database,
    metadata: new PostgresMetadataRepository(database),
    audit: new PostgresAuditLog(database),
    jobs: new PostgresJobStateStore(database),
    locks: new PostgresLocks(database),
    rollouts: new PostgresRolloutState(database),
    close: async () => {
      await registration.locks.close();
      await registration.rollouts.close();
      await database.close();
    },
  };
  container.register(TOKENS.MetadataRepository, { useValue: registration.metadata });
  container.register(TOKENS.AuditLog, { useValue: registration.audit });
  container.register(TOKENS.JobStateStore, { useValue: registration.jobs });
  container.register(TOKENS.Locks, { useValue: registration.locks });
  container.register(TOKENS.RolloutState, { useValue: registration.rollouts });
  return registration;
}
