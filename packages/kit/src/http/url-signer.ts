import { createHmac, timingSafeEqual } from 'node:crypto';
import {
  isValidKey,
  type PresignedRequest,
  type PresignGetOptions,
  type PresignPutOptions,
} from '@stowage/core';
import { type Secret, toSecret } from '../config/secret.js';
import { decodeKeyPath, encodeKeyPath } from './key-path.js';

/**
 * HMAC-SHA256 presigned URLs for stores without a server of their own (local, memory),
 * verified by the kit's object server. One small file is the whole security boundary: what
 * is signed, how it is carried, how it is checked.
 *
 * URL: `<base>/<key, each segment percent-encoded>?X-Stowage-Expires=<epoch ms>
 * [&X-Stowage-Content-Type=…][&X-Stowage-Max-Size=…][&response-content-disposition=…]
 * [&response-content-type=…]&X-Stowage-Signature=<hex>`. The method is signed but not
 * carried, so a GET URL cannot be used to PUT. Every field is signed as one JSON array, so
 * no field can smuggle a delimiter into another.
 */
export interface SignedClaims {
  method: 'GET' | 'PUT';
  key: string;
  /** Epoch milliseconds after which the URL is refused. */
  expiresAt: number;
  /** PUT: the Content-Type the upload must carry (and is stored with). */
  contentType?: string;
  /** PUT: the most bytes the upload may have. */
  maxSize?: number;
  /** GET: overrides the response's Content-Disposition. */
  responseContentDisposition?: string;
  /** GET: overrides the response's Content-Type. */
  responseContentType?: string;
}

export type SignatureCheck =
  | { ok: true; claims: SignedClaims }
  | { ok: false; reason: 'malformed' | 'signature' | 'expired' };

const EXPIRES = 'X-Stowage-Expires';
const SIGNATURE = 'X-Stowage-Signature';
const CONTENT_TYPE = 'X-Stowage-Content-Type';
const MAX_SIZE = 'X-Stowage-Max-Size';
const RESPONSE_DISPOSITION = 'response-content-disposition';
const RESPONSE_TYPE = 'response-content-type';
const SIGNATURE_HEX = /^[0-9a-f]{64}$/;
const DIGITS = /^\d{1,16}$/;

export interface UrlSignerOptions {
  /** Where the object server is reached, e.g. `http://127.0.0.1:8080/files/`. */
  baseUrl: string;
  /** The HMAC key, at least 16 bytes. */
  secret: string | Secret;
}

export class UrlSigner {
  /** The base URL, ending in "/". */
  readonly baseUrl: string;
  /** The base URL's path, ending in "/": what the object server strips before the key. */
  readonly basePath: string;
  readonly #secret: Secret;

  /** @throws TypeError for a base URL that is not http(s) or carries a query. */
  constructor(options: UrlSignerOptions) {
    const url = new URL(options.baseUrl);
    if ((url.protocol !== 'http:' && url.protocol !== 'https:') || url.search !== '' || url.hash !== '') {
      throw new TypeError('baseUrl must be an http(s) URL without query or fragment');
    }
    if (!url.pathname.endsWith('/')) url.pathname += '/';
    this.baseUrl = url.href;
    this.basePath = url.pathname;
    this.#secret = toSecret(options.secret);
  }

  /**
   * A presigned GET URL as a store's `presignGet` returns it, valid `expiresIn` seconds from
   * `now` (the store's clock), pinning the response headers asked for.
   */
  presignGet(key: string, options: PresignGetOptions, now: Date): string {
    const claims: SignedClaims = { method: 'GET', key, expiresAt: now.getTime() + options.expiresIn * 1000 };
    if (options.responseContentDisposition !== undefined)
      claims.responseContentDisposition = options.responseContentDisposition;
    if (options.responseContentType !== undefined) claims.responseContentType = options.responseContentType;
    return this.sign(claims);
  }

  /**
   * A presigned PUT as a store's `presignPut` returns it: the content type (when given) is
   * signed and must be sent as the header returned; `maxSize` is signed for the server to enforce.
   */
  presignPut(key: string, options: PresignPutOptions, now: Date): PresignedRequest {
    const claims: SignedClaims = { method: 'PUT', key, expiresAt: now.getTime() + options.expiresIn * 1000 };
    const headers: Record<string, string> = {};
    if (options.contentType !== undefined) {
      claims.contentType = options.contentType;
      headers['content-type'] = options.contentType;
    }
    if (options.maxSize !== undefined) claims.maxSize = options.maxSize;
    return { url: this.sign(claims), method: 'PUT', headers };
  }

  /** A URL carrying `claims` and their signature. */
  sign(claims: SignedClaims): string {
    const query = new URLSearchParams();
    query.set(EXPIRES, String(claims.expiresAt));
    if (claims.contentType !== undefined) query.set(CONTENT_TYPE, claims.contentType);
    if (claims.maxSize !== undefined) query.set(MAX_SIZE, String(claims.maxSize));
    if (claims.responseContentDisposition !== undefined) {
      query.set(RESPONSE_DISPOSITION, claims.responseContentDisposition);
    }
    if (claims.responseContentType !== undefined) query.set(RESPONSE_TYPE, claims.responseContentType);
    query.set(SIGNATURE, this.mac(claims).toString('hex'));
    return `${this.baseUrl}${encodeKeyPath(claims.key)}?${query.toString()}`;
  }

  /** Whether a request carries a signature at all (else it asks for a public object). */
  static isSigned(requestTarget: string): boolean {
    const q = requestTarget.indexOf('?');
    if (q < 0) return false;
    const query = new URLSearchParams(requestTarget.slice(q + 1));
    return query.has(SIGNATURE) || query.has(EXPIRES);
  }

  /**
   * Checks a request's signature (constant time), then its expiry.
   * @param method what the URL must have been signed for (a HEAD uses a GET signature).
   * @param requestTarget the request's path and query as received (`req.url`).
   */
  verify(method: 'GET' | 'PUT', requestTarget: string, nowMs: number): SignatureCheck {
    let url: URL;
    try {
      url = new URL(requestTarget, 'http://signed.invalid');
    } catch {
      return { ok: false, reason: 'malformed' };
    }
    if (!url.pathname.startsWith(this.basePath)) return { ok: false, reason: 'malformed' };
    const key = decodeKeyPath(url.pathname.slice(this.basePath.length));
    if (key === undefined || !isValidKey(key)) return { ok: false, reason: 'malformed' };
    const q = url.searchParams;
    const expires = q.get(EXPIRES);
    const given = q.get(SIGNATURE);
    const maxSize = q.get(MAX_SIZE);
    if (expires === null || given === null || !DIGITS.test(expires) || !SIGNATURE_HEX.test(given)) {
      return { ok: false, reason: 'malformed' };
    }
    if (maxSize !== null && !DIGITS.test(maxSize)) return { ok: false, reason: 'malformed' };
    const claims: SignedClaims = { method, key, expiresAt: Number(expires) };
    const contentType = q.get(CONTENT_TYPE);
    const disposition = q.get(RESPONSE_DISPOSITION);
    const responseType = q.get(RESPONSE_TYPE);
    if (contentType !== null) claims.contentType = contentType;
    if (maxSize !== null) claims.maxSize = Number(maxSize);
    if (disposition !== null) claims.responseContentDisposition = disposition;
    if (responseType !== null) claims.responseContentType = responseType;
    const expected = this.mac(claims);
    const actual = Buffer.from(given, 'hex');
    if (actual.length !== expected.length || !timingSafeEqual(actual, expected)) {
      return { ok: false, reason: 'signature' };
    }
    // After the signature, so a forged expiry reads as tampering, never as expiry.
    if (nowMs > claims.expiresAt) return { ok: false, reason: 'expired' };
    return { ok: true, claims };
  }

  private mac(c: SignedClaims): Buffer {
    const canonical = JSON.stringify([
      'stowage-url-v1',
      c.method,
      c.key,
      c.expiresAt,
      c.contentType ?? null,
      c.maxSize ?? null,
      c.responseContentDisposition ?? null,
      c.responseContentType ?? null,
    ]);
    return createHmac('sha256', this.#secret.reveal()).update(canonical).digest();
  }
}
