import { S3Error } from './s3-error.js';

/** The parts of an S3 request URL this gateway routes on. */
export interface S3Target {
  /** Undefined for the service (`GET /`: ListBuckets). */
  bucket: string | undefined;
  /** Undefined for bucket requests. Decoded: the key as S3 names it. */
  key: string | undefined;
  /** The path as the client sent it (still percent-encoded), for the canonical request. */
  rawPath: string;
  /** Decoded query parameters in order; a parameter without `=` has the value "". */
  query: Map<string, string[]>;
  /** The query exactly as sent (without "?"). */
  rawQuery: string;
}

/**
 * Splits a request URL into bucket, key and query. Path-style (`/bucket/key`) always works;
 * with `virtualHostDomain`, a Host of `<bucket>.<domain>` names the bucket and the whole path is the key.
 * @throws InvalidURI for malformed percent-encoding.
 */
export function parseS3Target(url: string, host: string | undefined, virtualHostDomain?: string): S3Target {
  const q = url.indexOf('?');
  const rawPath = q < 0 ? url : url.slice(0, q);
  const rawQuery = q < 0 ? '' : url.slice(q + 1);
  if (!rawPath.startsWith('/')) throw new S3Error('InvalidURI');
  const query = parseQuery(rawQuery);
  const hostBucket = virtualHostBucket(host, virtualHostDomain);
  if (hostBucket !== undefined) {
    const keyPart = rawPath.slice(1);
    return {
      bucket: hostBucket,
      key: keyPart === '' ? undefined : decode(keyPart),
      rawPath,
      query,
      rawQuery,
    };
  }
  const rest = rawPath.slice(1);
  if (rest === '') return { bucket: undefined, key: undefined, rawPath, query, rawQuery };
  const slash = rest.indexOf('/');
  const bucket = decode(slash < 0 ? rest : rest.slice(0, slash));
  const keyPart = slash < 0 ? '' : rest.slice(slash + 1);
  return { bucket, key: keyPart === '' ? undefined : decode(keyPart), rawPath, query, rawQuery };
}

function virtualHostBucket(host: string | undefined, domain: string | undefined): string | undefined {
  if (host === undefined || domain === undefined || domain === '') return undefined;
  const name = host.replace(/:\d+$/, '').toLowerCase();
  const suffix = `.${domain.toLowerCase()}`;
  if (!name.endsWith(suffix) || name.length === suffix.length) return undefined;
  return name.slice(0, -suffix.length);
}

export function parseQuery(raw: string): Map<string, string[]> {
  const query = new Map<string, string[]>();
  if (raw === '') return query;
  for (const pair of raw.split('&')) {
    if (pair === '') continue;
    const eq = pair.indexOf('=');
    const name = decode(eq < 0 ? pair : pair.slice(0, eq));
    const value = eq < 0 ? '' : decode(pair.slice(eq + 1));
    const list = query.get(name);
    if (list === undefined) query.set(name, [value]);
    else list.push(value);
  }
  return query;
}

function decode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch (cause) {
    throw new S3Error('InvalidURI', undefined, {}, { cause });
  }
}

/** The first value of a query parameter. */
export function queryValue(query: Map<string, string[]>, name: string): string | undefined {
  return query.get(name)?.[0];
}

/** URI-encodes as SigV4 and S3's `encoding-type=url` do: everything but A-Z a-z 0-9 - . _ ~ (and "/" when `keepSlash`). */
export function s3UriEncode(text: string, keepSlash = false): string {
  const encoded = encodeURIComponent(text).replace(
    /[!'()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
  return keepSlash ? encoded.replace(/%2F/g, '/') : encoded;
}
