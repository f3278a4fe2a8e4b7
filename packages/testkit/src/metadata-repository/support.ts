import type { MetadataRepository, ObjectRecord, ObjectRecordInput, ObjectRecordQuery } from '@stowage/core';
import { expect } from 'vitest';
import { allPages } from '../helpers/pages.js';
import type { CaseRegistry, PortCase, PortConformanceOptions } from '../helpers/port-suite.js';

export interface MetadataRepositoryConformanceOptions extends PortConformanceOptions<MetadataRepository> {
  /**
   * Limits the repository enforces. A case that exceeds a limit runs only when the limit is
   * declared here, and is skipped saying so otherwise.
   */
  limits?: {
    /** Most bytes of `JSON.stringify(attributes)` (UTF-8) one record may carry. */
    maxAttributesBytes?: number;
  };
}

export type MetadataCase = PortCase<MetadataRepository, MetadataRepositoryConformanceOptions>;
export type MetadataCases = CaseRegistry<MetadataCase>;

/** Every record of a query, following cursors. */
export function queryAll(repo: MetadataRepository, query: ObjectRecordQuery): Promise<ObjectRecord[]> {
  return allPages(
    (cursor) => repo.query({ ...query, ...(cursor === undefined ? {} : { cursor }) }),
    query.limit,
  );
}

/** The keys of a query, following cursors. */
export async function queryKeys(repo: MetadataRepository, query: ObjectRecordQuery): Promise<string[]> {
  return (await queryAll(repo, query)).map((r) => r.key);
}

/** A valid record for `key`; `extra` overrides fields. */
export function record(key: string, extra: Partial<ObjectRecordInput> = {}): ObjectRecordInput {
  return {
    key,
    backend: 'memory',
    size: 100,
    contentType: 'application/octet-stream',
    etag: '"abc"',
    visibility: 'private',
    attributes: {},
    ...extra,
  };
}

/** Nothing at all is stored under `ns/` (soft-deleted records included). */
export async function expectNothingUnder(repo: MetadataRepository, ns: string): Promise<void> {
  expect(await queryKeys(repo, { prefix: `${ns}/`, includeDeleted: true }), `records under ${ns}/`).toEqual(
    [],
  );
}
