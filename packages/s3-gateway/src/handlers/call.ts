import type { IncomingHttpHeaders } from 'node:http';
import type { Clock, Logger, ObjectInfo } from '@stowage/core';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { type CredentialsProvider, type GatewayScope, hasScope } from '../auth/credentials.js';
import { type Authenticated, headerValue } from '../auth/sigv4.js';
import type { BucketResolver, GatewayBucket } from '../buckets/bucket-resolver.js';
import { ETAG_METADATA, type Etags, HIDDEN_METADATA_PREFIX } from '../etags.js';
import { S3Error, s3ErrorFrom } from '../http/s3-error.js';
import type { S3Target } from '../http/s3-request.js';
import { type XmlElement, xmlDocument } from '../http/xml.js';

/** What every request handler shares. */
export interface GatewayState {
  buckets: BucketResolver;
  credentials: CredentialsProvider;
  etags: Etags;
  clock: Clock;
  logger: Logger | undefined;
  /** Reported by GetBucketLocation and HeadBucket. */
  region: string;
  maxSkewMs: number;
  virtualHostDomain: string | undefined;
  /** Shown as the owner of buckets and objects. */
  owner: { id: string; displayName: string };
  /** Largest request document (DeleteObjects, CompleteMultipartUpload). */
  maxXmlBytes: number;
  /** Bodies up to this size are held in memory before a write to a `recorded` bucket (their MD5 then travels with the object). */
  smallBodyBytes: number;
}

/** One S3 request being answered. */
export interface S3Call {
  readonly request: FastifyRequest;
  readonly reply: FastifyReply;
  readonly method: string;
  readonly headers: IncomingHttpHeaders;
  readonly target: S3Target;
  readonly auth: Authenticated;
  readonly state: GatewayState;
  readonly requestId: string;
}

export function header(call: S3Call, name: string): string | undefined {
  return headerValue(call.headers, name);
}

export function has(call: S3Call, param: string): boolean {
  return call.target.query.has(param);
}

export function param(call: S3Call, name: string): string | undefined {
  return call.target.query.get(name)?.[0];
}

/** @throws AccessDenied when the request's key lacks the scope (anonymous requests have none). */
export function requireScope(call: S3Call, scope: GatewayScope): void {
  if (!hasScope(call.auth.scopes, scope)) {
    throw new S3Error(
      'AccessDenied',
      call.auth.kind === 'anonymous'
        ? 'Access Denied'
        : `Access Denied: this key lacks the "${scope}" scope.`,
    );
  }
}

/** @throws NoSuchBucket */
export async function bucketOf(call: S3Call, name = call.target.bucket!): Promise<GatewayBucket> {
  let bucket: GatewayBucket | null;
  try {
    bucket = await call.state.buckets.get(name);
  } catch (error) {
    throw s3ErrorFrom(error, 'bucket');
  }
  if (bucket === null) throw new S3Error('NoSuchBucket', undefined, { BucketName: name });
  return bucket;
}

export function sendXml(call: S3Call, root: string, body: XmlElement, status = 200): void {
  call.reply.code(status).header('content-type', 'application/xml').send(xmlDocument(root, body));
}

export function sendEmpty(call: S3Call, status = 200): void {
  call.reply.code(status).header('content-length', '0').send();
}

/** The response headers describing an object (HEAD and GET). */
export function objectHeaders(info: ObjectInfo, etag: string): Record<string, string> {
  const out: Record<string, string> = {
    'last-modified': info.lastModified.toUTCString(),
    etag,
    'content-type': info.contentType,
    'accept-ranges': 'bytes',
  };
  if (info.cacheControl !== undefined) out['cache-control'] = info.cacheControl;
  if (info.contentDisposition !== undefined) out['content-disposition'] = info.contentDisposition;
  for (const [name, value] of Object.entries(info.metadata)) {
    if (name.startsWith(HIDDEN_METADATA_PREFIX)) {
      const stored = HIDDEN_HEADERS.find((h) => `${HIDDEN_METADATA_PREFIX}${h}` === name);
      if (stored !== undefined) out[stored] = value;
      continue;
    }
    out[`x-amz-meta-${name}`] = value;
  }
  return out;
}

/** Content headers S3 keeps that Stowage's model has no field for: kept as hidden metadata. */
const HIDDEN_HEADERS = ['content-encoding', 'content-language', 'expires'] as const;

/** The object settings a PutObject, CopyObject (REPLACE) or CreateMultipartUpload request carries. */
export interface WriteSettings {
  contentType?: string;
  cacheControl?: string;
  contentDisposition?: string;
  metadata: Record<string, string>;
  visibility?: 'public' | 'private';
}

/**
 * Reads object settings from request headers, refusing what cannot be honoured (grants,
 * encryption, tagging, object lock, storage classes other than STANDARD) with NotImplemented.
 */
export function writeSettings(call: S3Call, bucket: GatewayBucket): WriteSettings {
  const metadata: Record<string, string> = {};
  for (const [name, raw] of Object.entries(call.headers)) {
    if (raw === undefined) continue;
    const value = Array.isArray(raw) ? raw.join(',') : raw;
    if (name.startsWith('x-amz-meta-')) {
      const key = name.slice('x-amz-meta-'.length);
      if (key.startsWith(HIDDEN_METADATA_PREFIX)) {
        throw new S3Error(
          'InvalidArgument',
          `Metadata names starting with "${HIDDEN_METADATA_PREFIX}" are reserved.`,
        );
      }
      metadata[key] = value;
    } else if (name.startsWith('x-amz-grant-')) {
      throw new S3Error(
        'NotImplemented',
        'ACL grants are not supported; use x-amz-acl private or public-read.',
      );
    } else if (name.startsWith('x-amz-server-side-encryption')) {
      throw new S3Error('NotImplemented', 'Server-side encryption is not supported by this gateway.');
    } else if (name === 'x-amz-tagging') {
      throw new S3Error('NotImplemented', 'Object tagging is not supported by this store.');
    } else if (name.startsWith('x-amz-object-lock-')) {
      throw new S3Error('NotImplemented', 'Object lock is not supported by this store.');
    } else if (name === 'x-amz-website-redirect-location') {
      throw new S3Error('NotImplemented', 'Website redirects are not supported.');
    } else if (name === 'x-amz-storage-class' && value !== 'STANDARD') {
      throw new S3Error('NotImplemented', 'Only the STANDARD storage class is offered.');
    }
  }
  for (const name of HIDDEN_HEADERS) {
    let value = header(call, name);
    if (name === 'content-encoding' && value !== undefined) {
      value = value
        .split(',')
        .map((v) => v.trim())
        .filter((v) => v !== '' && v !== 'aws-chunked')
        .join(',');
    }
    if (value !== undefined && value !== '') metadata[`${HIDDEN_METADATA_PREFIX}${name}`] = value;
  }
  const out: WriteSettings = { metadata };
  const contentType = header(call, 'content-type');
  if (contentType !== undefined && contentType !== '') out.contentType = contentType;
  const cacheControl = header(call, 'cache-control');
  if (cacheControl !== undefined && cacheControl !== '') out.cacheControl = cacheControl;
  const disposition = header(call, 'content-disposition');
  if (disposition !== undefined && disposition !== '') out.contentDisposition = disposition;
  const acl = header(call, 'x-amz-acl');
  if (acl !== undefined) {
    const visibility = visibilityOfAcl(acl);
    if (visibility === 'public' && !bucket.store.capabilities.visibility) {
      throw new S3Error('NotImplemented', 'This store cannot make objects public.');
    }
    if (bucket.store.capabilities.visibility) out.visibility = visibility;
  }
  return out;
}

export function visibilityOfAcl(acl: string): 'public' | 'private' {
  switch (acl) {
    case 'private':
    case 'bucket-owner-full-control':
    case 'bucket-owner-read':
      return 'private';
    case 'public-read':
      return 'public';
    default:
      throw new S3Error(
        'NotImplemented',
        `The canned ACL "${acl.slice(0, 40)}" is not supported; use private or public-read.`,
      );
  }
}

/** Settings for a CopyObject destination: the source's, or (REPLACE) the request's. */
export function stripHidden(metadata: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(metadata))
    if (!name.startsWith(HIDDEN_METADATA_PREFIX)) out[name] = value;
  return out;
}

export { ETAG_METADATA };
