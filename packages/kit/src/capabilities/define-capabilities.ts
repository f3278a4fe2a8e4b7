import type { Capabilities } from '@stowage/core';

const NONE: Omit<Capabilities, 'maxObjectSize'> = {
  rangeRead: false,
  writeIfNoneMatch: false,
  writeIfMatch: false,
  readIfMatch: false,
  userMetadata: false,
  contentHeaders: false,
  visibility: false,
  presignGet: false,
  presignPut: false,
  serverSideCopy: false,
  multipart: false,
  lifecycle: false,
  versioning: false,
  sha256: false,
  listDelimiter: false,
  fileFolderConflict: false,
};

/**
 * An adapter's capabilities from only what is true; everything unnamed is false. Frozen, so
 * nobody turns a capability on after the fact.
 */
export function defineCapabilities(
  declared: Partial<Omit<Capabilities, 'maxObjectSize'>> & { maxObjectSize?: number | undefined },
): Readonly<Capabilities> {
  const { maxObjectSize, ...flags } = declared;
  const out: Capabilities = { ...NONE };
  for (const [name, value] of Object.entries(flags) as Array<[keyof typeof NONE, boolean | undefined]>) {
    if (!(name in NONE)) throw new TypeError(`Unknown capability ${JSON.stringify(name)}`);
    if (value === true) out[name] = true;
  }
  if (maxObjectSize !== undefined) out.maxObjectSize = maxObjectSize;
  return Object.freeze(out);
}

/** Every capability flag's name, in declaration order (for tables and reports). */
export const CAPABILITY_NAMES = Object.keys(NONE) as ReadonlyArray<keyof typeof NONE>;
