import {
  type AuditEvent,
  type AuditLog,
  type Clock,
  type Page,
  StorageError,
  type StoredAuditEvent,
  SystemClock,
} from '@stowage/core';
import {
  checkAuditEvent,
  decodeKeyCursor,
  encodeKeyCursor,
  formatAuditId,
  resolveQueryLimit,
} from '@stowage/kit';

const BACKEND = 'memory';
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
    const checked = checkAuditEvent(event, this.clock, { operation: 'append', backend: BACKEND });
    const stored: StoredAuditEvent = { ...checked, id: formatAuditId(this.events.length + 1) };
    this.events.push(stored);
    return clone(stored);
  }

  /** Append order (oldest first). @throws InvalidInput for a malformed cursor or limit. */
  async query(query: Parameters<AuditLog['query']>[0] = {}): Promise<Page<StoredAuditEvent>> {
    const ctx = { operation: 'query', backend: BACKEND };
    const limit = resolveQueryLimit(query.limit, ctx);
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
