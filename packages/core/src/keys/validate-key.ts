import { StorageError } from '../errors/storage-error.js';

export const MAX_KEY_BYTES = 1024;
export const MAX_SEGMENT_BYTES = 255;

// C0 controls, DEL and C1 controls are refused: they break terminals, logs and several backends.
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

/** Why a key is not portable, or undefined when it is. */
export function keyProblem(key: unknown): string | undefined {
  if (typeof key !== 'string') return 'key must be a string';
  if (key.length === 0) return 'key must not be empty';
  if (!key.isWellFormed()) return 'key must be well-formed UTF-16 (no lone surrogates)';
  // Buffer.byteLength counts without allocating: keys are validated on every call.
  const bytes = Buffer.byteLength(key, 'utf8');
  if (bytes > MAX_KEY_BYTES) return `key is ${bytes} bytes of UTF-8; the limit is ${MAX_KEY_BYTES}`;
  if (key.startsWith('/')) return 'key must not start with "/"';
  if (CONTROL.test(key)) return 'key must not contain control characters';
  if (key.includes('\\')) return 'key must not contain a backslash';
  for (const segment of key.split('/')) {
    if (segment === '') return 'key must not contain empty segments ("//" or a trailing "/")';
    if (segment === '.' || segment === '..') return 'key must not contain "." or ".." segments';
    const segBytes = Buffer.byteLength(segment, 'utf8');
    if (segBytes > MAX_SEGMENT_BYTES) {
      return `key segment is ${segBytes} bytes of UTF-8; the limit is ${MAX_SEGMENT_BYTES}`;
    }
  }
  return undefined;
}

export function isValidKey(key: unknown): key is string {
  return keyProblem(key) === undefined;
}

/**
 * Throws `InvalidKey` unless `key` is portable (see DESIGN.md "Keys"). Adapters call this
 * before any I/O so that a bad key never reaches a backend.
 */
export function assertValidKey(
  key: unknown,
  ctx: { operation?: string; backend?: string } = {},
): asserts key is string {
  const problem = keyProblem(key);
  if (problem !== undefined) {
    throw new StorageError('InvalidKey', `Invalid key ${JSON.stringify(key)}: ${problem}`, {
      ...ctx,
      key: typeof key === 'string' ? key : undefined,
    });
  }
}

/** Why a prefix is unusable (prefixes may end with "/" and may be empty), or undefined. */
export function prefixProblem(prefix: unknown): string | undefined {
  if (typeof prefix !== 'string') return 'must be a string';
  if (prefix === '') return undefined;
  const trimmed = prefix.endsWith('/') ? prefix.slice(0, -1) : prefix;
  if (trimmed === '') return 'prefix must not be "/"';
  // A partial last segment ("photos/ca") is a legal prefix; it just has to be a legal key start.
  return keyProblem(trimmed);
}

/** @throws InvalidKey for a prefix (or a start position, named by `what`) no key can begin with. */
export function assertValidPrefix(
  prefix: unknown,
  ctx: { operation?: string; backend?: string } = {},
  what = 'prefix',
): asserts prefix is string {
  const problem = prefixProblem(prefix);
  if (problem !== undefined) {
    throw new StorageError('InvalidKey', `Invalid ${what} ${JSON.stringify(prefix)}: ${problem}`, ctx);
  }
}

/**
 * Orders keys by their UTF-8 bytes, as S3 lists them (not by UTF-16 code units). UTF-8 byte
 * order is code point order; UTF-16 order differs from it only where a surrogate pair meets a
 * character from U+E000 up, so the first differing code units are compared with surrogates
 * moved above the rest of the BMP. No allocation: listings sort and compare a lot.
 */
export function compareKeys(a: string, b: string): number {
  if (a === b) return 0;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x !== y) return codePointRank(x) - codePointRank(y);
  }
  return a.length - b.length;
}

function codePointRank(unit: number): number {
  if (unit < 0xd800) return unit;
  if (unit < 0xe000) return unit + 0x2000;
  return unit - 0x800;
}
