import type { IncomingHttpHeaders } from 'node:http';
import fresh from 'fresh';
import parseRange from 'range-parser';
import { etagsMatch } from '../util/etag.js';

/** What to answer a GET or HEAD of an object, from its request headers (RFC 9110 §13.2.2). */
export type ReadDecision =
  | { status: 200 }
  | { status: 206; range: { start: number; end: number } }
  | { status: 304 }
  | { status: 412 }
  | { status: 416 };

export interface ReadValidators {
  etag: string;
  lastModified: Date;
  size: number;
}

/**
 * Evaluates preconditions, then the range:
 * 1. `If-Match` (strong comparison; `*` matches any object) — else `If-Unmodified-Since` → 412;
 * 2. `If-None-Match` — else `If-Modified-Since` → 304 (the `fresh` package decides);
 * 3. `Range` (parsed by `range-parser`) → 206, or 416 when unsatisfiable; a malformed range
 *    or several ranges are ignored (200 with the whole object, which RFC 9110 allows);
 *    `If-Range` that names another version (a different etag, or a date other than the
 *    object's Last-Modified) also gives 200 with the whole object, so a resumed download of
 *    a changed object is never stitched from two versions.
 */
export function decideRead(
  headers: IncomingHttpHeaders,
  object: ReadValidators,
  method = 'GET',
): ReadDecision {
  const ifMatch = headers['if-match'];
  if (ifMatch !== undefined) {
    if (!listMatches(ifMatch, object.etag, true)) return { status: 412 };
  } else {
    const since = httpDate(headers['if-unmodified-since']);
    if (since !== undefined && wholeSeconds(object.lastModified) > since) return { status: 412 };
  }
  const conditional = headers['if-none-match'] !== undefined || headers['if-modified-since'] !== undefined;
  // Only the validators go to `fresh`: a request's `Cache-Control: no-cache` (which fetch adds to
  // every conditional request) tells caches to revalidate; the origin still answers the condition.
  const validators = {
    'if-none-match': headers['if-none-match'],
    'if-modified-since': headers['if-modified-since'],
  };
  if (
    conditional &&
    (method === 'GET' || method === 'HEAD') &&
    fresh(validators, { etag: object.etag, 'last-modified': object.lastModified.toUTCString() })
  ) {
    return { status: 304 };
  }
  const range = headers.range;
  if (range === undefined || (method !== 'GET' && method !== 'HEAD')) return { status: 200 };
  const ifRange = headers['if-range'];
  if (!ifRangeHolds(Array.isArray(ifRange) ? ifRange[0] : ifRange, object)) return { status: 200 };
  const parsed = parseRange(object.size, range, { combine: true });
  if (parsed === -1) return { status: 416 };
  if (parsed === -2 || parsed.type !== 'bytes' || parsed.length !== 1) return { status: 200 };
  const [only] = parsed;
  return { status: 206, range: { start: only!.start, end: only!.end } };
}

function ifRangeHolds(ifRange: string | undefined, object: ReadValidators): boolean {
  if (ifRange === undefined) return true;
  const value = ifRange.trim();
  if (value.startsWith('"') || value.startsWith('W/')) {
    // A weak validator never matches for If-Range (strong comparison).
    return !value.startsWith('W/') && etagsMatch(value, object.etag);
  }
  const date = httpDate(value);
  return date !== undefined && date === wholeSeconds(object.lastModified);
}

function listMatches(header: string, etag: string, strong: boolean): boolean {
  if (header.trim() === '*') return true;
  return header.split(',').some((candidate) => {
    const c = candidate.trim();
    if (strong && c.startsWith('W/')) return false;
    return etagsMatch(c, etag);
  });
}

/** An HTTP date in epoch seconds, or undefined when it does not parse. */
function httpDate(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? undefined : Math.floor(ms / 1000);
}

function wholeSeconds(date: Date): number {
  return Math.floor(date.getTime() / 1000);
}
