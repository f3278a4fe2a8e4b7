import { type CopyOptions, type PutOptions, StorageError } from '@stowage/core';

/** S3 caps user metadata at 2 KiB; the portable limit is the smallest across backends. */
export const MAX_METADATA_BYTES = 2048;
/** Seven days: the longest SigV4 presign any backend accepts. */
export const MAX_PRESIGN_SECONDS = 7 * 24 * 3600;

const METADATA_NAME = /^[a-z0-9][a-z0-9_-]*$/;
const PRINTABLE_ASCII = /^[\u0020-\u007e]*$/;

type Ctx = { operation?: string; key?: string; backend?: string };

/**
 * Content headers travel as HTTP header values on every backend (and the local and memory
 * servers), so they must be non-empty printable ASCII.
 * @throws InvalidInput naming the bad option.
 */
export function assertHeaderValues(
  values: {
    contentType?: string | undefined;
    cacheControl?: string | undefined;
    contentDisposition?: string | undefined;
  },
  ctx: Ctx = {},
): void {
  for (const name of ['contentType', 'cacheControl', 'contentDisposition'] as const) {
    const value = values[name];
    if (value === undefined) continue;
    if (typeof value !== 'string' || value === '' || !PRINTABLE_ASCII.test(value)) {
      throw new StorageError(
        'InvalidInput',
        `${name} must be non-empty printable ASCII (encode non-ASCII file names as RFC 8187 filename*=)`,
        ctx,
      );
    }
  }
}

/**
 * Lower-cases and checks user metadata: names are ASCII header tokens, values printable
 * ASCII, 2 KiB in total. Returns the normalised copy.
 * @throws InvalidInput naming the bad entry.
 */
export function normalizeMetadata(
  metadata: Record<string, string> | undefined,
  ctx: { operation?: string; key?: string; backend?: string } = {},
): Record<string, string> {
  const out: Record<string, string> = {};
  if (metadata === undefined) return out;
  let bytes = 0;
  for (const [rawName, value] of Object.entries(metadata)) {
    const name = rawName.toLowerCase();
    if (!METADATA_NAME.test(name)) {
      throw new StorageError(
        'InvalidInput',
        `Metadata name ${JSON.stringify(rawName)} must be ASCII letters, digits, "-" or "_"`,
        ctx,
      );
    }
    if (typeof value !== 'string' || !PRINTABLE_ASCII.test(value)) {
      throw new StorageError(
        'InvalidInput',
        `Metadata value for ${JSON.stringify(rawName)} must be printable ASCII text (encode other data, e.g. base64)`,
        ctx,
      );
    }
    if (name in out) {
      throw new StorageError(
        'InvalidInput',
        `Metadata name ${JSON.stringify(name)} is given twice (names are case-insensitive)`,
        ctx,
      );
    }
    out[name] = value;
    bytes += name.length + value.length;
  }
  if (bytes > MAX_METADATA_BYTES) {
    throw new StorageError(
      'InvalidInput',
      `Metadata is ${bytes} bytes; the limit is ${MAX_METADATA_BYTES}`,
      ctx,
    );
  }
  return out;
}

/** @throws InvalidInput for an expiry that is not a whole number of seconds in 1..7 days. */
export function assertPresignExpiry(
  expiresIn: number,
  ctx: { operation?: string; key?: string; backend?: string } = {},
): void {
  if (!Number.isInteger(expiresIn) || expiresIn < 1 || expiresIn > MAX_PRESIGN_SECONDS) {
    throw new StorageError(
      'InvalidInput',
      `expiresIn must be a whole number of seconds from 1 to ${MAX_PRESIGN_SECONDS}; got ${expiresIn}`,
      ctx,
    );
  }
}

const SHA256_HEX = /^[0-9a-f]{64}$/;

/**
 * Checks put options that every adapter treats alike, before any I/O.
 * @throws InvalidInput for malformed options.
 */
export function assertPutOptions(
  options: PutOptions,
  ctx: { operation?: string; key?: string; backend?: string } = {},
): void {
  if (options.ifNoneMatch !== undefined && options.ifNoneMatch !== '*') {
    throw new StorageError('InvalidInput', `ifNoneMatch only accepts '*'`, ctx);
  }
  if (options.ifNoneMatch !== undefined && options.ifMatch !== undefined) {
    throw new StorageError('InvalidInput', 'ifNoneMatch and ifMatch cannot be combined', ctx);
  }
  if (options.sha256 !== undefined && !SHA256_HEX.test(options.sha256)) {
    throw new StorageError('InvalidInput', 'sha256 must be 64 lower-case hex characters', ctx);
  }
  if (
    options.contentLength !== undefined &&
    (!Number.isSafeInteger(options.contentLength) || options.contentLength < 0)
  ) {
    throw new StorageError(
      'InvalidInput',
      `contentLength must be a non-negative integer; got ${options.contentLength}`,
      ctx,
    );
  }
  if (
    options.visibility !== undefined &&
    options.visibility !== 'public' &&
    options.visibility !== 'private'
  ) {
    throw new StorageError('InvalidInput', `visibility must be 'public' or 'private'`, ctx);
  }
}

/** @throws InvalidInput for a range that is not `0 <= start <= end`. */
export function assertRange(
  range: { start: number; end?: number },
  ctx: { operation?: string; key?: string; backend?: string } = {},
): void {
  const { start, end } = range;
  if (
    !Number.isSafeInteger(start) ||
    start < 0 ||
    (end !== undefined && (!Number.isSafeInteger(end) || end < start))
  ) {
    throw new StorageError('InvalidInput', `Invalid byte range ${JSON.stringify(range)}`, ctx);
  }
}

/**
 * Resolves a range against an object's size (end inclusive, clamped to the last byte).
 * @throws InvalidInput when the range starts at or past the end of a non-empty object.
 */
export function resolveRange(
  range: { start: number; end?: number },
  size: number,
  ctx: { operation?: string; key?: string; backend?: string } = {},
): { start: number; end: number } {
  assertRange(range, ctx);
  if (range.start >= size && !(size === 0 && range.start === 0)) {
    throw new StorageError(
      'InvalidInput',
      `Range start ${range.start} is past the end of a ${size}-byte object`,
      ctx,
    );
  }
  const end = Math.min(range.end ?? size - 1, size - 1);
  return { start: range.start, end };
}

/**
 * Checks copy/move options that every adapter treats alike, before any I/O.
 * @throws InvalidInput for malformed options.
 */
export function assertCopyOptions(options: CopyOptions, ctx: Ctx = {}): void {
  if (options.ifNoneMatch !== undefined && options.ifNoneMatch !== '*') {
    throw new StorageError('InvalidInput', `ifNoneMatch only accepts '*'`, ctx);
  }
  if (
    options.visibility !== undefined &&
    options.visibility !== 'public' &&
    options.visibility !== 'private'
  ) {
    throw new StorageError('InvalidInput', `visibility must be 'public' or 'private'`, ctx);
  }
  assertHeaderValues(options, ctx);
}

/**
 * @throws Integrity when a body's byte count differs from the declared `contentLength`.
 */
export function assertBodyLength(actual: number, expected: number | undefined, ctx: Ctx = {}): void {
  if (expected !== undefined && actual !== expected) {
    throw new StorageError('Integrity', `Body is ${actual} bytes but contentLength says ${expected}`, ctx);
  }
}

/**
 * @throws Integrity when a body's sha256 differs from the expected one.
 */
export function assertBodySha256(actual: string, expected: string | undefined, ctx: Ctx = {}): void {
  if (expected !== undefined && actual !== expected) {
    throw new StorageError('Integrity', `Body sha256 ${actual} does not match the expected ${expected}`, ctx);
  }
}
