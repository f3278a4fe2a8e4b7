import type { AuditLog, Clock, JobStateStore, Locks, MetadataRepository, RolloutState } from '@stowage/core';
import type { Secret } from '@stowage/kit';
import {
  InProcessLocks,
  MemoryAuditLog,
  MemoryJobStateStore,
  MemoryMetadataRepository,
  MemoryRolloutState,
} from '@stowage/memory';
import {
  PostgresAuditLog,
  PostgresDatabase,
  PostgresJobStateStore,
  PostgresLocks,
  PostgresMetadataRepository,
  PostgresRolloutState,
} from '@stowage/postgres';

/** Where the repository-backed ports live. */
export type DatabaseChoice =
  | { kind: 'memory' }
  | { kind: 'embedded'; dataDir: string }
  | { kind: 'server'; url: Secret; poolSize?: number };

/** The repository-backed ports of one database, and how to let it go. */
export interface OpenedDatabase {
  readonly kind: DatabaseChoice['kind'];
  /** Shared by every process on the same PostgreSQL server; one process's own otherwise. */
  readonly shared: boolean;
  readonly metadata: MetadataRepository;
  readonly audit: AuditLog;
  readonly jobs: JobStateStore;
  readonly locks: Locks;
  readonly rollouts: RolloutState;
  /** Answers when the database can be queried; throws what the database throws otherwise. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

/**
 * Opens the database a runtime keeps metadata, audit, job state, locks and rollouts in:
 * nothing kept (memory), PGlite in a directory (one process), or a PostgreSQL server (a
 * fleet). Migrations run on open.
 * @throws ConfigInvalid for a URL or directory that cannot be used; Unavailable when the
 *   server cannot be reached; Conflict when another process holds the PGlite directory.
 */
export async function openDatabase(choice: DatabaseChoice, clock: Clock): Promise<OpenedDatabase> {
  if (choice.kind === 'memory') {
    const locks = new InProcessLocks();
    const rollouts = new MemoryRolloutState({ clock });
    return {
      kind: 'memory',
      shared: false,
      metadata: new MemoryMetadataRepository({ clock }),
      audit: new MemoryAuditLog({ clock }),
      jobs: new MemoryJobStateStore({ clock }),
      locks,
      rollouts,
      ping: async () => {},
      close: async () => {
        await rollouts.close();
      },
    };
  }
  const database = await PostgresDatabase.open(
    choice.kind === 'embedded'
      ? { dataDir: choice.dataDir, clock }
      : { url: choice.url, clock, ...(choice.poolSize === undefined ? {} : { poolSize: choice.poolSize }) },
  );
  const locks = new PostgresLocks(database);
  const rollouts = new PostgresRolloutState(database);
  return {
    kind: choice.kind,
    shared: choice.kind === 'server',
    metadata: new PostgresMetadataRepository(database),
    audit: new PostgresAuditLog(database),
    jobs: new PostgresJobStateStore(database),
    locks,
    rollouts,
    ping: async () => {
      await database.query('ping', 'select 1');
    },
    close: async () => {
      await locks.close();
      await rollouts.close();
      await database.close();
    },
  };
}
