import type { JobState, JobStateStore, Page } from '@stowage/core';
import { assertJobName, checkJobList, checkJobSave, encodeKeyCursor, jobVersionConflict } from '@stowage/kit';
import type { PostgresDatabase } from './postgres-database.js';

interface Row {
  kind: string;
  id: string;
  data: unknown;
  version: string | number;
  updated_at: Date | string;
}

/**
 * JobStateStore on PostgreSQL or PGlite: resumable upload sessions, migration checkpoints
 * and the hybrid's pending cleanups, shared by every process on the database. Saves with
 * `expectedVersion` are compare-and-swap in one statement.
 */
export class PostgresJobStateStore implements JobStateStore {
  constructor(private readonly db: PostgresDatabase) {}

  async get<T>(kind: string, id: string): Promise<JobState<T> | null> {
    assertJobName(kind, id, this.db.ctx('get'));
    const { rows } = await this.db.query<Row>(
      'get',
      'SELECT kind, id, data, version, updated_at FROM stowage_jobs WHERE kind = $1 AND id = $2',
      [kind, id],
      `${kind}/${id}`,
    );
    return rows[0] === undefined ? null : toState<T>(rows[0]);
  }

  /**
   * Version 1 on create, +1 on every save.
   * @throws Conflict when `expectedVersion` differs from the stored version (0: must not exist).
   * @throws InvalidInput for non-JSON data, a bad expectedVersion, or an empty kind or id.
   */
  async save<T>(
    kind: string,
    id: string,
    data: T,
    options: { expectedVersion?: number } = {},
  ): Promise<JobState<T>> {
    const key = `${kind}/${id}`;
    const ctx = { ...this.db.ctx('save'), key };
    assertJobName(kind, id, ctx);
    const expected = options.expectedVersion;
    const json = checkJobSave(data, expected, ctx);
    const now = this.db.clock.now();
    let rows: Row[];
    if (expected === undefined) {
      ({ rows } = await this.db.query<Row>(
        'save',
        `INSERT INTO stowage_jobs (kind, id, data, version, updated_at) VALUES ($1, $2, $3, 1, $4)
         ON CONFLICT (kind, id) DO UPDATE SET data = EXCLUDED.data, version = stowage_jobs.version + 1,
           updated_at = EXCLUDED.updated_at
         RETURNING kind, id, data, version, updated_at`,
        [kind, id, json, now],
        key,
      ));
    } else if (expected === 0) {
      ({ rows } = await this.db.query<Row>(
        'save',
        `INSERT INTO stowage_jobs (kind, id, data, version, updated_at) VALUES ($1, $2, $3, 1, $4)
         ON CONFLICT (kind, id) DO NOTHING RETURNING kind, id, data, version, updated_at`,
        [kind, id, json, now],
        key,
      ));
    } else {
      ({ rows } = await this.db.query<Row>(
        'save',
        `UPDATE stowage_jobs SET data = $3, version = version + 1, updated_at = $4
         WHERE kind = $1 AND id = $2 AND version = $5 RETURNING kind, id, data, version, updated_at`,
        [kind, id, json, now, expected],
        key,
      ));
    }
    if (rows[0] === undefined) {
      const current = await this.get(kind, id);
      throw jobVersionConflict(kind, id, current?.version ?? 0, expected, ctx);
    }
    return toState<T>(rows[0]);
  }

  async delete(kind: string, id: string): Promise<void> {
    assertJobName(kind, id, this.db.ctx('delete'));
    await this.db.query(
      'delete',
      'DELETE FROM stowage_jobs WHERE kind = $1 AND id = $2',
      [kind, id],
      `${kind}/${id}`,
    );
  }

  /** By id in byte order. @throws InvalidInput for a malformed cursor or limit. */
  async list<T>(kind: string, options: { cursor?: string; limit?: number } = {}): Promise<Page<JobState<T>>> {
    const { limit, after } = checkJobList(kind, options, this.db.ctx('list'));
    const { rows } = await this.db.query<Row>(
      'list',
      `SELECT kind, id, data, version, updated_at FROM stowage_jobs
       WHERE kind = $1${after === undefined ? '' : ' AND id > $3'} ORDER BY id LIMIT $2`,
      after === undefined ? [kind, limit + 1] : [kind, limit + 1, after],
    );
    const items = rows.slice(0, limit).map((row) => toState<T>(row));
    return rows.length > limit ? { items, cursor: encodeKeyCursor(items.at(-1)!.id) } : { items };
  }
}

function toState<T>(row: Row): JobState<T> {
  return {
    kind: row.kind,
    id: row.id,
    // Both drivers hand jsonb back parsed (a top-level string included).
    data: row.data as T,
    version: Number(row.version),
    updatedAt: new Date(row.updated_at),
  };
}
