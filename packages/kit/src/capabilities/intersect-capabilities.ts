import type { Capabilities } from '@stowage/core';
import { CAPABILITY_NAMES } from './define-capabilities.js';

/**
 * Capabilities of a router over two backends: only what both can do (`fileFolderConflict`, a
 * limitation, when either has it; the smaller `maxObjectSize`). Frozen, like
 * `defineCapabilities`, so nobody turns a capability on after the fact.
 */
export function intersectCapabilities(a: Capabilities, b: Capabilities): Readonly<Capabilities> {
  const out = {} as Capabilities;
  for (const name of CAPABILITY_NAMES) {
    // Boolean(): a hand-written Capabilities may leave a flag out; out, it is false.
    out[name] =
      name === 'fileFolderConflict'
        ? Boolean(a[name]) || Boolean(b[name])
        : Boolean(a[name]) && Boolean(b[name]);
  }
  const sizes = [a.maxObjectSize, b.maxObjectSize].filter((n): n is number => n !== undefined);
  if (sizes.length > 0) out.maxObjectSize = Math.min(...sizes);
  return Object.freeze(out);
}
