import { describe } from 'vitest';
import { CDN_MUTANTS } from './fixtures/cdn-mutants.js';
import { expectMutantsCaught } from './support/run-mutants.js';

/** Runs the Cdn suite against CDNs broken on purpose and checks each defect is caught. */
describe('the Cdn conformance suite catches known defects', () => {
  expectMutantsCaught('test/fixtures/cdn-mutants.fixture.ts', 'Cdn conformance: mutant: ', CDN_MUTANTS, 20);
});
