import { describe, expect, it } from 'vitest';
import { CAPABILITY_NAMES, defineCapabilities } from './define-capabilities.js';

describe('defineCapabilities', () => {
  it('is false for everything not declared true, and frozen', () => {
    const caps = defineCapabilities({ rangeRead: true, presignGet: false, maxObjectSize: 5 });
    expect(caps.rangeRead).toBe(true);
    for (const name of CAPABILITY_NAMES.filter((n) => n !== 'rangeRead'))
      expect(caps[name], name).toBe(false);
    expect(caps.maxObjectSize).toBe(5);
    expect(Object.isFrozen(caps)).toBe(true);
    expect('maxObjectSize' in defineCapabilities({})).toBe(false);
  });

  it('refuses a capability name that does not exist', () => {
    expect(() => defineCapabilities({ rangeReads: true } as never)).toThrow(
      /Unknown capability "rangeReads"/,
    );
  });
});
