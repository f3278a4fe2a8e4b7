import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { SignatureV4 } from '@smithy/signature-v4';
import { S3Error } from '../http/s3-error.js';
import { type S3Target, s3UriEncode } from '../http/s3-request.js';
import type { CredentialsProvider, GatewayScope } from './credentials.js';

export const UNSIGNED_PAYLOAD = 'UNSIGNED-PAYLOAD';
/** S3's own words for a Signature Version 2 header (clients such as s3cmd recognise them). */
const SIGV2_REFUSED =
  'The authorization mechanism you have provided is not supported. Please use AWS4-HMAC-SHA256.';
/** Subresources that are part of a Signature Version 2 canonical resource. */
const SIGV2_SUBRESOURCES = [
  'acl',
  'delete',
  'location',
  'partNumber',
  'response-cache-control',
  'response-content-disposition',
  'response-content-encoding',
  'response-content-language',
  'response-content-type',
  'response-expires',
  'uploadId',
  'uploads',
  'versionId',
  'versioning',
];
export const EMPTY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

/** What verifying the request's signature established. */
export interface Authenticated {
  kind: 'header' | 'presigned' | 'anonymous';
  accessKeyId?: string;
  scopes: readonly GatewayScope[];
  /** For chunk and trailer signatures of streaming payloads (header auth only). */
  signing?: ChunkSigning;
  /** `x-amz-content-sha256` of a header-signed request (presigned: UNSIGNED-PAYLOAD or the query's). */
  payloadHash?: string;
}

/** What chunk and trailer signatures are computed from. */
export interface ChunkSigning {
  signingKey: Buffer;
  longDate: string;
  scope: string;
  seedSignature: string;
}

export interface VerifyOptions {
  credentials: CredentialsProvider;
  now: Date;
  /** Largest accepted difference between the request's time and ours (default 15 minutes). */
  maxSkewMs: number;
}

interface SignedRequestView {
  method: string;
  headers: IncomingHttpHeaders;
  target: S3Target;
}

/** SHA-256 for smithy's signer, on node:crypto (HMAC when constructed with a secret). */
class NodeSha256 {
  private readonly hash;
  constructor(secret?: string | ArrayBuffer | ArrayBufferView) {
    this.hash =
      secret === undefined ? createHash('sha256') : createHmac('sha256', toBuffer(secret) as Uint8Array);
  }
  update(data: string | ArrayBuffer | ArrayBufferView): void {
    this.hash.update(toBuffer(data) as Uint8Array);
  }
  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.hash.digest());
  }
}

function toBuffer(data: string | ArrayBuffer | ArrayBufferView): Buffer | string {
  if (typeof data === 'string') return data;
  if (ArrayBuffer.isView(data)) return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  return Buffer.from(data);
}

/**
 * Verifies a request signed with AWS Signature Version 4, in the Authorization header or in
 * a presigned query string, with `@smithy/signature-v4` recomputing the signature from the
 * signed parts of the request; no signature at all is an anonymous request.
 * @throws S3Error: AccessDenied, InvalidAccessKeyId, SignatureDoesNotMatch, RequestTimeTooSkewed,
 *   AuthorizationHeaderMalformed, AuthorizationQueryParametersError, NotImplemented (SigV4a), InvalidRequest (SigV2).
 */
export async function verifyRequest(
  request: SignedRequestView,
  options: VerifyOptions,
): Promise<Authenticated> {
  const authorization = headerValue(request.headers, 'authorization');
  if (authorization !== undefined) return verifyHeader(request, authorization, options);
  if (request.target.query.has('X-Amz-Algorithm') || request.target.query.has('X-Amz-Signature'))
    return verifyPresigned(request, options);
  if (request.target.query.has('AWSAccessKeyId') || request.target.query.has('Signature')) {
    return verifyPresignedV2(request, options);
  }
  return { kind: 'anonymous', scopes: [] };
}

interface ParsedCredential {
  accessKeyId: string;
  shortDate: string;
  region: string;
  service: string;
  scope: string;
}

function parseCredential(
  value: string,
  code: 'AuthorizationHeaderMalformed' | 'AuthorizationQueryParametersError',
) {
  const parts = value.split('/');
  if (parts.length !== 5 || parts[4] !== 'aws4_request' || parts.some((p) => p === '')) {
    throw new S3Error(
      code,
      'The Credential is malformed; expecting "<AccessKeyId>/<YYYYMMDD>/<region>/s3/aws4_request".',
    );
  }
  const [accessKeyId, shortDate, region, service] = parts as [string, string, string, string];
  if (service !== 's3')
    throw new S3Error(code, `The credential scope names service "${service}"; expecting "s3".`);
  if (!/^\d{8}$/.test(shortDate)) throw new S3Error(code, 'The credential scope date is malformed.');
  return {
    accessKeyId,
    shortDate,
    region,
    service,
    scope: parts.slice(1).join('/'),
  } satisfies ParsedCredential;
}

function parseAmzDate(value: string | undefined, code: 'AccessDenied' | 'AuthorizationQueryParametersError') {
  const m = value === undefined ? null : /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(value);
  if (m === null) {
    throw new S3Error(
      code,
      code === 'AccessDenied'
        ? 'AWS authentication requires a valid X-Amz-Date (YYYYMMDDTHHMMSSZ).'
        : 'X-Amz-Date must be in the ISO8601 basic format (YYYYMMDDTHHMMSSZ).',
    );
  }
  const [, y, mo, d, h, mi, s] = m;
  const date = new Date(Date.UTC(+y!, +mo! - 1, +d!, +h!, +mi!, +s!));
  if (Number.isNaN(date.getTime())) throw new S3Error(code, 'X-Amz-Date is not a valid date.');
  return { date, longDate: value! };
}

async function verifyHeader(
  request: SignedRequestView,
  authorization: string,
  options: VerifyOptions,
): Promise<Authenticated> {
  const space = authorization.indexOf(' ');
  const algorithm = space < 0 ? authorization : authorization.slice(0, space);
  if (algorithm === 'AWS4-ECDSA-P256-SHA256') {
    throw new S3Error('NotImplemented', 'Signature Version 4A (AWS4-ECDSA-P256-SHA256) is not supported.');
  }
  if (algorithm === 'AWS') {
    throw new S3Error('InvalidRequest', SIGV2_REFUSED);
  }
  if (algorithm !== 'AWS4-HMAC-SHA256') {
    throw new S3Error(
      'AuthorizationHeaderMalformed',
      `Unsupported authorization type "${algorithm.slice(0, 40)}".`,
    );
  }
  const fields = new Map<string, string>();
  for (const part of authorization.slice(space + 1).split(',')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    fields.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim());
  }
  const credential = fields.get('Credential');
  const signedHeadersText = fields.get('SignedHeaders');
  const signature = fields.get('Signature');
  if (credential === undefined || signedHeadersText === undefined || signature === undefined) {
    throw new S3Error(
      'AuthorizationHeaderMalformed',
      'The authorization header needs Credential, SignedHeaders and Signature.',
    );
  }
  const cred = parseCredential(credential, 'AuthorizationHeaderMalformed');
  const { date, longDate } = parseAmzDate(
    headerValue(request.headers, 'x-amz-date') ?? isoFromHttpDate(headerValue(request.headers, 'date')),
    'AccessDenied',
  );
  if (longDate.slice(0, 8) !== cred.shortDate) {
    throw new S3Error('SignatureDoesNotMatch', 'The credential scope date does not match X-Amz-Date.');
  }
  checkSkew(date, options);
  const signedHeaders = signedHeadersText.split(';').map((h) => h.trim().toLowerCase());
  if (!signedHeaders.includes('host')) {
    throw new S3Error('AccessDenied', 'The host header must be signed.');
  }
  const payloadHash = headerValue(request.headers, 'x-amz-content-sha256');
  if (payloadHash === undefined) {
    throw new S3Error(
      'MissingSecurityHeader',
      'Missing required header for this request: x-amz-content-sha256',
    );
  }
  const found = await options.credentials.lookup(cred.accessKeyId);
  if (found === null) throw new S3Error('InvalidAccessKeyId');

  const headers: Record<string, string> = {};
  for (const name of signedHeaders) {
    const value = headerValue(request.headers, name);
    if (value === undefined) {
      throw new S3Error(
        'SignatureDoesNotMatch',
        `The signed header "${name.slice(0, 64)}" is missing from the request.`,
      );
    }
    headers[name] = value;
  }
  const unsignable = new Set<string>();
  if (!signedHeaders.includes('x-amz-content-sha256')) {
    headers['x-amz-content-sha256'] = payloadHash;
    unsignable.add('x-amz-content-sha256');
  }
  const expected = await computeSignatures(request, {
    accessKeyId: cred.accessKeyId,
    secret: found.secretAccessKey,
    region: cred.region,
    date,
    headers,
    signable: new Set(signedHeaders),
    unsignable,
    query: queryObject(request.target.query),
  });
  if (!expected.some((e) => safeEqual(e, signature))) throw new S3Error('SignatureDoesNotMatch');
  return {
    kind: 'header',
    accessKeyId: cred.accessKeyId,
    scopes: found.scopes,
    payloadHash,
    signing: {
      signingKey: signingKey(found.secretAccessKey, cred.shortDate, cred.region, 's3'),
      longDate,
      scope: cred.scope,
      seedSignature: signature,
    },
  };
}

async function verifyPresigned(request: SignedRequestView, options: VerifyOptions): Promise<Authenticated> {
  const q = request.target.query;
  const one = (name: string) => {
    const values = q.get(name);
    if (values === undefined || values.length !== 1) {
      throw new S3Error(
        'AuthorizationQueryParametersError',
        `Query-string authentication requires exactly one ${name}.`,
      );
    }
    return values[0]!;
  };
  const algorithm = one('X-Amz-Algorithm');
  if (algorithm !== 'AWS4-HMAC-SHA256') {
    throw new S3Error(
      'AuthorizationQueryParametersError',
      'X-Amz-Algorithm only supports "AWS4-HMAC-SHA256".',
    );
  }
  const cred = parseCredential(one('X-Amz-Credential'), 'AuthorizationQueryParametersError');
  const { date, longDate } = parseAmzDate(one('X-Amz-Date'), 'AuthorizationQueryParametersError');
  if (longDate.slice(0, 8) !== cred.shortDate) {
    throw new S3Error('SignatureDoesNotMatch', 'The credential scope date does not match X-Amz-Date.');
  }
  const expiresText = one('X-Amz-Expires');
  const expires = /^\d{1,7}$/.test(expiresText) ? Number(expiresText) : Number.NaN;
  if (!Number.isInteger(expires) || expires < 1 || expires > 604_800) {
    throw new S3Error('AuthorizationQueryParametersError', 'X-Amz-Expires must be from 1 to 604800 seconds.');
  }
  const now = options.now.getTime();
  if (now > date.getTime() + expires * 1000) throw new S3Error('AccessDenied', 'Request has expired');
  if (date.getTime() - now > options.maxSkewMs) throw new S3Error('AccessDenied', 'Request is not yet valid');
  const signature = one('X-Amz-Signature');
  const signedHeaders = one('X-Amz-SignedHeaders')
    .split(';')
    .map((h) => h.trim().toLowerCase());
  if (!signedHeaders.includes('host')) throw new S3Error('AccessDenied', 'The host header must be signed.');
  const found = await options.credentials.lookup(cred.accessKeyId);
  if (found === null) throw new S3Error('InvalidAccessKeyId');
  const headers: Record<string, string> = {};
  for (const name of signedHeaders) {
    const value = headerValue(request.headers, name);
    if (value === undefined) {
      throw new S3Error(
        'SignatureDoesNotMatch',
        `The signed header "${name.slice(0, 64)}" is missing from the request.`,
      );
    }
    headers[name] = value;
  }
  const payloadHash = q.get('X-Amz-Content-Sha256')?.[0] ?? UNSIGNED_PAYLOAD;
  const unsignable = new Set<string>(['x-amz-date']);
  if (!signedHeaders.includes('x-amz-content-sha256')) {
    headers['x-amz-content-sha256'] = payloadHash;
    unsignable.add('x-amz-content-sha256');
  }
  const expected = await computeSignatures(request, {
    accessKeyId: cred.accessKeyId,
    secret: found.secretAccessKey,
    region: cred.region,
    date,
    headers,
    signable: new Set(signedHeaders),
    unsignable,
    query: queryObject(q),
  });
  if (!expected.some((e) => safeEqual(e, signature))) throw new S3Error('SignatureDoesNotMatch');
  return { kind: 'presigned', accessKeyId: cred.accessKeyId, scopes: found.scopes, payloadHash };
}

/**
 * A Signature Version 2 presigned URL (`AWSAccessKeyId`, `Expires`, `Signature`), which
 * `s3cmd signurl` and boto3's `generate_presigned_url` still make: GET, HEAD and PUT, HMAC-SHA1
 * over the V2 string to sign.
 * Header-signed V2 requests are refused.
 */
async function verifyPresignedV2(request: SignedRequestView, options: VerifyOptions): Promise<Authenticated> {
  const q = request.target.query;
  const accessKeyId = q.get('AWSAccessKeyId')?.[0];
  const expiresText = q.get('Expires')?.[0];
  const signature = q.get('Signature')?.[0];
  if (accessKeyId === undefined || expiresText === undefined || signature === undefined) {
    throw new S3Error(
      'AccessDenied',
      'Query-string authentication requires AWSAccessKeyId, Expires and Signature.',
    );
  }
  if (!['GET', 'HEAD', 'PUT'].includes(request.method)) throw new S3Error('InvalidRequest', SIGV2_REFUSED);
  const expires = /^\d{1,12}$/.test(expiresText) ? Number(expiresText) * 1000 : Number.NaN;
  const now = options.now.getTime();
  if (!Number.isFinite(expires) || expires < now) throw new S3Error('AccessDenied', 'Request has expired');
  if (expires - now > 604_800_000 + options.maxSkewMs) {
    throw new S3Error('AccessDenied', 'Signature Version 2 URLs may live at most 7 days here.');
  }
  const found = await options.credentials.lookup(accessKeyId);
  if (found === null) throw new S3Error('InvalidAccessKeyId');
  const sub = SIGV2_SUBRESOURCES.filter((name) => q.has(name))
    .map((name) => {
      const value = q.get(name)![0]!;
      return value === '' ? name : `${name}=${value}`;
    })
    .join('&');
  const contentMd5 = headerValue(request.headers, 'content-md5') ?? '';
  const contentType = headerValue(request.headers, 'content-type') ?? '';
  const stringToSign = `${request.method}\n${contentMd5}\n${contentType}\n${expiresText}\n${request.target.rawPath}${sub === '' ? '' : `?${sub}`}`;
  const expected = createHmac('sha1', found.secretAccessKey).update(stringToSign).digest('base64');
  if (!safeEqual(expected, signature)) throw new S3Error('SignatureDoesNotMatch');
  return { kind: 'presigned', accessKeyId, scopes: found.scopes, payloadHash: UNSIGNED_PAYLOAD };
}

/**
 * The signatures the request could carry: the canonical URI is the path re-encoded strictly
 * (what SigV4 specifies), or the path exactly as sent (clients that encode fewer characters).
 */
async function computeSignatures(
  request: SignedRequestView,
  input: {
    accessKeyId: string;
    secret: string;
    region: string;
    date: Date;
    headers: Record<string, string>;
    signable: Set<string>;
    unsignable: Set<string>;
    query: Record<string, string | string[]>;
  },
): Promise<string[]> {
  const signer = new SignatureV4({
    credentials: { accessKeyId: input.accessKeyId, secretAccessKey: input.secret },
    region: input.region,
    service: 's3',
    sha256: NodeSha256,
    uriEscapePath: false,
    applyChecksum: false,
  });
  const paths = new Set<string>();
  try {
    paths.add(s3UriEncode(decodeURIComponent(request.target.rawPath), true));
  } catch {
    // Malformed encoding: only the path as sent can have been signed.
  }
  paths.add(request.target.rawPath);
  const out: string[] = [];
  for (const path of paths) {
    const signed = await signer.sign(
      {
        method: request.method,
        protocol: 'http:',
        hostname: input.headers.host ?? '',
        path,
        query: input.query,
        headers: { ...input.headers },
      },
      {
        signingDate: input.date,
        signableHeaders: input.signable,
        unsignableHeaders: input.unsignable,
        signingRegion: input.region,
        signingService: 's3',
      },
    );
    const header = String(signed.headers.authorization ?? signed.headers.Authorization ?? '');
    const m = /Signature=([0-9a-f]{64})/.exec(header);
    if (m !== null) out.push(m[1]!);
  }
  return out;
}

function queryObject(query: Map<string, string[]>): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = Object.create(null);
  for (const [name, values] of query) {
    if (name === 'X-Amz-Signature') continue;
    out[name] = values.length === 1 ? values[0]! : [...values];
  }
  return out;
}

function checkSkew(date: Date, options: VerifyOptions): void {
  if (Math.abs(options.now.getTime() - date.getTime()) > options.maxSkewMs) {
    throw new S3Error('RequestTimeTooSkewed', undefined, {
      RequestTime: date.toISOString(),
      ServerTime: options.now.toISOString(),
      MaxAllowedSkewMilliseconds: String(options.maxSkewMs),
    });
  }
}

/** The SigV4 signing key: HMAC chain of date, region, service and "aws4_request". */
export function signingKey(secret: string, shortDate: string, region: string, service: string): Buffer {
  let key: Buffer = createHmac('sha256', `AWS4${secret}`).update(shortDate).digest();
  for (const part of [region, service, 'aws4_request']) key = createHmac('sha256', key).update(part).digest();
  return key;
}

export function hmacHex(key: Buffer, text: string): string {
  return createHmac('sha256', key).update(text).digest('hex');
}

export function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

export function headerValue(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  if (value === undefined) return undefined;
  return Array.isArray(value) ? value.join(',') : value;
}

function isoFromHttpDate(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const ms = Date.parse(value);
  if (Number.isNaN(ms)) return undefined;
  return new Date(ms)
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}Z$/, 'Z');
}
