import { createHash, randomBytes } from 'node:crypto';
import type { Readable } from 'node:stream';
import {
  compareKeys,
  isStorageError,
  type ObjectInfo,
  type UploadedPart,
  type UploadSession,
  type UploadSessionOptions,
} from '@stowage/core';
import { inspectStream, quoteEtag, unquoteEtag } from '@stowage/kit';
import type { GatewayBucket } from '../buckets/bucket-resolver.js';
import { ETAG_METADATA } from '../etags.js';
import { S3Error, s3ErrorFrom } from '../http/s3-error.js';
import { parseXmlDocument, xmlText } from '../http/xml.js';
import { readSmallBody, verifiedBody } from '../payload/request-body.js';
import {
  bucketOf,
  header,
  param,
  requireScope,
  type S3Call,
  sendEmpty,
  sendXml,
  writeSettings,
} from './call.js';
import { copySource, copySourceInfo } from './objects.js';

/** The open upload `uploadId` of this bucket and key. @throws NoSuchUpload */
async function sessionOf(call: S3Call, bucket: GatewayBucket): Promise<UploadSession> {
  const id = param(call, 'uploadId') ?? '';
  let session: UploadSession | null = null;
  try {
    session = /^[\x21-\x7e]{1,256}$/.test(id) ? await bucket.sessions.get(id) : null;
  } catch (error) {
    if (!isStorageError(error, 'InvalidInput') && !isStorageError(error, 'NotFound'))
      throw s3ErrorFrom(error, 'upload');
  }
  if (session === null || session.key !== call.target.key) {
    throw new S3Error('NoSuchUpload', undefined, { UploadId: id });
  }
  return session;
}

function partNumberOf(call: S3Call): number {
  const text = param(call, 'partNumber') ?? '';
  const n = /^\d{1,5}$/.test(text) ? Number(text) : Number.NaN;
  if (!Number.isInteger(n) || n < 1 || n > 10_000) {
    throw new S3Error('InvalidArgument', 'Part number must be an integer between 1 and 10000, inclusive');
  }
  return n;
}

/** POST ?uploads: CreateMultipartUpload. */
export async function createMultipartUpload(call: S3Call): Promise<void> {
  requireScope(call, 'write');
  const bucket = await bucketOf(call);
  const key = call.target.key!;
  const settings = writeSettings(call, bucket);
  const options: UploadSessionOptions = { ...settings };
  // The object's S3 ETag is known only at completion; it is recorded under this token then.
  if (bucket.etags === 'recorded') {
    options.metadata = { ...settings.metadata, [ETAG_METADATA]: `@${randomBytes(16).toString('hex')}` };
  }
  let session: UploadSession;
  try {
    session = await bucket.sessions.create(key, options);
  } catch (error) {
    throw s3ErrorFrom(error);
  }
  const algorithm = header(call, 'x-amz-checksum-algorithm');
  if (algorithm !== undefined) call.reply.header('x-amz-checksum-algorithm', algorithm);
  sendXml(call, 'InitiateMultipartUploadResult', { Bucket: bucket.name, Key: key, UploadId: session.id });
}

/** PUT ?partNumber&uploadId: UploadPart, or UploadPartCopy with x-amz-copy-source. */
export async function uploadPart(call: S3Call): Promise<void> {
  requireScope(call, 'write');
  const bucket = await bucketOf(call);
  const number = partNumberOf(call);
  const session = await sessionOf(call, bucket);
  if (header(call, 'x-amz-copy-source') !== undefined) return uploadPartCopy(call, bucket, session, number);
  const recorded = bucket.etags === 'recorded';
  const body = verifiedBody(call.request.raw, call.auth, {
    md5: recorded,
    maxBytes: bucket.sessions.limits.maxPartSize,
  });
  let part: UploadedPart;
  try {
    part = await bucket.sessions.uploadPart(session.id, number, body.body, {
      ...(body.length === undefined ? {} : { contentLength: body.length }),
      ...(body.sha256 === undefined ? {} : { sha256: body.sha256 }),
    });
  } catch (error) {
    const failure = body.failure();
    if (failure !== undefined) throw failure;
    throw s3ErrorFrom(error, 'upload');
  }
  let etag = part.etag;
  if (recorded) {
    const md5 = body.result().md5!;
    await call.state.etags.recordPart(session.id, number, { md5, sha256: part.sha256 });
    etag = quoteEtag(md5);
  }
  call.reply.header('etag', etag);
  const checksum = body.result().checksum;
  if (checksum !== undefined) call.reply.header(`x-amz-checksum-${checksum.algorithm}`, checksum.value);
  sendEmpty(call);
}

async function uploadPartCopy(call: S3Call, bucket: GatewayBucket, session: UploadSession, number: number) {
  requireScope(call, 'read');
  const source = copySource(call);
  const from = source.bucket === bucket.name ? bucket : await bucketOf(call, source.bucket);
  const { info } = await copySourceInfo(call, from, source.key);
  let range: { start: number; end: number } | undefined;
  const rangeHeader = header(call, 'x-amz-copy-source-range');
  if (rangeHeader !== undefined) {
    const m = /^bytes=(\d+)-(\d+)$/.exec(rangeHeader.trim());
    if (m === null)
      throw new S3Error(
        'InvalidArgument',
        'The x-amz-copy-source-range value must be of the form bytes=first-last.',
      );
    range = { start: Number(m[1]), end: Number(m[2]) };
    if (range.end < range.start || range.end >= info.size) {
      throw new S3Error(
        'InvalidRange',
        'The x-amz-copy-source-range is not satisfiable for the source object.',
      );
    }
  }
  let body: Readable;
  try {
    body = (
      await from.store.get(source.key, { ...(range === undefined ? {} : { range }), ifMatch: info.etag })
    ).body;
  } catch (error) {
    throw isStorageError(error, 'PreconditionFailed')
      ? new S3Error('PreconditionFailed')
      : s3ErrorFrom(error);
  }
  const md5 = createHash('md5');
  const hashed = inspectStream(body, (chunk) => {
    md5.update(chunk);
  });
  const size = range === undefined ? info.size : range.end - range.start + 1;
  let part: UploadedPart;
  try {
    part = await bucket.sessions.uploadPart(session.id, number, hashed, { contentLength: size });
  } catch (error) {
    hashed.destroy();
    throw s3ErrorFrom(error, 'upload');
  }
  let etag = part.etag;
  if (bucket.etags === 'recorded') {
    const hex = md5.digest('hex');
    await call.state.etags.recordPart(session.id, number, { md5: hex, sha256: part.sha256 });
    etag = quoteEtag(hex);
  }
  sendXml(call, 'CopyPartResult', { ETag: etag, LastModified: call.state.clock.now() });
}

/** The ETags the client knows its parts by: MD5s recorded by the gateway, or the port's own. */
async function partEtags(call: S3Call, bucket: GatewayBucket, sessionId: string, parts: UploadedPart[]) {
  const out = new Map<number, { etag: string; md5?: string }>();
  await Promise.all(
    parts.map(async (p) => {
      if (bucket.etags === 'recorded') {
        const record = await call.state.etags.part(sessionId, p.number);
        if (record !== null && record.sha256 === p.sha256) {
          out.set(p.number, { etag: quoteEtag(record.md5), md5: record.md5 });
          return;
        }
      }
      const bare = unquoteEtag(p.etag);
      out.set(p.number, { etag: quoteEtag(bare), ...(/^[0-9a-f]{32}$/.test(bare) ? { md5: bare } : {}) });
    }),
  );
  return out;
}

/** POST ?uploadId: CompleteMultipartUpload. */
export async function completeMultipartUpload(call: S3Call): Promise<void> {
  requireScope(call, 'write');
  const bucket = await bucketOf(call);
  const session = await sessionOf(call, bucket);
  const body = verifiedBody(call.request.raw, call.auth);
  const doc = parseXmlDocument(
    (await readSmallBody(body, call.state.maxXmlBytes)).toString('utf8'),
    'CompleteMultipartUpload',
  );
  const listed = Array.isArray(doc.Part) ? (doc.Part as Array<Record<string, unknown>>) : [];
  if (listed.length === 0) {
    throw new S3Error(
      'MalformedXML',
      'The XML you provided was not well-formed or did not validate against our published schema.',
    );
  }
  const requested: Array<{ number: number; etag: string }> = [];
  for (const p of listed) {
    const number = Number(xmlText(p.PartNumber));
    const etag = xmlText(p.ETag);
    if (!Number.isInteger(number) || number < 1 || number > 10_000 || etag === undefined)
      throw new S3Error('MalformedXML');
    if (requested.length > 0 && number <= requested.at(-1)!.number) throw new S3Error('InvalidPartOrder');
    requested.push({ number, etag });
  }
  if (header(call, 'if-match') !== undefined) {
    throw new S3Error('NotImplemented', 'If-Match on CompleteMultipartUpload is not supported.');
  }
  const ifNoneMatch = header(call, 'if-none-match');
  if (ifNoneMatch !== undefined && ifNoneMatch.trim() !== '*') {
    throw new S3Error('NotImplemented', 'If-None-Match on a write only accepts "*".');
  }
  let uploaded: UploadedPart[];
  try {
    uploaded = await bucket.sessions.listParts(session.id);
  } catch (error) {
    throw s3ErrorFrom(error, 'upload');
  }
  const byNumber = new Map(uploaded.map((p) => [p.number, p]));
  const known = await partEtags(
    call,
    bucket,
    session.id,
    requested.map((r) => byNumber.get(r.number)).filter((p): p is UploadedPart => p !== undefined),
  );
  const md5s: Buffer[] = [];
  for (const r of requested) {
    const part = known.get(r.number);
    if (part === undefined || unquoteEtag(r.etag) !== unquoteEtag(part.etag)) {
      throw new S3Error('InvalidPart', undefined, { UploadId: session.id, PartNumber: String(r.number) });
    }
    if (part.md5 !== undefined) md5s.push(Buffer.from(part.md5, 'hex'));
  }
  const s3Etag =
    md5s.length === requested.length
      ? `"${createHash('md5').update(Buffer.concat(md5s)).digest('hex')}-${requested.length}"`
      : undefined;
  const token = session.options.metadata?.[ETAG_METADATA];
  if (bucket.etags === 'recorded' && token?.startsWith('@') && s3Etag !== undefined) {
    await call.state.etags.recordMultipart(token.slice(1), s3Etag);
  }
  let info: ObjectInfo;
  try {
    info = await bucket.sessions.complete(session.id, {
      parts: requested.map((r) => r.number),
      ...(ifNoneMatch === undefined ? {} : { ifNoneMatch: '*' as const }),
    });
  } catch (error) {
    if (isStorageError(error, 'InvalidInput')) {
      throw /smaller|minimum|at least/i.test(error.message)
        ? new S3Error('EntityTooSmall', undefined, {}, { cause: error })
        : new S3Error('InvalidPart', error.message, { UploadId: session.id }, { cause: error });
    }
    throw s3ErrorFrom(error, 'upload');
  }
  if (bucket.etags === 'recorded')
    await call.state.etags.forgetParts(
      session.id,
      uploaded.map((p) => p.number),
    );
  const etag = bucket.etags === 'recorded' && s3Etag !== undefined ? s3Etag : info.etag;
  sendXml(call, 'CompleteMultipartUploadResult', {
    Location: `/${bucket.name}/${info.key}`,
    Bucket: bucket.name,
    Key: info.key,
    ETag: etag,
  });
}

/** DELETE ?uploadId: AbortMultipartUpload. */
export async function abortMultipartUpload(call: S3Call): Promise<void> {
  requireScope(call, 'write');
  const bucket = await bucketOf(call);
  const session = await sessionOf(call, bucket);
  try {
    const parts = await bucket.sessions.listParts(session.id);
    await bucket.sessions.abort(session.id);
    if (bucket.etags === 'recorded')
      await call.state.etags.forgetParts(
        session.id,
        parts.map((p) => p.number),
      );
  } catch (error) {
    throw s3ErrorFrom(error, 'upload');
  }
  sendEmpty(call, 204);
}

/** GET ?uploadId: ListParts. */
export async function listParts(call: S3Call): Promise<void> {
  requireScope(call, 'read');
  const bucket = await bucketOf(call);
  const session = await sessionOf(call, bucket);
  const marker = Number(param(call, 'part-number-marker') ?? '0');
  const maxText = param(call, 'max-parts');
  const max = maxText === undefined ? 1000 : Math.min(1000, Math.max(0, Number(maxText) || 0));
  let parts: UploadedPart[];
  try {
    parts = (await bucket.sessions.listParts(session.id)).filter(
      (p) => p.number > (Number.isFinite(marker) ? marker : 0),
    );
  } catch (error) {
    throw s3ErrorFrom(error, 'upload');
  }
  const page = parts.slice(0, max);
  const etags = await partEtags(call, bucket, session.id, page);
  const owner = { ID: call.state.owner.id, DisplayName: call.state.owner.displayName };
  sendXml(call, 'ListPartsResult', {
    Bucket: bucket.name,
    Key: session.key,
    UploadId: session.id,
    Initiator: owner,
    Owner: owner,
    StorageClass: 'STANDARD',
    PartNumberMarker: Number.isFinite(marker) ? marker : 0,
    ...(page.length > 0 ? { NextPartNumberMarker: page.at(-1)!.number } : {}),
    MaxParts: max,
    IsTruncated: parts.length > page.length,
    Part: page.map((p) => ({
      PartNumber: p.number,
      LastModified: session.createdAt,
      ETag: etags.get(p.number)!.etag,
      Size: p.size,
    })),
  });
}

/** GET ?uploads: ListMultipartUploads (prefix, delimiter "/", key and upload-id markers). */
export async function listMultipartUploads(call: S3Call): Promise<void> {
  requireScope(call, 'read');
  const bucket = await bucketOf(call);
  const prefix = param(call, 'prefix') ?? '';
  const delimiter = param(call, 'delimiter') ?? '';
  if (delimiter !== '' && delimiter !== '/')
    throw new S3Error('NotImplemented', 'Only "/" is supported as a delimiter.');
  const keyMarker = param(call, 'key-marker') ?? '';
  const uploadIdMarker = param(call, 'upload-id-marker') ?? '';
  const maxText = param(call, 'max-uploads');
  const max = maxText === undefined ? 1000 : Math.min(1000, Math.max(0, Number(maxText) || 0));
  const sessions: UploadSession[] = [];
  let cursor: string | undefined;
  try {
    do {
      const page = await bucket.sessions.list({ ...(cursor === undefined ? {} : { cursor }), limit: 1000 });
      for (const s of page.items) if (s.key.startsWith(prefix)) sessions.push(s);
      cursor = page.cursor;
    } while (cursor !== undefined && sessions.length < 100_000);
  } catch (error) {
    throw s3ErrorFrom(error, 'upload');
  }
  sessions.sort(
    (a, b) =>
      compareKeys(a.key, b.key) || a.createdAt.getTime() - b.createdAt.getTime() || (a.id < b.id ? -1 : 1),
  );
  const after = sessions.filter((s) => {
    if (keyMarker === '') return true;
    const c = compareKeys(s.key, keyMarker);
    if (c !== 0) return c > 0;
    return uploadIdMarker !== '' && s.id > uploadIdMarker;
  });
  const uploads: UploadSession[] = [];
  const prefixes: string[] = [];
  let truncated = false;
  for (const s of after) {
    if (uploads.length + prefixes.length >= max) {
      truncated = true;
      break;
    }
    if (delimiter === '/') {
      const slash = s.key.indexOf('/', prefix.length);
      if (slash >= 0) {
        const p = s.key.slice(0, slash + 1);
        if (prefixes.at(-1) !== p) prefixes.push(p);
        continue;
      }
    }
    uploads.push(s);
  }
  const owner = { ID: call.state.owner.id, DisplayName: call.state.owner.displayName };
  const last = uploads.at(-1);
  sendXml(call, 'ListMultipartUploadsResult', {
    Bucket: bucket.name,
    KeyMarker: keyMarker,
    UploadIdMarker: uploadIdMarker,
    ...(truncated && last !== undefined ? { NextKeyMarker: last.key, NextUploadIdMarker: last.id } : {}),
    Prefix: prefix,
    ...(delimiter === '' ? {} : { Delimiter: delimiter }),
    MaxUploads: max,
    IsTruncated: truncated,
    Upload: uploads.map((s) => ({
      Key: s.key,
      UploadId: s.id,
      Initiator: owner,
      Owner: owner,
      StorageClass: 'STANDARD',
      Initiated: s.createdAt,
    })),
    CommonPrefixes: prefixes.map((p) => ({ Prefix: p })),
  });
}
