import { afterAll, beforeAll, describe } from 'vitest';
import { registerCapabilityCases } from './cases/capabilities.js';
import { registerChecksumCases } from './cases/checksum.js';
import { registerConditionalCases } from './cases/conditional.js';
import { registerCopyMoveCases } from './cases/copy-move.js';
import { registerDeleteCases } from './cases/delete.js';
import { registerFailureCases } from './cases/failure.js';
import { registerInvalidKeyCases } from './cases/invalid-keys.js';
import { registerListCases } from './cases/list.js';
import { registerMetadataCases } from './cases/metadata.js';
import { registerPresignCases } from './cases/presign.js';
import { registerRangeCases } from './cases/range.js';
import { registerReadCases } from './cases/read.js';
import { registerSecretCases } from './cases/secrets.js';
import { registerWriteCases } from './cases/write.js';
import { Harness } from './harness.js';
import type { ObjectStoreConformanceOptions } from './options.js';

export type { ObjectStoreConformanceOptions } from './options.js';

const CATEGORIES: ReadonlyArray<readonly [string, (h: Harness) => void]> = [
  ['capabilities', registerCapabilityCases],
  ['read', registerReadCases],
  ['range', registerRangeCases],
  ['write', registerWriteCases],
  ['conditional write', registerConditionalCases],
  ['metadata', registerMetadataCases],
  ['etag and checksum', registerChecksumCases],
  ['list', registerListCases],
  ['copy and move', registerCopyMoveCases],
  ['delete', registerDeleteCases],
  ['presign', registerPresignCases],
  ['failure and abort', registerFailureCases],
  ['invalid keys', registerInvalidKeyCases],
  ['secrets', registerSecretCases],
];

/**
 * Registers the ObjectStore contract as vitest suites: call it at the top level of a test
 * file. The store is created once; every case works under its own random prefix and cleans
 * up after itself, so a shared bucket can host it. Cases the store's `capabilities` rule
 * out are skipped at runtime with the reason, never silently passed.
 */
export function describeObjectStoreConformance(options: ObjectStoreConformanceOptions): void {
  describe(`ObjectStore conformance: ${options.name}`, () => {
    const harness = new Harness(options);
    beforeAll(async () => {
      harness.store = await options.create();
    });
    afterAll(async () => {
      const store = harness.created;
      if (store !== undefined) await options.cleanup?.(store);
    });
    for (const [name, register] of CATEGORIES) {
      describe(name, () => register(harness));
    }
  });
}

/** How many cases `describeObjectStoreConformance` registers (for reports and tests). */
export function objectStoreConformanceCaseNames(): string[] {
  const names: string[] = [];
  const fake = { case: (name: string) => names.push(name) } as unknown as Harness;
  for (const [, register] of CATEGORIES) register(fake);
  return names;
}
