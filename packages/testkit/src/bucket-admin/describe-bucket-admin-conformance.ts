import { afterAll, beforeAll, describe } from 'vitest';
import { type Category, caseNames } from '../helpers/port-suite.js';
import { registerCreateCases } from './cases/create.js';
import { registerDeleteCases } from './cases/delete.js';
import { registerLifecycleCases } from './cases/lifecycle.js';
import { registerListCases } from './cases/list.js';
import { registerNameCases } from './cases/names.js';
import { type BucketCase, BucketHarness } from './harness.js';
import type { BucketAdminConformanceOptions } from './options.js';

export type { BucketAdminConformanceOptions } from './options.js';

const CATEGORIES: ReadonlyArray<Category<BucketCase>> = [
  ['names', registerNameCases],
  ['create', registerCreateCases],
  ['list', registerListCases],
  ['delete', registerDeleteCases],
  ['lifecycle', registerLifecycleCases],
];

/**
 * Registers the BucketAdmin contract as vitest suites: names validated, create/exists,
 * AlreadyExists (also for racing creates), listing by name with cursors that survive
 * concurrent changes, delete that refuses a bucket with objects unless forced, and
 * lifecycle rules where `supportsLifecycle` (Unsupported where not). Every case creates
 * buckets of its own and force-deletes them afterwards.
 */
export function describeBucketAdminConformance(options: BucketAdminConformanceOptions): void {
  describe(`BucketAdmin conformance: ${options.name}`, () => {
    const harness = new BucketHarness(options);
    beforeAll(async () => {
      harness.admin = await options.create();
    });
    afterAll(async () => {
      if (harness.admin !== undefined) await options.cleanup?.(harness.admin);
    });
    for (const [name, register] of CATEGORIES) describe(name, () => register(harness));
  });
}

/** The cases `describeBucketAdminConformance` registers (for reports and inventory tests). */
export function bucketAdminConformanceCaseNames(): string[] {
  return caseNames(CATEGORIES);
}
