import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * HMAC-SHA256 signatures for presigned URLs of the local store. The store signs; only
 * `createLocalServer` verifies. What is signed: method, key, expiry and every response
 * override or required header carried in the URL, so none of them can be changed.
 */

export const PARAM_EXPIRES = 'X-Stowage-Expires';
export const PARAM_SIGNATURE = 'X-Stowage-Signature';
export const PARAM_CONTENT_TYPE = 'X-Stowage-Content-Type';
export const PARAM_RESPONSE_DISPOSITION = 'response-content-disposition';
export const PARAM_RESPONSE_TYPE = 'response-content-type';

export interface SignedFields {
  method: 'GET' | 'PUT';
  key: string;
  /** Milliseconds since the epoch. */
  expiresAt: number;
  /** PUT: the content type the client must send. */
  contentType?: string | undefined;
  responseContentDisposition?: string | undefined;
  responseContentType?: string | undefined;
}

function canonical(f: SignedFields): string {
  return JSON.stringify([
    'stowage-local-v1',
    f.method,
    f.key,
    f.expiresAt,
    f.contentType ?? null,
    f.responseContentDisposition ?? null,
    f.responseContentType ?? null,
  ]);
}

function signature(secret: string, fields: SignedFields): Buffer {
  return createHmac('sha256', secret).update(canonical(fields)).digest();
}

/** The signed URL for `fields`: `baseUrl` (ending in "/") + encoded key path + query. */
export function signUrl(
  baseUrl: string,
  encodedKeyPath: string,
  secret: string,
  fields: SignedFields,
): string {
  const query = new URLSearchParams();
  query.set(PARAM_EXPIRES, String(fields.expiresAt));
  if (fields.contentType !== undefined) query.set(PARAM_CONTENT_TYPE, fields.contentType);
  if (fields.responseContentDisposition !== undefined) {
    query.set(PARAM_RESPONSE_DISPOSITION, fields.responseContentDisposition);
  }
  if (fields.responseContentType !== undefined) query.set(PARAM_RESPONSE_TYPE, fields.responseContentType);
  query.set(PARAM_SIGNATURE, signature(secret, fields).toString('hex'));
  return `${baseUrl}${encodedKeyPath}?${query.toString()}`;
}

export function isSignedQuery(query: URLSearchParams): boolean {
  return query.has(PARAM_SIGNATURE) || query.has(PARAM_EXPIRES);
}

export type Verification =
  | { ok: true; fields: SignedFields }
  | { ok: false; reason: 'malformed' | 'signature' | 'expired' };

/**
 * Checks a request against its signature (constant-time compare) and expiry.
 * `method` is what the URL must have been signed for (HEAD requests use a GET signature).
 */
export function verifySignedQuery(
  method: 'GET' | 'PUT',
  key: string,
  query: URLSearchParams,
  secret: string,
  nowMs: number,
): Verification {
  const expires = query.get(PARAM_EXPIRES);
  const given = query.get(PARAM_SIGNATURE);
  if (expires === null || given === null || !/^\d{1,16}$/.test(expires) || !/^[0-9a-f]{64}$/.test(given)) {
    return { ok: false, reason: 'malformed' };
  }
  const fields: SignedFields = {
    method,
    key,
    expiresAt: Number(expires),
    contentType: query.get(PARAM_CONTENT_TYPE) ?? undefined,
    responseContentDisposition: query.get(PARAM_RESPONSE_DISPOSITION) ?? undefined,
    responseContentType: query.get(PARAM_RESPONSE_TYPE) ?? undefined,
  };
  const expected = signature(secret, fields);
  const actual = Buffer.from(given, 'hex');
  if (actual.length !== expected.length || !timingSafeEqual(actual, expected))
    return { ok: false, reason: 'signature' };
  // Checked after the signature so an attacker learns nothing about expiry of forged URLs.
  if (nowMs > fields.expiresAt) return { ok: false, reason: 'expired' };
  return { ok: true, fields };
}
