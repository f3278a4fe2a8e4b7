import type { Readable } from 'node:stream';
import {
  type CopyOptions,
  type GetResult,
  isStorageError,
  type ObjectInfo,
  type PutOptions,
} from '@stowage/core';
import { decideRead, etagsMatch, quoteEtag, unquoteEtag } from '@stowage/kit';
import type { GatewayBucket } from '../buckets/bucket-resolver.js';
import { ETAG_METADATA } from '../etags.js';
import { S3Error, s3ErrorFrom } from '../http/s3-error.js';
import { parseXmlDocument, xmlText } from '../http/xml.js';
import { readSmallBody, type VerifiedBody, verifiedBody } from '../payload/request-body.js';
import { sendAcl } from './buckets.js';
import {
  bucketOf,
  has,
  header,
  objectHeaders,
  param,
  requireScope,
  type S3Call,
  sendEmpty,
  sendXml,
  stripHidden,
  visibilityOfAcl,
  writeSettings,
} from './call.js';

const RESPONSE_OVERRIDES = {
  'response-content-type': 'content-type',
  'response-content-language': 'content-language',
  'response-expires': 'expires',
  'response-cache-control': 'cache-control',
  'response-content-disposition': 'content-disposition',
  'response-content-encoding': 'content-encoding',
} as const;

const CONDITIONAL_HEADERS = [
  'range',
  'if-match',
  'if-none-match',
  'if-modified-since',
  'if-unmodified-since',
];

function rejectVersionId(call: S3Call): void {
  const versionId = param(call, 'versionId');
  if (versionId !== undefined && versionId !== 'null') {
    throw new S3Error('NotImplemented', 'Object versions are not supported by this store.');
  }
}

/** GET and HEAD of an object: ranges and If-* conditions decided by the kit's `decideRead`. */
export async function getObject(call: S3Call, headOnly: boolean): Promise<void> {
  const anonymous = call.auth.kind === 'anonymous';
  if (!anonymous) requireScope(call, 'read');
  rejectVersionId(call);
  if (has(call, 'partNumber'))
    throw new S3Error('NotImplemented', 'Reading one part of an object is not supported.');
  const overrides: Record<string, string> = {};
  for (const [q, h] of Object.entries(RESPONSE_OVERRIDES)) {
    const value = param(call, q);
    if (value !== undefined) overrides[h] = value;
  }
  if (anonymous && Object.keys(overrides).length > 0) {
    throw new S3Error(
      'InvalidRequest',
      'Request specific response headers cannot be used for anonymous GET requests.',
    );
  }
  const bucket = await bucketOf(call);
  const key = call.target.key!;
  const store = bucket.store;
  const conditional = CONDITIONAL_HEADERS.some((h) => call.headers[h] !== undefined);
  const denied = () => new S3Error('AccessDenied');

  for (let attempt = 0; ; attempt++) {
    let result: GetResult | undefined;
    let info: ObjectInfo;
    try {
      if (!conditional && !headOnly) {
        result = await store.get(key);
        info = result.info;
      } else {
        info = await store.head(key);
      }
    } catch (error) {
      if (anonymous) throw denied();
      throw s3ErrorFrom(error);
    }
    if (anonymous && info.visibility !== 'public') {
      result?.body.destroy();
      throw denied();
    }
    let etag: string;
    try {
      etag = await call.state.etags.of(bucket, info);
    } catch (error) {
      result?.body.destroy();
      throw s3ErrorFrom(error);
    }
    const decision = conditional
      ? decideRead(call.headers, { etag, lastModified: info.lastModified, size: info.size }, call.method)
      : ({ status: 200 } as const);
    if (decision.status === 304) {
      result?.body.destroy();
      call.reply.code(304).headers({ etag, 'last-modified': info.lastModified.toUTCString() }).send();
      return;
    }
    if (decision.status === 412)
      throw new S3Error('PreconditionFailed', undefined, { Condition: 'If-Match' });
    if (decision.status === 416) {
      call.reply.header('content-range', `bytes */${info.size}`);
      throw new S3Error('InvalidRange', undefined, { ActualObjectSize: String(info.size) });
    }
    const headers: Record<string, string> = { ...objectHeaders(info, etag), ...overrides };
    const range = decision.status === 206 ? decision.range : undefined;
    if (range !== undefined) headers['content-range'] = `bytes ${range.start}-${range.end}/${info.size}`;
    headers['content-length'] = String(range === undefined ? info.size : range.end - range.start + 1);
    if (
      range === undefined &&
      info.sha256 !== undefined &&
      header(call, 'x-amz-checksum-mode') === 'ENABLED'
    ) {
      headers['x-amz-checksum-sha256'] = Buffer.from(info.sha256, 'hex').toString('base64');
      headers['x-amz-checksum-type'] = 'FULL_OBJECT';
    }
    const status = range === undefined ? 200 : 206;
    if (headOnly) {
      call.reply.code(status).headers(headers).send();
      return;
    }
    if (result === undefined) {
      try {
        result = await store.get(key, { ...(range === undefined ? {} : { range }), ifMatch: info.etag });
      } catch (error) {
        // Replaced between the HEAD and the GET: decide again on the new object.
        if (isStorageError(error, 'PreconditionFailed') && attempt < 3) continue;
        throw s3ErrorFrom(error);
      }
    }
    call.reply.code(status).headers(headers).send(result.body);
    return;
  }
}

/** The S3 ETag an If-Match names, checked against the object; returns the store's etag to write on. */
async function storeEtagFor(
  call: S3Call,
  bucket: GatewayBucket,
  key: string,
  ifMatch: string,
): Promise<string> {
  if (bucket.etags === 'native') return ifMatch;
  let info: ObjectInfo;
  try {
    info = await bucket.store.head(key);
  } catch (error) {
    throw s3ErrorFrom(error);
  }
  const etag = await call.state.etags.of(bucket, info);
  if (ifMatch.trim() !== '*' && !ifMatch.split(',').some((e) => etagsMatch(e.trim(), etag))) {
    throw new S3Error('PreconditionFailed', undefined, { Condition: 'If-Match' });
  }
  return info.etag;
}

function putErrorFrom(error: unknown, body: VerifiedBody | undefined): S3Error {
  const failure = body?.failure();
  if (failure !== undefined) return failure;
  if (isStorageError(error, 'Integrity') && body?.sha256 !== undefined) {
    return new S3Error('XAmzContentSHA256Mismatch', undefined, {}, { cause: error });
  }
  return s3ErrorFrom(error);
}

/** PUT of an object (also CopyObject and PutObjectAcl, which share the method). */
export async function putObject(call: S3Call): Promise<void> {
  requireScope(call, 'write');
  rejectVersionId(call);
  const bucket = await bucketOf(call);
  const key = call.target.key!;
  const caps = bucket.store.capabilities;
  const settings = writeSettings(call, bucket);
  const options: PutOptions = { ...settings };
  const ifNoneMatch = header(call, 'if-none-match');
  const ifMatch = header(call, 'if-match');
  if (ifNoneMatch !== undefined) {
    if (ifNoneMatch.trim() !== '*')
      throw new S3Error('NotImplemented', 'If-None-Match on a write only accepts "*".');
    if (!caps.writeIfNoneMatch)
      throw new S3Error('NotImplemented', 'This store cannot write conditionally (If-None-Match).');
    options.ifNoneMatch = '*';
  }
  if (ifMatch !== undefined && !caps.writeIfMatch) {
    throw new S3Error('NotImplemented', 'This store cannot write conditionally (If-Match).');
  }
  const recorded = bucket.etags === 'recorded';
  const body = verifiedBody(call.request.raw, call.auth, {
    md5: recorded,
    ...(caps.maxObjectSize === undefined ? {} : { maxBytes: caps.maxObjectSize }),
  });
  if (body.length !== undefined) options.contentLength = body.length;
  if (body.sha256 !== undefined) options.sha256 = body.sha256;
  if (ifMatch !== undefined) options.ifMatch = await storeEtagFor(call, bucket, key, ifMatch);

  let payload: Readable | Buffer = body.body;
  let knownMd5: string | undefined;
  if (recorded) {
    const contentMd5 = header(call, 'content-md5');
    if (contentMd5 !== undefined) knownMd5 = Buffer.from(contentMd5, 'base64').toString('hex');
    else if (body.length !== undefined && body.length <= call.state.smallBodyBytes) {
      payload = await readSmallBody(body, call.state.smallBodyBytes);
      knownMd5 = body.result().md5;
    }
    if (knownMd5 !== undefined) options.metadata = { ...settings.metadata, [ETAG_METADATA]: knownMd5 };
  }
  let info: ObjectInfo;
  try {
    info = await bucket.store.put(key, payload, options);
  } catch (error) {
    throw putErrorFrom(error, body);
  }
  let etag = info.etag;
  if (recorded) {
    const md5 = knownMd5 ?? body.result().md5!;
    if (knownMd5 === undefined) await call.state.etags.recordContent(info.etag, md5);
    etag = quoteEtag(md5);
  }
  call.reply.header('etag', etag);
  const checksum = body.result().checksum;
  if (checksum !== undefined) call.reply.header(`x-amz-checksum-${checksum.algorithm}`, checksum.value);
  sendEmpty(call);
}

/** `x-amz-copy-source`: `/bucket/key` or `bucket/key`, URL-encoded. */
export function copySource(call: S3Call): { bucket: string; key: string } {
  const raw = header(call, 'x-amz-copy-source')!;
  let text = raw;
  const q = text.indexOf('?');
  if (q >= 0) {
    const versionId = new URLSearchParams(text.slice(q + 1)).get('versionId');
    if (versionId !== null && versionId !== 'null') {
      throw new S3Error('NotImplemented', 'Object versions are not supported by this store.');
    }
    text = text.slice(0, q);
  }
  let decoded: string;
  try {
    decoded = decodeURIComponent(text);
  } catch (cause) {
    throw new S3Error('InvalidArgument', 'x-amz-copy-source is not valid URL encoding.', {}, { cause });
  }
  if (decoded.startsWith('/')) decoded = decoded.slice(1);
  const slash = decoded.indexOf('/');
  if (slash <= 0 || slash === decoded.length - 1) {
    throw new S3Error(
      'InvalidArgument',
      'Copy Source must mention the source bucket and key: sourcebucket/sourcekey.',
    );
  }
  return { bucket: decoded.slice(0, slash), key: decoded.slice(slash + 1) };
}

/** Evaluates `x-amz-copy-source-if-*` against the source; returns its info and S3 ETag. */
export async function copySourceInfo(
  call: S3Call,
  bucket: GatewayBucket,
  key: string,
): Promise<{ info: ObjectInfo; etag: string }> {
  let info: ObjectInfo;
  try {
    info = await bucket.store.head(key);
  } catch (error) {
    throw s3ErrorFrom(error);
  }
  const etag = await call.state.etags.of(bucket, info);
  const decision = decideRead(
    {
      ...(call.headers['x-amz-copy-source-if-match'] === undefined
        ? {}
        : { 'if-match': header(call, 'x-amz-copy-source-if-match') }),
      ...(call.headers['x-amz-copy-source-if-none-match'] === undefined
        ? {}
        : { 'if-none-match': header(call, 'x-amz-copy-source-if-none-match') }),
      ...(call.headers['x-amz-copy-source-if-modified-since'] === undefined
        ? {}
        : { 'if-modified-since': header(call, 'x-amz-copy-source-if-modified-since') }),
      ...(call.headers['x-amz-copy-source-if-unmodified-since'] === undefined
        ? {}
        : { 'if-unmodified-since': header(call, 'x-amz-copy-source-if-unmodified-since') }),
    },
    { etag, lastModified: info.lastModified, size: info.size },
    'GET',
  );
  if (decision.status === 412 || decision.status === 304) throw new S3Error('PreconditionFailed');
  return { info, etag };
}

/** PUT with x-amz-copy-source: CopyObject with the COPY or REPLACE metadata directive. */
export async function copyObject(call: S3Call): Promise<void> {
  requireScope(call, 'write');
  requireScope(call, 'read');
  const source = copySource(call);
  const target = await bucketOf(call);
  const from = source.bucket === target.name ? target : await bucketOf(call, source.bucket);
  const key = call.target.key!;
  const directive = (header(call, 'x-amz-metadata-directive') ?? 'COPY').toUpperCase();
  if (directive !== 'COPY' && directive !== 'REPLACE') {
    throw new S3Error('InvalidArgument', 'Unknown metadata directive.');
  }
  if (header(call, 'x-amz-tagging-directive') === 'REPLACE') {
    throw new S3Error('NotImplemented', 'Object tagging is not supported by this store.');
  }
  const settings = writeSettings(call, target);
  const acl = header(call, 'x-amz-acl');
  if (from === target && source.key === key && directive === 'COPY' && acl === undefined) {
    throw new S3Error(
      'InvalidRequest',
      "This copy request is illegal because it is trying to copy an object to itself without changing the object's metadata, storage class, website redirect location or encryption attributes.",
    );
  }
  const ifNoneMatch = header(call, 'if-none-match');
  if (ifNoneMatch !== undefined && ifNoneMatch.trim() !== '*') {
    throw new S3Error('NotImplemented', 'If-None-Match on a write only accepts "*".');
  }
  if (ifNoneMatch !== undefined && !target.store.capabilities.writeIfNoneMatch) {
    throw new S3Error('NotImplemented', 'This store cannot write conditionally (If-None-Match).');
  }
  const { info: src, etag: srcEtag } = await copySourceInfo(call, from, source.key);
  const carriedEtag: Record<string, string> =
    target.etags === 'recorded' ? { [ETAG_METADATA]: unquoteEtag(srcEtag) } : {};

  let info: ObjectInfo;
  if (from === target) {
    const options: CopyOptions = { ifMatch: src.etag };
    if (ifNoneMatch !== undefined) options.ifNoneMatch = '*';
    if (directive === 'REPLACE') {
      options.metadata = { ...settings.metadata, ...carriedEtag };
      options.contentType = settings.contentType ?? 'binary/octet-stream';
      if (settings.cacheControl !== undefined) options.cacheControl = settings.cacheControl;
      if (settings.contentDisposition !== undefined) options.contentDisposition = settings.contentDisposition;
    }
    if (settings.visibility !== undefined) options.visibility = settings.visibility;
    try {
      info = await target.store.copy(source.key, key, options);
    } catch (error) {
      throw s3ErrorFrom(error);
    }
  } else {
    // Across buckets (stores): the bytes stream through the gateway.
    let got: GetResult;
    try {
      got = await from.store.get(source.key, { ifMatch: src.etag });
    } catch (error) {
      throw isStorageError(error, 'PreconditionFailed')
        ? new S3Error('PreconditionFailed')
        : s3ErrorFrom(error);
    }
    const options: PutOptions = { contentLength: src.size };
    if (ifNoneMatch !== undefined) options.ifNoneMatch = '*';
    if (directive === 'REPLACE') {
      options.metadata = { ...settings.metadata, ...carriedEtag };
      if (settings.contentType !== undefined) options.contentType = settings.contentType;
      if (settings.cacheControl !== undefined) options.cacheControl = settings.cacheControl;
      if (settings.contentDisposition !== undefined) options.contentDisposition = settings.contentDisposition;
    } else {
      options.metadata = {
        ...stripHidden(src.metadata),
        ...hiddenContentHeaders(src.metadata),
        ...carriedEtag,
      };
      options.contentType = src.contentType;
      if (src.cacheControl !== undefined) options.cacheControl = src.cacheControl;
      if (src.contentDisposition !== undefined) options.contentDisposition = src.contentDisposition;
    }
    if (settings.visibility !== undefined) options.visibility = settings.visibility;
    else if (target.store.capabilities.visibility && src.visibility === 'public')
      options.visibility = 'public';
    if (src.sha256 !== undefined) options.sha256 = src.sha256;
    try {
      info = await target.store.put(key, got.body, options);
    } catch (error) {
      got.body.destroy();
      throw s3ErrorFrom(error);
    }
  }
  const etag = target.etags === 'recorded' ? quoteEtag(unquoteEtag(srcEtag)) : info.etag;
  sendXml(call, 'CopyObjectResult', { LastModified: info.lastModified, ETag: etag });
}

function hiddenContentHeaders(metadata: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(metadata)) {
    if (name.startsWith('s3gw-') && name !== ETAG_METADATA) out[name] = value;
  }
  return out;
}

/** DELETE of an object: a missing key succeeds, as on S3. */
export async function deleteObject(call: S3Call): Promise<void> {
  requireScope(call, 'write');
  rejectVersionId(call);
  const bucket = await bucketOf(call);
  try {
    await bucket.store.delete(call.target.key!);
  } catch (error) {
    throw s3ErrorFrom(error);
  }
  sendEmpty(call, 204);
}

/** POST /bucket?delete: DeleteObjects (up to 1,000 keys). */
export async function deleteObjects(call: S3Call): Promise<void> {
  requireScope(call, 'write');
  const bucket = await bucketOf(call);
  const body = verifiedBody(call.request.raw, call.auth);
  const text = (await readSmallBody(body, call.state.maxXmlBytes)).toString('utf8');
  const doc = parseXmlDocument(text, 'Delete');
  const objects = Array.isArray(doc.Object) ? (doc.Object as unknown[]) : [];
  if (objects.length === 0 || objects.length > 1000) throw new S3Error('MalformedXML');
  const quiet = xmlText(doc.Quiet)?.trim().toLowerCase() === 'true';
  const keys: string[] = [];
  const errors: Array<{ Key: string; Code: string; Message: string }> = [];
  for (const entry of objects) {
    const o = entry as Record<string, unknown>;
    const key = xmlText(o.Key);
    if (key === undefined) throw new S3Error('MalformedXML');
    const versionId = xmlText(o.VersionId);
    if (versionId !== undefined && versionId !== '' && versionId !== 'null') {
      errors.push({
        Key: key,
        Code: 'NotImplemented',
        Message: 'Object versions are not supported by this store.',
      });
      continue;
    }
    keys.push(key);
  }
  let failed = new Map<string, Error>();
  try {
    const result = await bucket.store.deleteMany(keys);
    failed = new Map(result.errors.map((e) => [e.key, e.error]));
  } catch (error) {
    throw s3ErrorFrom(error);
  }
  const deleted: Array<{ Key: string }> = [];
  for (const key of keys) {
    const error = failed.get(key);
    if (error === undefined) {
      if (!quiet) deleted.push({ Key: key });
    } else {
      const mapped = s3ErrorFrom(error);
      errors.push({ Key: key, Code: mapped.code, Message: mapped.message });
    }
  }
  sendXml(call, 'DeleteResult', { Deleted: deleted, Error: errors });
}

/** GET ?acl of an object: canned, from its visibility. */
export async function getObjectAcl(call: S3Call): Promise<void> {
  requireScope(call, 'read');
  const bucket = await bucketOf(call);
  let info: ObjectInfo;
  try {
    info = await bucket.store.head(call.target.key!);
  } catch (error) {
    throw s3ErrorFrom(error);
  }
  sendAcl(call, info.visibility === 'public');
}

/** PUT ?acl of an object: a canned `x-amz-acl` (private, public-read), or a policy document equal to one. */
export async function putObjectAcl(call: S3Call): Promise<void> {
  requireScope(call, 'write');
  const bucket = await bucketOf(call);
  const acl = header(call, 'x-amz-acl');
  if (Object.keys(call.headers).some((h) => h.startsWith('x-amz-grant-'))) {
    throw new S3Error(
      'NotImplemented',
      'ACL grants are not supported; use x-amz-acl private or public-read.',
    );
  }
  const body = verifiedBody(call.request.raw, call.auth);
  const text = (await readSmallBody(body, call.state.maxXmlBytes)).toString('utf8');
  let visibility: 'public' | 'private';
  if (text.trim() !== '') visibility = cannedFromPolicy(text);
  else if (acl !== undefined) visibility = visibilityOfAcl(acl);
  else
    throw new S3Error('MissingSecurityHeader', 'An ACL needs x-amz-acl or an AccessControlPolicy document.');
  const key = call.target.key!;
  try {
    const info = await bucket.store.head(key);
    if (info.visibility === visibility) return sendEmpty(call);
    if (!bucket.store.capabilities.visibility) {
      throw new S3Error('NotImplemented', 'This store cannot make objects public.');
    }
    await bucket.store.copy(key, key, { visibility, ifMatch: info.etag });
  } catch (error) {
    throw s3ErrorFrom(error);
  }
  sendEmpty(call);
}

/**
 * The canned ACL a policy document amounts to: the owner's FULL_CONTROL alone (private), or
 * with AllUsers READ (public-read). Anything else is NotImplemented.
 */
function cannedFromPolicy(text: string): 'public' | 'private' {
  const doc = parseXmlDocument(text, 'AccessControlPolicy');
  const list = doc.AccessControlList as Record<string, unknown> | undefined;
  const raw = list?.Grant;
  const grants = (Array.isArray(raw) ? raw : raw === undefined ? [] : [raw]) as Array<
    Record<string, unknown>
  >;
  let owner = false;
  let publicRead = false;
  for (const grant of grants) {
    const grantee = (grant.Grantee ?? {}) as Record<string, unknown>;
    const permission = xmlText(grant.Permission);
    const uri = xmlText(grantee.URI);
    if (uri === undefined && permission === 'FULL_CONTROL') owner = true;
    else if (uri === 'http://acs.amazonaws.com/groups/global/AllUsers' && permission === 'READ')
      publicRead = true;
    else throw new S3Error('NotImplemented', 'Only ACLs equal to private or public-read are supported.');
  }
  if (!owner) throw new S3Error('NotImplemented', 'Only ACLs equal to private or public-read are supported.');
  return publicRead ? 'public' : 'private';
}
