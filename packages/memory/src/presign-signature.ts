import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * HMAC-SHA256 signed URLs for the memory presign server. Kept apart so the security
 * boundary is one small file: what is signed, how it is encoded, how it is checked.
 *
 * URL shape: `<base>/<key segments, each percent-encoded>?X-Stowage-Expires=<epoch ms>
 * [&response-content-disposition=…][&response-content-type=…][&X-Stowage-Content-Type=…]
 * &X-Stowage-Signature=<hex>`. The HTTP method is not in the URL but is signed, so a GET
 * URL cannot be used to PUT.
 */

export type PresignMethod = 'GET' | 'PUT';

export interface PresignClaims {
  method: PresignMethod;
  key: string;
  /** Epoch milliseconds after which the URL is refused. */
  expiresAt: number;
  /** GET only: overrides the response's Content-Disposition. */
  responseContentDisposition?: string;
  /** GET only: overrides the response's Content-Type. */
  responseContentType?: string;
  /** PUT only: the Content-Type the upload must carry and is stored with. */
  contentType?: string;
}

export type PresignVerification =
  | { ok: true; claims: PresignClaims }
  | { ok: false; reason: 'malformed' | 'signature' | 'expired' };

const EXPIRES = 'X-Stowage-Expires';
const SIGNATURE = 'X-Stowage-Signature';
const CONTENT_TYPE = 'X-Stowage-Content-Type';
const RESPONSE_DISPOSITION = 'response-content-disposition';
const RESPONSE_TYPE = 'response-content-type';
const SIGNATURE_HEX = /^[0-9a-f]{64}$/;

// A JSON array is unambiguous: no field can smuggle a delimiter into another.
function canonical(c: PresignClaims): string {
  return JSON.stringify([
    'stowage-memory-v1',
    c.method,
    c.key,
    c.expiresAt,
    c.responseContentDisposition ?? null,
    c.responseContentType ?? null,
    c.contentType ?? null,
  ]);
}

function sign(claims: PresignClaims, secret: Uint8Array | string): string {
  return createHmac('sha256', secret).update(canonical(claims)).digest('hex');
}

/** The path of `key` below `base`, one percent-encoded segment per key segment. */
export function keyPath(basePath: string, key: string): string {
  return `${basePath.replace(/\/+$/, '')}/${key.split('/').map(encodeURIComponent).join('/')}`;
}

/** A signed URL for `claims` under `baseUrl`. */
export function createPresignedUrl(
  baseUrl: string,
  claims: PresignClaims,
  secret: Uint8Array | string,
): string {
  const url = new URL(baseUrl);
  url.pathname = keyPath(url.pathname, claims.key);
  url.search = '';
  const q = url.searchParams;
  q.set(EXPIRES, String(claims.expiresAt));
  if (claims.responseContentDisposition !== undefined)
    q.set(RESPONSE_DISPOSITION, claims.responseContentDisposition);
  if (claims.responseContentType !== undefined) q.set(RESPONSE_TYPE, claims.responseContentType);
  if (claims.contentType !== undefined) q.set(CONTENT_TYPE, claims.contentType);
  q.set(SIGNATURE, sign(claims, secret));
  return url.toString();
}

/**
 * Checks a request against its signature and expiry.
 * @param requestTarget the request's path and query as received (`req.url`).
 * @param basePath the path part of the base URL the store signs under.
 */
export function verifyPresignedRequest(
  method: string,
  requestTarget: string,
  basePath: string,
  secret: Uint8Array | string,
  nowMs: number,
): PresignVerification {
  if (method !== 'GET' && method !== 'PUT') return { ok: false, reason: 'malformed' };
  let url: URL;
  try {
    url = new URL(requestTarget, 'http://presign.invalid');
  } catch {
    return { ok: false, reason: 'malformed' };
  }
  const base = `${basePath.replace(/\/+$/, '')}/`;
  if (!url.pathname.startsWith(base)) return { ok: false, reason: 'malformed' };
  let key: string;
  try {
    key = url.pathname.slice(base.length).split('/').map(decodeURIComponent).join('/');
  } catch {
    return { ok: false, reason: 'malformed' };
  }
  const q = url.searchParams;
  const expiresText = q.get(EXPIRES);
  const signature = q.get(SIGNATURE);
  if (
    expiresText === null ||
    !/^\d{1,16}$/.test(expiresText) ||
    signature === null ||
    !SIGNATURE_HEX.test(signature)
  ) {
    return { ok: false, reason: 'malformed' };
  }
  const claims: PresignClaims = { method, key, expiresAt: Number(expiresText) };
  const disposition = q.get(RESPONSE_DISPOSITION);
  const responseType = q.get(RESPONSE_TYPE);
  const contentType = q.get(CONTENT_TYPE);
  if (disposition !== null) claims.responseContentDisposition = disposition;
  if (responseType !== null) claims.responseContentType = responseType;
  if (contentType !== null) claims.contentType = contentType;
  const expected = Buffer.from(sign(claims, secret), 'hex');
  if (!timingSafeEqual(expected, Buffer.from(signature, 'hex'))) return { ok: false, reason: 'signature' };
  // Checked after the signature so a forged expiry is reported as tampering, not expiry.
  if (nowMs > claims.expiresAt) return { ok: false, reason: 'expired' };
  return { ok: true, claims };
}
