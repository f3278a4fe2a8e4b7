import { describe } from 'vitest';
import { MUTANTS } from './fixtures/object-store-mutants.js';
import { expectMutantsCaught } from './support/run-mutants.js';

/**
 * Runs the ObjectStore suite against stores broken on purpose and checks each defect is
 * caught by the cases meant to catch it.
 */
describe('the ObjectStore conformance suite catches known defects', () => {
  expectMutantsCaught(
    'test/fixtures/object-store-mutants.fixture.ts',
    'ObjectStore conformance: mutant: ',
    MUTANTS,
    90,
  );
});
