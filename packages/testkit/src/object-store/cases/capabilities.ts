import { expect } from 'vitest';
import { deterministicStream } from '../../helpers/deterministic-stream.js';
import { expectStorageError } from '../assertions.js';
import type { Harness } from '../harness.js';

/** Every boolean a Capabilities object must declare (a missing one would read as "false" by accident). */
export const BOOLEAN_CAPABILITIES = [
  'rangeRead',
  'writeIfNoneMatch',
  'writeIfMatch',
  'readIfMatch',
  'userMetadata',
  'contentHeaders',
  'visibility',
  'presignGet',
  'presignPut',
  'serverSideCopy',
  'multipart',
  'lifecycle',
  'versioning',
  'sha256',
  'listDelimiter',
  'fileFolderConflict',
] as const;

export function registerCapabilityCases(h: Harness): void {
  h.case('capabilities declare every flag as a boolean', async ({ store }) => {
    const caps = store.capabilities as unknown as Record<string, unknown>;
    for (const name of BOOLEAN_CAPABILITIES) expect(typeof caps[name], name).toBe('boolean');
    if (caps.maxObjectSize !== undefined) {
      expect(
        Number.isSafeInteger(caps.maxObjectSize) && (caps.maxObjectSize as number) > 0,
        'maxObjectSize',
      ).toBe(true);
    }
  });

  h.case('the store has a short non-empty name', async ({ store }) => {
    expect(typeof store.name).toBe('string');
    expect(store.name.trim()).toBe(store.name);
    expect(store.name.length).toBeGreaterThan(0);
    expect(store.name.length).toBeLessThanOrEqual(64);
  });

  h.case('an object over maxObjectSize is PayloadTooLarge', async (ctx) => {
    const max = ctx.caps.maxObjectSize;
    if (max === undefined) return ctx.skip('declares no maxObjectSize: nothing to exceed');
    if (max > 16 * 1024 * 1024) return ctx.skip(`has maxObjectSize ${max}: too large to exceed in a test`);
    const k = ctx.key('too-large');
    await expectStorageError(() => ctx.store.put(k, deterministicStream(max + 1, 1)), 'PayloadTooLarge');
    expect(await ctx.store.exists(k)).toBe(false);
  });
}
