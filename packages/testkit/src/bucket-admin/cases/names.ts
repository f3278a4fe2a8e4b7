import { expect } from 'vitest';
import { expectStorageError } from '../../object-store/assertions.js';
import type { BucketCases } from '../harness.js';

/** Names no backend accepts under the S3 naming rules (the strictest common set). */
export const INVALID_BUCKET_NAMES: readonly string[] = [
  '',
  'ab',
  'x'.repeat(64),
  'UPPER-case',
  'under_score',
  'sp ace',
  'slash/name',
  'a..b',
  '-leading-dash',
  'trailing-dash-',
  '.leading-dot',
  '192.168.1.1',
  'caf\u00e9',
];

export function registerNameCases(cases: BucketCases): void {
  cases.case('declares a short name and supportsLifecycle as a boolean', async ({ admin }) => {
    expect(typeof admin.name).toBe('string');
    expect(admin.name.length).toBeGreaterThan(0);
    expect(admin.name.length).toBeLessThanOrEqual(64);
    expect(admin.name.trim()).toBe(admin.name);
    expect(typeof admin.supportsLifecycle).toBe('boolean');
  });

  cases.case('createBucket refuses invalid names with InvalidInput', async ({ admin }) => {
    for (const name of INVALID_BUCKET_NAMES) {
      await expectStorageError(() => admin.createBucket(name), 'InvalidInput').catch((error: unknown) => {
        throw new Error(`${JSON.stringify(name)}: ${(error as Error).message}`);
      });
    }
  });
}
