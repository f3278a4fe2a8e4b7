import type { MetadataRepository } from '@stowage/core';
import { type Category, caseNames, describePortSuite } from '../helpers/port-suite.js';
import { registerAggregateCases } from './cases/aggregate.js';
import { registerConcurrencyCases } from './cases/concurrency.js';
import { registerDeleteCases } from './cases/delete.js';
import { registerPaginationCases } from './cases/pagination.js';
import { registerQueryCases } from './cases/query.js';
import { registerUpsertCases } from './cases/upsert.js';
import { registerUpsertManyCases } from './cases/upsert-many.js';
import { registerValidationCases } from './cases/validation.js';
import { type MetadataCase, type MetadataRepositoryConformanceOptions, queryAll } from './support.js';

export type { MetadataRepositoryConformanceOptions } from './support.js';

const CATEGORIES: ReadonlyArray<Category<MetadataCase>> = [
  ['upsert and get', registerUpsertCases],
  ['soft and hard delete', registerDeleteCases],
  ['query', registerQueryCases],
  ['pagination', registerPaginationCases],
  ['upsertMany', registerUpsertManyCases],
  ['validation', registerValidationCases],
  ['concurrency', registerConcurrencyCases],
  ['aggregate', registerAggregateCases],
];

/**
 * Registers the MetadataRepository contract as vitest suites: upsert semantics (createdAt
 * kept, last whole write wins, soft delete cleared), soft and hard delete, queries by
 * prefix/owner/category/backend in key (UTF-8 byte) order that take `%`, `_` and quotes
 * literally, cursor pagination that survives concurrent changes, validation that writes
 * nothing, and aggregates. One repository serves every case, each under a key prefix of its
 * own, cleaned up afterwards.
 */
export function describeMetadataRepositoryConformance(options: MetadataRepositoryConformanceOptions): void {
  describePortSuite<MetadataRepository, MetadataRepositoryConformanceOptions>(
    'MetadataRepository conformance',
    options,
    CATEGORIES,
    async (repo, ns) => {
      for (const r of await queryAll(repo, { prefix: `${ns}/`, includeDeleted: true, limit: 1000 })) {
        await repo.hardDelete(r.key);
      }
    },
  );
}

/** The cases `describeMetadataRepositoryConformance` registers (for reports and inventory tests). */
export function metadataRepositoryConformanceCaseNames(): string[] {
  return caseNames(CATEGORIES);
}
