import {
  type AuditAction,
  type AuditEvent,
  type AuditLog,
  type Clock,
  type Page,
  StorageError,
  type StoredAuditEvent,
  SystemClock,
} from '@stowage/core';
import { decodeKeyCursor, encodeKeyCursor } from '@stowage/kit';
import { jsonClone } from './json-clone.js';
import { resolveLimit } from './sorted-keys.js';

const BACKEND = 'memory';
const ACTIONS: ReadonlySet<AuditAction> = new Set([
  'upload',
  'download',
  'presign',
  'delete',
  'copy',
  'move',
  'restore',
]);
/** Ids are zero-padded so their string order is their append order. */
const ID_WIDTH = 12;

/** Append-only AuditLog in an array; ids increase with every append. */
export class MemoryAuditLog implements AuditLog {
  private readonly events: StoredAuditEvent[] = [];
  private readonly clock: Clock;

  /** `clock` stamps events appended without `at`. */
  constructor(options: { clock?: Clock } = {}) {
    this.clock = options.clock ?? new SystemClock();
  }

  /** @throws InvalidInput for an unknown action, a missing key, a bad date or non-JSON details. */
  async append(event: AuditEvent): Promise<StoredAuditEvent> {
    const ctx = { operation: 'append', backend: BACKEND };
    if (typeof event !== 'object' || event === null)
      throw new StorageError('InvalidInput', 'event must be an object', ctx);
    if (!ACTIONS.has(event.action)) {
      throw new StorageError('InvalidInput', `Unknown audit action ${JSON.stringify(event.action)}`, ctx);
    }
    if (typeof event.key !== 'string' || event.key === '') {
      throw new StorageError('InvalidInput', 'event.key must be a non-empty string', ctx);
    }
    const keyCtx = { ...ctx, key: event.key };
    if (event.actor !== undefined && typeof event.actor !== 'string') {
      throw new StorageError('InvalidInput', 'event.actor must be a string', keyCtx);
    }
    const at = event.at ?? this.clock.now();
    if (!(at instanceof Date) || Number.isNaN(at.getTime())) {
      throw new StorageError('InvalidInput', 'event.at must be a valid Date', keyCtx);
    }
    const stored: StoredAuditEvent = {
      id: String(this.events.length + 1).padStart(ID_WIDTH, '0'),
      action: event.action,
      key: event.key,
      at: new Date(at.getTime()),
    };
    if (event.actor !== undefined) stored.actor = event.actor;
    if (event.details !== undefined) stored.details = jsonClone(event.details, 'details', keyCtx);
    this.events.push(stored);
    return clone(stored);
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
    const ctx = { operation: 'query', backend: BACKEND };
    const limit = resolveLimit(query.limit, ctx);
    let start = 0;
    if (query.cursor !== undefined) {
      const id = decodeKeyCursor(query.cursor, ctx);
      if (!/^\d+$/.test(id)) throw new StorageError('InvalidInput', 'Malformed audit cursor', ctx);
      // Ids are 1-based positions: the next event after id n sits at index n.
      start = Number(id);
    }
    const since = query.since?.getTime();
    const items: StoredAuditEvent[] = [];
    for (let i = start; i < this.events.length; i++) {
      const e = this.events[i]!;
      if (query.key !== undefined && e.key !== query.key) continue;
      if (query.actor !== undefined && e.actor !== query.actor) continue;
      if (query.action !== undefined && e.action !== query.action) continue;
      if (since !== undefined && e.at.getTime() < since) continue;
      if (items.length === limit) return { items, cursor: encodeKeyCursor(items[items.length - 1]!.id) };
      items.push(clone(e));
    }
    return { items };
  }
}

function clone(e: StoredAuditEvent): StoredAuditEvent {
  const out: StoredAuditEvent = { ...e, at: new Date(e.at.getTime()) };
  if (e.details !== undefined) out.details = JSON.parse(JSON.stringify(e.details)) as Record<string, unknown>;
  return out;
}
