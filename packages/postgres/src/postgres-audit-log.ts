import type { AuditAction, AuditEvent, AuditLog, Page, StoredAuditEvent } from '@stowage/core';
import { StorageError } from '@stowage/core';
import {
  checkAuditEvent,
  decodeKeyCursor,
  encodeKeyCursor,
  formatAuditId,
  resolveQueryLimit,
} from '@stowage/kit';
import type { PostgresDatabase } from './postgres-database.js';

interface Row {
  id: string | number;
  action: AuditAction;
  key: string;
  actor: string | null;
  at: Date | string;
  details: Record<string, unknown> | null;
}

/** Append-only AuditLog on PostgreSQL or PGlite; ids come from an identity column (monotonic). */
export class PostgresAuditLog implements AuditLog {
  constructor(private readonly db: PostgresDatabase) {}

  /** @throws InvalidInput for an unknown action, a missing key, a bad date or non-JSON details. */
  async append(event: AuditEvent): Promise<StoredAuditEvent> {
    const checked = checkAuditEvent(event, this.db.clock, this.db.ctx('append'));
    const { rows } = await this.db.query<Row>(
      'append',
      `INSERT INTO stowage_audit (action, key, actor, at, details) VALUES ($1, $2, $3, $4, $5)
       RETURNING id, action, key, actor, at, details`,
      [
        checked.action,
        checked.key,
        checked.actor ?? null,
        checked.at,
        checked.details === undefined ? null : JSON.stringify(checked.details),
      ],
      checked.key,
    );
    return toEvent(rows[0]!);
  }

  /** Append order (oldest first). @throws InvalidInput for a malformed cursor or limit. */
  async query(
    query: {
      key?: string;
      actor?: string;
      action?: AuditAction;
      since?: Date;
      cursor?: string;
      limit?: number;
    } = {},
  ): Promise<Page<StoredAuditEvent>> {
    const ctx = this.db.ctx('query');
    const limit = resolveQueryLimit(query.limit, ctx);
    const params: unknown[] = [];
    const clauses: string[] = [];
    const add = (clause: (n: number) => string, value: unknown) => {
      params.push(value);
      clauses.push(clause(params.length));
    };
    if (query.cursor !== undefined) {
      const id = decodeKeyCursor(query.cursor, ctx);
      if (!/^\d{1,20}$/.test(id)) throw new StorageError('InvalidInput', 'Malformed audit cursor', ctx);
      add((n) => `id > $${n}`, id);
    }
    if (query.key !== undefined) add((n) => `key = $${n}`, query.key);
    if (query.actor !== undefined) add((n) => `actor = $${n}`, query.actor);
    if (query.action !== undefined) add((n) => `action = $${n}`, query.action);
    if (query.since !== undefined) add((n) => `at >= $${n}`, query.since);
    params.push(limit + 1);
    const { rows } = await this.db.query<Row>(
      'query',
      `SELECT id, action, key, actor, at, details FROM stowage_audit
       WHERE ${clauses.length === 0 ? 'TRUE' : clauses.join(' AND ')} ORDER BY id LIMIT $${params.length}`,
      params,
    );
    const items = rows.slice(0, limit).map(toEvent);
    return rows.length > limit ? { items, cursor: encodeKeyCursor(items.at(-1)!.id) } : { items };
  }
}

function toEvent(row: Row): StoredAuditEvent {
  const event: StoredAuditEvent = {
    id: formatAuditId(row.id),
    action: row.action,
    key: row.key,
    at: new Date(row.at),
  };
  if (row.actor !== null) event.actor = row.actor;
  if (row.details !== null) event.details = row.details;
  return event;
}
