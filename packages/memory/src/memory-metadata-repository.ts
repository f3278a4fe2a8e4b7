import {
  type Clock,
  compareKeys,
  type MetadataRepository,
  type ObjectAggregate,
  type ObjectRecord,
  type ObjectRecordInput,
  type ObjectRecordQuery,
  type Page,
  StorageError,
  SystemClock,
} from '@stowage/core';
import { checkObjectRecord, decodeKeyCursor, encodeKeyCursor, resolveQueryLimit } from '@stowage/kit';
import { insertSorted, removeSorted, sortedIndexAfter } from './sorted-keys.js';

const BACKEND = 'memory';

/**
 * MetadataRepository in a Map with a key-sorted index, for tests and local experiments.
 * Records are copied in and out, so callers cannot change stored state by mutation.
 */
export class MemoryMetadataRepository implements MetadataRepository {
  private readonly records = new Map<string, ObjectRecord>();
  private readonly keys: string[] = [];
  private readonly clock: Clock;

  constructor(options: { clock?: Clock } = {}) {
    this.clock = options.clock ?? new SystemClock();
  }

  /** @throws InvalidKey for an invalid key; InvalidInput for a malformed record. */
  async upsert(record: ObjectRecordInput): Promise<ObjectRecord> {
    const prepared = checkObjectRecord(record, { operation: 'upsert', backend: BACKEND });
    return clone(this.write(prepared, this.clock.now()));
  }

  /** All or nothing: every record is validated before any is written. */
  async upsertMany(records: ObjectRecordInput[]): Promise<number> {
    if (!Array.isArray(records)) {
      throw new StorageError('InvalidInput', 'upsertMany takes an array of records', {
        operation: 'upsertMany',
        backend: BACKEND,
      });
    }
    const prepared = records.map((r) => checkObjectRecord(r, { operation: 'upsertMany', backend: BACKEND }));
    const now = this.clock.now();
    for (const r of prepared) this.write(r, now);
    return prepared.length;
  }

  async get(key: string, options: { includeDeleted?: boolean } = {}): Promise<ObjectRecord | null> {
    const record = this.records.get(key);
    if (record === undefined || (record.deletedAt !== undefined && options.includeDeleted !== true))
      return null;
    return clone(record);
  }

  async softDelete(key: string): Promise<void> {
    const record = this.records.get(key);
    if (record === undefined || record.deletedAt !== undefined) return;
    const now = this.clock.now();
    this.records.set(key, { ...record, deletedAt: now, updatedAt: now });
  }

  async hardDelete(key: string): Promise<void> {
    if (this.records.delete(key)) removeSorted(this.keys, key);
  }

  /** Key order. @throws InvalidInput for a malformed cursor or limit. */
  async query(query: ObjectRecordQuery = {}): Promise<Page<ObjectRecord>> {
    const ctx = { operation: 'query', backend: BACKEND };
    const limit = resolveQueryLimit(query.limit, ctx);
    const prefix = query.prefix ?? '';
    const after = query.cursor === undefined ? undefined : decodeKeyCursor(query.cursor, ctx);
    const start =
      after === undefined || compareKeys(after, prefix) < 0
        ? sortedIndexAfter(this.keys, prefix, true)
        : sortedIndexAfter(this.keys, after, false);
    const items: ObjectRecord[] = [];
    for (let i = start; i < this.keys.length; i++) {
      const key = this.keys[i]!;
      if (!key.startsWith(prefix)) break;
      const record = this.records.get(key)!;
      if (!matches(record, query)) continue;
      if (items.length === limit) return { items, cursor: encodeKeyCursor(items[items.length - 1]!.key) };
      items.push(clone(record));
    }
    return { items };
  }

  async aggregate(query: Omit<ObjectRecordQuery, 'cursor' | 'limit'> = {}): Promise<ObjectAggregate> {
    const prefix = query.prefix ?? '';
    let count = 0;
    let totalSize = 0;
    // A Map, not an object literal: a category named "__proto__" must not hit the prototype.
    const byCategory = new Map<string, { count: number; totalSize: number }>();
    for (let i = sortedIndexAfter(this.keys, prefix, true); i < this.keys.length; i++) {
      const key = this.keys[i]!;
      if (!key.startsWith(prefix)) break;
      const record = this.records.get(key)!;
      if (!matches(record, query)) continue;
      count++;
      totalSize += record.size;
      // Records without a category count in the totals only.
      if (record.category !== undefined) {
        const bucket = byCategory.get(record.category) ?? { count: 0, totalSize: 0 };
        bucket.count++;
        bucket.totalSize += record.size;
        byCategory.set(record.category, bucket);
      }
    }
    const out: ObjectAggregate = { count, totalSize, byCategory: Object.fromEntries(byCategory) };
    return out;
  }

  private write(input: ObjectRecordInput, now: Date): ObjectRecord {
    const existing = this.records.get(input.key);
    const record: ObjectRecord = {
      ...input,
      createdAt: existing?.createdAt ?? now,
      updatedAt: now,
    };
    if (existing === undefined) insertSorted(this.keys, input.key);
    this.records.set(input.key, record);
    return record;
  }
}

function matches(record: ObjectRecord, query: Omit<ObjectRecordQuery, 'cursor' | 'limit'>): boolean {
  if (record.deletedAt !== undefined && query.includeDeleted !== true) return false;
  if (query.owner !== undefined && record.owner !== query.owner) return false;
  if (query.category !== undefined && record.category !== query.category) return false;
  if (query.backend !== undefined && record.backend !== query.backend) return false;
  return true;
}

function clone(record: ObjectRecord): ObjectRecord {
  const out: ObjectRecord = {
    ...record,
    attributes: JSON.parse(JSON.stringify(record.attributes)) as Record<string, unknown>,
    createdAt: new Date(record.createdAt.getTime()),
    updatedAt: new Date(record.updatedAt.getTime()),
  };
  if (record.deletedAt !== undefined) out.deletedAt = new Date(record.deletedAt.getTime());
  return out;
}
