import type {
  MetadataRepository,
  ObjectAggregate,
  ObjectRecord,
  ObjectRecordInput,
  ObjectRecordQuery,
  Page,
} from '@stowage/core';
import { StorageError } from '@stowage/core';
import { checkObjectRecord, decodeKeyCursor, encodeKeyCursor, resolveQueryLimit } from '@stowage/kit';
import type { PostgresDatabase } from './postgres-database.js';
import { prefixRange } from './prefix-range.js';

interface Row {
  key: string;
  backend: string;
  bucket: string | null;
  size: string | number;
  content_type: string;
  etag: string;
  sha256: string | null;
  visibility: 'public' | 'private';
  category: string | null;
  owner: string | null;
  attributes: Record<string, unknown>;
  created_at: Date | string;
  updated_at: Date | string;
  deleted_at: Date | string | null;
}

const COLUMNS =
  'key, backend, bucket, size, content_type, etag, sha256, visibility, category, owner, attributes, created_at, updated_at, deleted_at';

/**
 * MetadataRepository on PostgreSQL or PGlite. Keys sort by their bytes (`COLLATE "C"`), so
 * prefix queries are index range scans (`key >= prefix AND key < successor(prefix)`) with
 * keyset pagination, never LIKE (no escaping of `%`, `_` or `\` to get wrong) and never OFFSET.
 */
export class PostgresMetadataRepository implements MetadataRepository {
  constructor(private readonly db: PostgresDatabase) {}

  /** @throws InvalidKey / InvalidInput for a malformed record, before anything is written. */
  async upsert(record: ObjectRecordInput): Promise<ObjectRecord> {
    const input = checkObjectRecord(record, this.db.ctx('upsert'));
    const now = this.db.clock.now();
    const { rows } = await this.db.query<Row>(
      'upsert',
      `INSERT INTO stowage_objects (${COLUMNS})
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $12, NULL)
       ON CONFLICT (key) DO UPDATE SET
         backend = EXCLUDED.backend, bucket = EXCLUDED.bucket, size = EXCLUDED.size,
         content_type = EXCLUDED.content_type, etag = EXCLUDED.etag, sha256 = EXCLUDED.sha256,
         visibility = EXCLUDED.visibility, category = EXCLUDED.category, owner = EXCLUDED.owner,
         attributes = EXCLUDED.attributes, updated_at = EXCLUDED.updated_at, deleted_at = NULL
       RETURNING ${COLUMNS}`,
      [...values(input), now],
      input.key,
    );
    return toRecord(rows[0]!);
  }

  /** All or nothing, in one statement; a key given twice keeps its last record. */
  async upsertMany(records: ObjectRecordInput[]): Promise<number> {
    const ctx = this.db.ctx('upsertMany');
    if (!Array.isArray(records))
      throw new StorageError('InvalidInput', 'upsertMany takes an array of records', ctx);
    const byKey = new Map<string, ObjectRecordInput>();
    for (const record of records) {
      const input = checkObjectRecord(record, ctx);
      byKey.delete(input.key);
      byKey.set(input.key, input);
    }
    if (byKey.size === 0) return 0;
    const columns: unknown[][] = Array.from({ length: 11 }, () => []);
    for (const input of byKey.values()) {
      for (const [i, v] of values(input).entries()) columns[i]!.push(v);
    }
    await this.db.query(
      'upsertMany',
      `INSERT INTO stowage_objects (${COLUMNS})
       SELECT k, b, bk, s, ct, e, sh, v, c, o, a, $12, $12, NULL
       FROM unnest($1::text[], $2::text[], $3::text[], $4::bigint[], $5::text[], $6::text[], $7::text[],
                   $8::text[], $9::text[], $10::text[], $11::jsonb[]) AS t(k, b, bk, s, ct, e, sh, v, c, o, a)
       ON CONFLICT (key) DO UPDATE SET
         backend = EXCLUDED.backend, bucket = EXCLUDED.bucket, size = EXCLUDED.size,
         content_type = EXCLUDED.content_type, etag = EXCLUDED.etag, sha256 = EXCLUDED.sha256,
         visibility = EXCLUDED.visibility, category = EXCLUDED.category, owner = EXCLUDED.owner,
         attributes = EXCLUDED.attributes, updated_at = EXCLUDED.updated_at, deleted_at = NULL`,
      [...columns, this.db.clock.now()],
    );
    return records.length;
  }

  async get(key: string, options: { includeDeleted?: boolean } = {}): Promise<ObjectRecord | null> {
    const { rows } = await this.db.query<Row>(
      'get',
      `SELECT ${COLUMNS} FROM stowage_objects WHERE key = $1${options.includeDeleted === true ? '' : ' AND deleted_at IS NULL'}`,
      [key],
      key,
    );
    return rows[0] === undefined ? null : toRecord(rows[0]);
  }

  async softDelete(key: string): Promise<void> {
    const now = this.db.clock.now();
    await this.db.query(
      'softDelete',
      'UPDATE stowage_objects SET deleted_at = $2, updated_at = $2 WHERE key = $1 AND deleted_at IS NULL',
      [key, now],
      key,
    );
  }

  async hardDelete(key: string): Promise<void> {
    await this.db.query('hardDelete', 'DELETE FROM stowage_objects WHERE key = $1', [key], key);
  }

  /** Key order. @throws InvalidInput for a malformed cursor or limit. */
  async query(query: ObjectRecordQuery = {}): Promise<Page<ObjectRecord>> {
    const ctx = this.db.ctx('query');
    const limit = resolveQueryLimit(query.limit, ctx);
    const after = query.cursor === undefined ? undefined : decodeKeyCursor(query.cursor, ctx);
    const { where, params } = filters(query, after);
    params.push(limit + 1);
    const { rows } = await this.db.query<Row>(
      'query',
      `SELECT ${COLUMNS} FROM stowage_objects WHERE ${where} ORDER BY key LIMIT $${params.length}`,
      params,
    );
    const items = rows.slice(0, limit).map(toRecord);
    return rows.length > limit ? { items, cursor: encodeKeyCursor(items.at(-1)!.key) } : { items };
  }

  async aggregate(query: Omit<ObjectRecordQuery, 'cursor' | 'limit'> = {}): Promise<ObjectAggregate> {
    const { where, params } = filters(query, undefined);
    const { rows } = await this.db.query<{
      category: string | null;
      count: string | number;
      total: string | number;
    }>(
      'aggregate',
      `SELECT category, count(*) AS count, coalesce(sum(size), 0) AS total
       FROM stowage_objects WHERE ${where} GROUP BY category`,
      params,
    );
    const out: ObjectAggregate = { count: 0, totalSize: 0, byCategory: {} };
    const byCategory = new Map<string, { count: number; totalSize: number }>();
    for (const row of rows) {
      const count = Number(row.count);
      const totalSize = Number(row.total);
      out.count += count;
      out.totalSize += totalSize;
      // Records without a category count in the totals only.
      if (row.category !== null) byCategory.set(row.category, { count, totalSize });
    }
    // A Map first: a category named "__proto__" must not hit the prototype.
    out.byCategory = Object.fromEntries(
      [...byCategory.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
    );
    return out;
  }
}

function filters(
  query: Omit<ObjectRecordQuery, 'cursor' | 'limit'>,
  after: string | undefined,
): { where: string; params: unknown[] } {
  const clauses: string[] = [];
  const params: unknown[] = [];
  const add = (clause: (n: number) => string, value: unknown) => {
    params.push(value);
    clauses.push(clause(params.length));
  };
  const range = prefixRange(query.prefix ?? '');
  if (range.from !== '') add((n) => `key >= $${n}`, range.from);
  if (range.to !== undefined) add((n) => `key < $${n}`, range.to);
  if (after !== undefined) add((n) => `key > $${n}`, after);
  if (query.owner !== undefined) add((n) => `owner = $${n}`, query.owner);
  if (query.category !== undefined) add((n) => `category = $${n}`, query.category);
  if (query.backend !== undefined) add((n) => `backend = $${n}`, query.backend);
  if (query.includeDeleted !== true) clauses.push('deleted_at IS NULL');
  return { where: clauses.length === 0 ? 'TRUE' : clauses.join(' AND '), params };
}

function values(input: ObjectRecordInput): unknown[] {
  return [
    input.key,
    input.backend,
    input.bucket ?? null,
    input.size,
    input.contentType,
    input.etag,
    input.sha256 ?? null,
    input.visibility,
    input.category ?? null,
    input.owner ?? null,
    JSON.stringify(input.attributes),
  ];
}

function toRecord(row: Row): ObjectRecord {
  const record: ObjectRecord = {
    key: row.key,
    backend: row.backend,
    size: Number(row.size),
    contentType: row.content_type,
    etag: row.etag,
    visibility: row.visibility,
    attributes: row.attributes,
    createdAt: new Date(row.created_at),
    updatedAt: new Date(row.updated_at),
  };
  if (row.bucket !== null) record.bucket = row.bucket;
  if (row.sha256 !== null) record.sha256 = row.sha256;
  if (row.category !== null) record.category = row.category;
  if (row.owner !== null) record.owner = row.owner;
  if (row.deleted_at !== null) record.deletedAt = new Date(row.deleted_at);
  return record;
}
