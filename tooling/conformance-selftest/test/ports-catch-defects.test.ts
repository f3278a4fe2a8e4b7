import { describe } from 'vitest';
import { AUDIT_MUTANTS, JOB_MUTANTS, METADATA_MUTANTS } from './fixtures/port-mutants.js';
import { expectMutantsCaught } from './support/run-mutants.js';

/**
 * Runs the MetadataRepository, JobStateStore and AuditLog suites against ports broken the
 * way database implementations break, and checks each defect is caught by its cases.
 */
const FIXTURE = 'test/fixtures/port-mutants.fixture.ts';

describe('the port conformance suites catch known defects', () => {
  describe('MetadataRepository', () => {
    expectMutantsCaught(FIXTURE, 'MetadataRepository conformance: mutant: ', METADATA_MUTANTS, 40);
  });
  describe('JobStateStore', () => {
    expectMutantsCaught(FIXTURE, 'JobStateStore conformance: mutant: ', JOB_MUTANTS, 20);
  });
  describe('AuditLog', () => {
    expectMutantsCaught(FIXTURE, 'AuditLog conformance: mutant: ', AUDIT_MUTANTS, 15);
  });
});
