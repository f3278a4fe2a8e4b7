import type { Capabilities } from '@stowage/core';
import { describe, expect, it } from 'vitest';
import { defineCapabilities } from './define-capabilities.js';
import { intersectCapabilities } from './intersect-capabilities.js';

describe('intersectCapabilities', () => {
  it('keeps what both can do, either side’s file/folder limit and the smaller size, frozen', () => {
    const a = defineCapabilities({
      rangeRead: true,
      presignGet: true,
      fileFolderConflict: true,
      maxObjectSize: 9,
    });
    const b = defineCapabilities({ rangeRead: true, maxObjectSize: 5 });
    const both = intersectCapabilities(a, b);
    expect(both).toEqual(defineCapabilities({ rangeRead: true, fileFolderConflict: true, maxObjectSize: 5 }));
    expect(Object.isFrozen(both)).toBe(true);
  });

  it('treats a flag a hand-written declaration leaves out as false', () => {
    const partial = { rangeRead: true } as unknown as Capabilities;
    const both = intersectCapabilities(partial, defineCapabilities({ rangeRead: true, sha256: true }));
    expect(both.rangeRead).toBe(true);
    expect(both.sha256).toBe(false);
    expect('maxObjectSize' in both).toBe(false);
  });
});
