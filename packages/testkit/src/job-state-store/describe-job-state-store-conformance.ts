import type { JobStateStore } from '@stowage/core';
import { type Category, caseNames, describePortSuite } from '../helpers/port-suite.js';
import { registerListCases } from './cases/list.js';
import { registerSaveCases } from './cases/save.js';
import { registerValidationCases } from './cases/validation.js';
import { registerVersionCases } from './cases/versions.js';
import { type JobCase, type JobStateStoreConformanceOptions, listAll } from './support.js';

export type { JobStateStoreConformanceOptions } from './support.js';

const CATEGORIES: ReadonlyArray<Category<JobCase>> = [
  ['save, get and delete', registerSaveCases],
  ['versions and compare-and-swap', registerVersionCases],
  ['list', registerListCases],
  ['validation', registerValidationCases],
];

/**
 * Registers the JobStateStore contract (resumable uploads, migration checkpoints) as vitest
 * suites: versions that increment once per save even under races, compare-and-swap,
 * deletion, listing by kind in id byte order with cursors that survive concurrent changes,
 * and refusal of data JSON cannot hold. Every case works in a kind of its own.
 */
export function describeJobStateStoreConformance(options: JobStateStoreConformanceOptions): void {
  describePortSuite<JobStateStore, JobStateStoreConformanceOptions>(
    'JobStateStore conformance',
    options,
    CATEGORIES,
    async (store, kind) => {
      for (const job of await listAll(store, kind)) await store.delete(kind, job.id);
    },
  );
}

/** The cases `describeJobStateStoreConformance` registers (for reports and inventory tests). */
export function jobStateStoreConformanceCaseNames(): string[] {
  return caseNames(CATEGORIES);
}
