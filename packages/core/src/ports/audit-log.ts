import type { Page } from '../model/page.js';

export type AuditAction = 'upload' | 'download' | 'presign' | 'delete' | 'copy' | 'move' | 'restore';

export interface AuditEvent {
  action: AuditAction;
  key: string;
  actor?: string;
  /** When it happened; the log's clock when omitted. */
  at?: Date;
  details?: Record<string, unknown>;
}

export interface StoredAuditEvent extends AuditEvent {
  /** Zero-padded decimal, increasing with every append: ids compare as strings in append order. */
  id: string;
  at: Date;
}

/**
 * Append-only record of what happened to objects. Events are never updated or removed.
 * Methods may throw `Unavailable` (retryable), `Timeout` or `Unexpected`.
 */
export interface AuditLog {
  append(event: AuditEvent): Promise<StoredAuditEvent>;

  /** Oldest first. @throws InvalidInput for a malformed cursor. */
  query(query: {
    key?: string;
    actor?: string;
    action?: AuditAction;
    since?: Date;
    cursor?: string;
    limit?: number;
  }): Promise<Page<StoredAuditEvent>>;
}
