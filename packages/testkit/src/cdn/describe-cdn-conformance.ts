import { afterAll, beforeAll, describe } from 'vitest';
import { type Category, caseNames } from '../helpers/port-suite.js';
import { registerCapabilityCases } from './cases/capabilities.js';
import { registerFetchCases } from './cases/fetch.js';
import { registerFetchFailureCases } from './cases/fetch-failures.js';
import { registerPublicUrlCases } from './cases/public-url.js';
import { registerPurgeCases } from './cases/purge.js';
import { registerCdnSecretCases } from './cases/secrets.js';
import { CdnEdge } from './cdn-edge.js';
import { type CdnCase, CdnHarness } from './harness.js';
import type { CdnConformanceOptions } from './options.js';

export type { EdgeFault, EdgeRequest } from './cdn-edge.js';
export { CdnEdge } from './cdn-edge.js';
export type { CdnConformanceOptions, CdnTarget } from './options.js';

const CATEGORIES: ReadonlyArray<Category<CdnCase>> = [
  ['capabilities', registerCapabilityCases],
  ['publicUrl', registerPublicUrlCases],
  ['fetch', registerFetchCases],
  ['fetch failures', registerFetchFailureCases],
  ['purge', registerPurgeCases],
  ['secrets', registerCdnSecretCases],
];

/**
 * Registers the Cdn contract as vitest suites. The suite runs an edge (`CdnEdge`): a loopback
 * server the CDN reads through, which forwards to the target's origin and can answer a key
 * with a status, a hang or a reset. Covered: publicUrl encoding (round-trips of weird keys
 * over HTTP), fetch (200, headers, 404/401/403/5xx, network failure, abort, timed-out signal,
 * invalid keys) and purge by keys, prefix and all where declared, Unsupported where not.
 * Cases the CDN's capabilities rule out are skipped at runtime with the reason.
 */
export function describeCdnConformance(options: CdnConformanceOptions): void {
  describe(`Cdn conformance: ${options.name}`, () => {
    const harness = new CdnHarness(options);
    beforeAll(async () => {
      const edge = await CdnEdge.start();
      harness.edge = edge;
      const target = await options.create(edge);
      edge.setOrigin(target.originUrl);
      edge.caching = target.purgeReachesEdge === true;
      harness.target = target;
    });
    afterAll(async () => {
      if (harness.target !== undefined) await options.cleanup?.(harness.target);
      await harness.edge?.close();
    });
    for (const [name, register] of CATEGORIES) describe(name, () => register(harness));
  });
}

/** The cases `describeCdnConformance` registers (for reports and inventory tests). */
export function cdnConformanceCaseNames(): string[] {
  return caseNames(CATEGORIES);
}
