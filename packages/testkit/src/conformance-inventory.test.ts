import { describe, expect, it } from 'vitest';
import { auditLogConformanceCaseNames } from './audit-log/describe-audit-log-conformance.js';
import { bucketAdminConformanceCaseNames } from './bucket-admin/describe-bucket-admin-conformance.js';
import { cdnConformanceCaseNames } from './cdn/describe-cdn-conformance.js';
import { jobStateStoreConformanceCaseNames } from './job-state-store/describe-job-state-store-conformance.js';
import { locksConformanceCaseNames } from './locks/describe-locks-conformance.js';
import { metadataRepositoryConformanceCaseNames } from './metadata-repository/describe-metadata-repository-conformance.js';
import { rolloutStateConformanceCaseNames } from './rollout-state/describe-rollout-state-conformance.js';

// Floors: a suite may grow, never shrink by accident (a case file left out of its registry).
const SUITES: ReadonlyArray<readonly [string, () => string[], number]> = [
  ['Cdn', cdnConformanceCaseNames, 26],
  ['BucketAdmin', bucketAdminConformanceCaseNames, 16],
  ['AuditLog', auditLogConformanceCaseNames, 18],
  ['MetadataRepository', metadataRepositoryConformanceCaseNames, 44],
  ['JobStateStore', jobStateStoreConformanceCaseNames, 25],
  ['Locks', locksConformanceCaseNames, 13],
  ['RolloutState', rolloutStateConformanceCaseNames, 8],
];

describe.each(SUITES)('%s conformance inventory', (_, names, floor) => {
  it(`registers at least ${floor} cases`, () => {
    expect(names().length).toBeGreaterThanOrEqual(floor);
  });

  it('names every case uniquely, so reports and skip lists are unambiguous', () => {
    const all = names();
    expect(all.filter((n, i) => all.indexOf(n) !== i)).toEqual([]);
  });
});
