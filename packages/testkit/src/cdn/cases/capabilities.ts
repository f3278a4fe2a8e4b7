import { expect } from 'vitest';
import type { CdnCases } from '../harness.js';

export function registerCapabilityCases(cases: CdnCases): void {
  cases.case('declares a short name and purge capabilities as booleans', async ({ cdn }) => {
    expect(typeof cdn.name).toBe('string');
    expect(cdn.name.length).toBeGreaterThan(0);
    expect(cdn.name.length).toBeLessThanOrEqual(64);
    expect(cdn.name.trim()).toBe(cdn.name);
    expect(typeof cdn.capabilities.purge, 'purge').toBe('boolean');
    expect(typeof cdn.capabilities.purgePrefix, 'purgePrefix').toBe('boolean');
  });

  cases.case('purgePrefix is declared only together with purge', async ({ cdn }) => {
    // purge() is Unsupported for every target where `purge` is false, so a prefix purge too.
    if (cdn.capabilities.purgePrefix) expect(cdn.capabilities.purge).toBe(true);
  });
}
