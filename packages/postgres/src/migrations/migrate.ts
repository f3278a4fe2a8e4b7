import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { StorageError } from '@stowage/core';
import { mapSqlError } from '../sql/map-sql-error.js';
import type { SqlClient } from '../sql/sql-client.js';

/** The advisory lock every migrating process takes: one migrates, the others wait and find nothing to do. */
const MIGRATION_LOCK = 735_710_001;

export interface Migration {
  version: number;
  name: string;
  sql: string;
  checksum: string;
}

export interface MigrationReport {
  applied: Migration[];
  /** Migrations that were applied before, verified unchanged. */
  current: number;
}

/** The migrations shipped with this package, `NNN_name.sql`, in version order. */
export function bundledMigrations(dir: URL = new URL('.', import.meta.url)): Migration[] {
  return readdirSync(dir)
    .filter((file) => /^\d{3}_[a-z0-9_]+\.sql$/.test(file))
    .sort()
    .map((file) => {
      const sql = readFileSync(new URL(file, dir), 'utf8');
      return {
        version: Number(file.slice(0, 3)),
        name: file.slice(4, -4),
        sql,
        checksum: createHash('sha256').update(sql).digest('hex'),
      };
    });
}

/**
 * Applies what is missing, each migration in its own transaction, under an advisory lock so
 * processes starting together apply each migration once. A migration recorded with other
 * contents than its file stops everything: the database is not what this code expects.
 * The same statements run on PostgreSQL and PGlite.
 * @throws ConfigInvalid when an applied migration's checksum differs from its file, or the
 *   database has migrations this code does not know (a newer version ran against it).
 */
export async function migrate(
  db: SqlClient,
  migrations: readonly Migration[] = bundledMigrations(),
): Promise<MigrationReport> {
  const ctx = { operation: 'migrate', backend: db.kind };
  const session = await db.session().catch((error: unknown) => {
    throw mapSqlError(error, ctx);
  });
  let failure: Error | undefined;
  try {
    await session.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
    try {
      await session.query(`CREATE TABLE IF NOT EXISTS stowage_migrations (
        version    integer PRIMARY KEY,
        name       text NOT NULL,
        checksum   text NOT NULL,
        applied_at timestamptz NOT NULL DEFAULT now()
      )`);
      const { rows } = await session.query<{ version: number; name: string; checksum: string }>(
        'SELECT version, name, checksum FROM stowage_migrations ORDER BY version',
      );
      const known = new Map(migrations.map((m) => [m.version, m]));
      for (const row of rows) {
        const mine = known.get(Number(row.version));
        if (mine === undefined) {
          throw new StorageError(
            'ConfigInvalid',
            `The database has migration ${row.version} (${row.name}) that this version of @stowage/postgres does not know: it was migrated by a newer version`,
            ctx,
          );
        }
        if (mine.checksum !== row.checksum) {
          throw new StorageError(
            'ConfigInvalid',
            `Migration ${row.version} (${row.name}) was applied with different contents than ${String(row.version).padStart(3, '0')}_${mine.name}.sql ships now; restore the file or migrate the database by hand`,
            ctx,
          );
        }
      }
      const done = new Set(rows.map((r) => Number(r.version)));
      const applied: Migration[] = [];
      for (const migration of migrations) {
        if (done.has(migration.version)) continue;
        await session.query('BEGIN');
        try {
          // Several statements: the simple query protocol (PGlite's query() refuses them).
          await session.exec(migration.sql);
          await session.query(
            'INSERT INTO stowage_migrations (version, name, checksum) VALUES ($1, $2, $3)',
            [migration.version, migration.name, migration.checksum],
          );
          await session.query('COMMIT');
        } catch (error) {
          await session.query('ROLLBACK').catch(() => {});
          throw error;
        }
        applied.push(migration);
      }
      return { applied, current: rows.length };
    } finally {
      await session.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]).catch(() => {});
    }
  } catch (error) {
    failure = error as Error;
    throw mapSqlError(error, ctx);
  } finally {
    session.release(failure);
  }
}
