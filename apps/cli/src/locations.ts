import { usageError } from './errors.js';

/** The S3-family schemes a second store is named with; each picks that provider's profile. */
export const STORE_SCHEMES = ['s3', 'seaweedfs', 'spaces'] as const;
export type StoreScheme = (typeof STORE_SCHEMES)[number];

/**
 * Where a command reads or writes (README, "Naming stores and files"):
 * - `-`: stdin or stdout;
 * - `./x`, `../x`, `/x`, `.`, `..`: a file or directory on this machine;
 * - `s3://BUCKET/PREFIX` (or `seaweedfs://`, `spaces://`): another bucket reached with the
 *   configured S3 connection (endpoint, region, credentials);
 * - anything else: a key or prefix in the configured store.
 * No valid key starts with `/`, `./` or `../` or contains `//`, so the forms never collide.
 */
export type Location =
  | { kind: 'stdio'; text: string }
  | { kind: 'path'; text: string; path: string }
  | { kind: 'store'; text: string; scheme: 'default' | StoreScheme; bucket?: string; key: string };

export type StoreLocation = Extract<Location, { kind: 'store' }>;

export function isPathLike(text: string): boolean {
  return (
    text === '.' ||
    text === '..' ||
    text.startsWith('/') ||
    text.startsWith('./') ||
    text.startsWith('../') ||
    text.startsWith('~/')
  );
}

export function parseLocation(text: string): Location {
  if (text === '-') return { kind: 'stdio', text };
  if (isPathLike(text)) return { kind: 'path', text, path: text };
  const scheme = /^([a-z][a-z0-9+.-]*):\/\/(.*)$/.exec(text);
  if (scheme !== null) {
    const name = scheme[1]!;
    if (name === 'file') return { kind: 'path', text, path: scheme[2]! === '' ? '.' : scheme[2]! };
    if (!(STORE_SCHEMES as readonly string[]).includes(name)) {
      throw usageError(
        `Unknown location scheme "${name}://" in ${text}`,
        'use s3://BUCKET/PREFIX, seaweedfs://…, spaces://…, a path starting with ./ or /, or a key in the configured store',
      );
    }
    const rest = scheme[2]!;
    const slash = rest.indexOf('/');
    const bucket = slash < 0 ? rest : rest.slice(0, slash);
    const key = slash < 0 ? '' : rest.slice(slash + 1);
    if (bucket === '') throw usageError(`${text} names no bucket`, `write ${name}://BUCKET/PREFIX`);
    return { kind: 'store', text, scheme: name as StoreScheme, bucket, key };
  }
  return { kind: 'store', text, scheme: 'default', key: text };
}

/** A location that must be in a store (ls, rm, head, presign, …). */
export function parseStoreLocation(text: string, what = 'a key'): StoreLocation {
  const location = parseLocation(text);
  if (location.kind !== 'store') {
    throw usageError(
      `${text} is ${location.kind === 'stdio' ? 'stdin/stdout' : 'a local path'}, but ${what} in a store is expected here`,
      'keys never start with / or ./; to name a key in another bucket use s3://BUCKET/KEY',
    );
  }
  return location;
}

/** What keys of the store are shown under: "" for the configured store, `s3://BUCKET/` for another bucket. */
export function storeBase(location: StoreLocation): string {
  return location.scheme === 'default' ? '' : `${location.scheme}://${location.bucket}/`;
}

/** `photos` → `photos/`; "" stays "" (the whole store). */
export function asPrefix(key: string): string {
  return key === '' || key.endsWith('/') ? key : `${key}/`;
}

export function basename(key: string): string {
  const trimmed = key.endsWith('/') ? key.slice(0, -1) : key;
  return trimmed.slice(trimmed.lastIndexOf('/') + 1);
}

export function describeLocation(location: Location): string {
  return location.text;
}
