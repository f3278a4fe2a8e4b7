import type { Visibility } from '../model/object-info.js';
import type { Page } from '../model/page.js';

/** What Stowage records about an object beside its bytes. */
export interface ObjectRecord {
  key: string;
  /** Store name the bytes live in ("s3", "local", …). */
  backend: string;
  bucket?: string;
  size: number;
  contentType: string;
  etag: string;
  sha256?: string;
  visibility: Visibility;
  category?: string;
  owner?: string;
  attributes: Record<string, unknown>;
  createdAt: Date;
  updatedAt: Date;
  /** Set when soft-deleted. */
  deletedAt?: Date;
}

export type ObjectRecordInput = Omit<ObjectRecord, 'createdAt' | 'updatedAt' | 'deletedAt'>;

export interface ObjectRecordQuery {
  prefix?: string;
  owner?: string;
  category?: string;
  backend?: string;
  includeDeleted?: boolean;
  cursor?: string;
  /** Default 100, at most 1000. */
  limit?: number;
}

export interface ObjectAggregate {
  count: number;
  totalSize: number;
  byCategory: Record<string, { count: number; totalSize: number }>;
}

/**
 * Object records, queried by prefix, owner and category with cursor pagination in key order
 * (UTF-8 byte order, as stores list). Cursors are key positions: a cursor stays valid while
 * records are added and removed, and lists every record that existed throughout exactly once.
 * `attributes` hold JSON values only, at most 256 KiB of JSON per record (`MAX_JSON_BYTES`).
 * Every method may throw `Unavailable` (retryable), `Timeout` or `Unexpected`.
 */
export interface MetadataRepository {
  /** Inserts or replaces by key (clearing a soft delete). `createdAt` is kept on update. */
  upsert(record: ObjectRecordInput): Promise<ObjectRecord>;

  /** Upserts in one transaction; returns how many were written. */
  upsertMany(records: ObjectRecordInput[]): Promise<number>;

  /** The record, or null (soft-deleted ones only with `includeDeleted`). */
  get(key: string, options?: { includeDeleted?: boolean }): Promise<ObjectRecord | null>;

  /** Marks deleted (and bumps `updatedAt`); missing or already deleted keys succeed. */
  softDelete(key: string): Promise<void>;

  /** Removes the record entirely; missing keys succeed. */
  hardDelete(key: string): Promise<void>;

  /**
   * One page in key order. A prefix is matched literally (`%` and `_` are characters like any).
   * @throws InvalidInput for a malformed cursor or a limit outside 1–1000.
   */
  query(query: ObjectRecordQuery): Promise<Page<ObjectRecord>>;

  aggregate(query: Omit<ObjectRecordQuery, 'cursor' | 'limit'>): Promise<ObjectAggregate>;
}
