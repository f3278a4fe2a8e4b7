import type { Capabilities } from '@stowage/core';

/** Capabilities of a router over several backends: only what all of them can do. */
export function intersectCapabilities(a: Capabilities, b: Capabilities): Capabilities {
  const out = {} as Record<string, unknown>;
  for (const name of Object.keys(a) as Array<keyof Capabilities>) {
    if (name === 'maxObjectSize') continue;
    const va = a[name];
    const vb = b[name];
    out[name] = name === 'fileFolderConflict' ? Boolean(va) || Boolean(vb) : Boolean(va) && Boolean(vb);
  }
  const sizes = [a.maxObjectSize, b.maxObjectSize].filter((n): n is number => n !== undefined);
  if (sizes.length > 0) out.maxObjectSize = Math.min(...sizes);
  return out as unknown as Capabilities;
}
