import { type Clock, StorageError, SystemClock } from '@stowage/core';
import { type MigrationReport, migrate } from './migrations/migrate.js';
import { type PostgresConfig, parsePostgresConfig } from './postgres-config.js';
import { isRetryableConflict, mapSqlError } from './sql/map-sql-error.js';
import { PgClient } from './sql/pg-client.js';
import { PGliteClient } from './sql/pglite-client.js';
import type { SqlClient, SqlQueryable } from './sql/sql-client.js';

/** Transactions that lose a serialization race or a deadlock run again, this many times in all. */
const TRANSACTION_ATTEMPTS = 5;

/**
 * One database (a PostgreSQL server or PGlite) and what every repository on it shares: the
 * connection, the clock, retries. Open it once, build the repositories on it, and `close()` it
 * when done: an open pool or PGlite instance keeps the process alive.
 */
export class PostgresDatabase {
  /** What `migrate` did when the database was opened. */
  migrations: MigrationReport = { applied: [], current: 0 };

  private constructor(
    readonly sql: SqlClient,
    readonly clock: Clock,
    readonly rolloutPollMs: number,
  ) {}

  /** "postgres" or "pglite" (the backend named in errors). */
  get name(): string {
    return this.sql.kind;
  }

  /**
   * Connects (or starts PGlite) and applies pending migrations.
   * @throws ConfigInvalid for bad settings or a database migrated by other code.
   * @throws Unavailable when the server cannot be reached.
   * @throws Conflict when another process has the PGlite directory open.
   */
  static async open(config: PostgresConfig = {}): Promise<PostgresDatabase> {
    const parsed = parsePostgresConfig(config);
    const sql: SqlClient =
      parsed.url !== undefined
        ? new PgClient({
            connectionString: parsed.url.reveal(),
            ...(parsed.poolSize === undefined ? {} : { max: parsed.poolSize }),
            ...(parsed.statementTimeoutMs === undefined
              ? {}
              : { statementTimeoutMs: parsed.statementTimeoutMs }),
          })
        : await PGliteClient.open(parsed.dataDir);
    const db = new PostgresDatabase(sql, parsed.clock ?? new SystemClock(), parsed.rolloutPollMs ?? 1_000);
    try {
      if (parsed.migrate !== false) db.migrations = await migrate(sql);
      else await db.query('open', 'SELECT 1');
    } catch (error) {
      await sql.close().catch(() => {});
      throw error;
    }
    return db;
  }

  /** One statement, failures mapped to StorageErrors. */
  async query<T = Record<string, unknown>>(
    operation: string,
    text: string,
    params: readonly unknown[] = [],
    key?: string,
  ): Promise<{ rows: T[]; rowCount: number }> {
    try {
      return await this.sql.query<T>(text, params);
    } catch (error) {
      throw mapSqlError(error, this.ctx(operation, key));
    }
  }

  /**
   * `work` in one transaction, run again (a bounded number of times) when it loses a
   * serialization race or a deadlock; every other failure rolls back and is mapped.
   */
  async transaction<T>(operation: string, work: (tx: SqlQueryable) => Promise<T>, key?: string): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.sql.transaction(work);
      } catch (error) {
        if (isRetryableConflict(error) && attempt < TRANSACTION_ATTEMPTS) {
          await new Promise((resolve) => setTimeout(resolve, Math.random() * 10 * attempt));
          continue;
        }
        throw mapSqlError(error, this.ctx(operation, key));
      }
    }
  }

  ctx(operation: string, key?: string): { operation: string; key?: string; backend: string } {
    return key === undefined ? { operation, backend: this.name } : { operation, key, backend: this.name };
  }

  /** Closes the pool (or PGlite and its directory lock). */
  async close(): Promise<void> {
    try {
      await this.sql.close();
    } catch (error) {
      throw new StorageError('Unexpected', 'Closing the database failed', {
        ...this.ctx('close'),
        cause: error,
      });
    }
  }
}
