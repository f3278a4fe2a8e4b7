import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  type CopyObjectCommandInput,
  CreateMultipartUploadCommand,
  UploadPartCopyCommand,
} from '@aws-sdk/client-s3';
import { type ObjectInfo, StorageError } from '@stowage/core';
import { contentTypeFromKey, DEFAULT_CONTENT_TYPE, quoteEtag, type SessionRecord } from '@stowage/kit';
import { type ErrorContext, mapS3Error, rekind } from '../error-map.js';
import { encodeMetadata } from '../object-metadata.js';
import { encodeCopySource } from '../urls.js';
import type { NativeUpload, SessionContext } from './session-context.js';

/** Ranges copied per UploadPartCopy when an assembled object is larger than one CopyObject takes. */
const COPY_PART_SIZE = 1024 * 1024 * 1024;

/** The condition and signal of a completion, as a promotion takes them. */
interface PromoteOptions {
  ifNoneMatch?: '*';
  signal?: AbortSignal;
}

/**
 * Moves the assembled object to its key with the session's type, headers, metadata and
 * visibility (and the verified sha256): one CopyObject, or UploadPartCopy ranges past the
 * server's copy limit.
 * @throws AlreadyExists for `ifNoneMatch: '*'` and an existing key; the mapped S3 error otherwise.
 */
export async function promoteStaged(
  s: SessionContext,
  staged: string,
  record: SessionRecord<NativeUpload>,
  size: number,
  sha256: string | undefined,
  options: PromoteOptions,
  ctx: ErrorContext,
): Promise<ObjectInfo> {
  const { profile, bucket, client } = s.store;
  const { signal } = options;
  const o = record.options;
  const contentType = o.contentType ?? contentTypeFromKey(record.key) ?? DEFAULT_CONTENT_TYPE;
  const metadata = encodeMetadata(o.metadata ?? {}, {
    ...(sha256 === undefined ? {} : { sha256 }),
    ...(o.visibility === undefined ? {} : { visibility: o.visibility }),
    recordEmptyValues: profile.dropsEmptyMetadataValues,
  });
  if (
    options.ifNoneMatch !== undefined &&
    !(size <= profile.maxCopySize ? profile.copyConditionalWrite : profile.multipartIfNoneMatch)
  ) {
    // The server would ignore the condition: take the ported, checked copy instead (it
    // streams through the client into a conditional put where it must).
    return s.store.copy(staged, record.key, {
      ifNoneMatch: '*',
      contentType,
      ...(o.metadata === undefined ? {} : { metadata: o.metadata }),
      ...(o.visibility === undefined ? {} : { visibility: o.visibility }),
      ...(o.cacheControl === undefined ? {} : { cacheControl: o.cacheControl }),
      ...(o.contentDisposition === undefined ? {} : { contentDisposition: o.contentDisposition }),
      ...(signal === undefined ? {} : { signal }),
    });
  }
  const headers = {
    ContentType: contentType,
    Metadata: metadata,
    ...(o.cacheControl === undefined ? {} : { CacheControl: o.cacheControl }),
    ...(o.contentDisposition === undefined ? {} : { ContentDisposition: o.contentDisposition }),
    ...(o.visibility === 'public' && profile.acl ? { ACL: 'public-read' as const } : {}),
  };
  let etag: string | undefined;
  try {
    if (size <= profile.maxCopySize) {
      const params: CopyObjectCommandInput = {
        Bucket: bucket,
        Key: record.key,
        CopySource: encodeCopySource(bucket, staged),
        MetadataDirective: 'REPLACE',
        ...headers,
        ...(options.ifNoneMatch === undefined ? {} : { IfNoneMatch: '*' }),
      };
      const out = await client.send(new CopyObjectCommand(params), { abortSignal: signal });
      etag = out.CopyObjectResult?.ETag;
    } else {
      etag = await copyInParts(s, staged, record.key, size, headers, options, ctx);
    }
  } catch (error) {
    const mapped = mapS3Error(error, ctx, signal);
    if (options.ifNoneMatch !== undefined && mapped.kind === 'PreconditionFailed') {
      throw rekind(mapped, 'AlreadyExists', `${JSON.stringify(record.key)} already exists (ifNoneMatch '*')`);
    }
    throw mapped;
  }
  return {
    key: record.key,
    size,
    etag: quoteEtag(etag ?? ''),
    lastModified: new Date(),
    contentType,
    metadata: { ...o.metadata },
    visibility: o.visibility ?? 'private',
    ...(sha256 === undefined ? {} : { sha256 }),
    ...(o.cacheControl === undefined ? {} : { cacheControl: o.cacheControl }),
    ...(o.contentDisposition === undefined ? {} : { contentDisposition: o.contentDisposition }),
  };
}

/** A server-side copy past the CopyObject limit: a multipart upload of UploadPartCopy ranges. */
async function copyInParts(
  s: SessionContext,
  from: string,
  to: string,
  size: number,
  headers: Record<string, unknown>,
  options: PromoteOptions,
  ctx: ErrorContext,
): Promise<string | undefined> {
  const { client, bucket } = s.store;
  const created = await client.send(
    new CreateMultipartUploadCommand({ Bucket: bucket, Key: to, ...headers }),
  );
  const uploadId = created.UploadId;
  if (uploadId === undefined) throw new StorageError('Unexpected', 'The server gave no upload id', ctx);
  try {
    const parts: Array<{ PartNumber: number; ETag: string | undefined }> = [];
    for (let start = 0, n = 1; start < size; start += COPY_PART_SIZE, n++) {
      const end = Math.min(start + COPY_PART_SIZE, size) - 1;
      const out = await client.send(
        new UploadPartCopyCommand({
          Bucket: bucket,
          Key: to,
          UploadId: uploadId,
          PartNumber: n,
          CopySource: encodeCopySource(bucket, from),
          CopySourceRange: `bytes=${start}-${end}`,
        }),
        { abortSignal: options.signal },
      );
      parts.push({ PartNumber: n, ETag: out.CopyPartResult?.ETag });
    }
    const done = await client.send(
      new CompleteMultipartUploadCommand({
        Bucket: bucket,
        Key: to,
        UploadId: uploadId,
        MultipartUpload: { Parts: parts },
        ...(options.ifNoneMatch === undefined ? {} : { IfNoneMatch: '*' }),
      }),
      { abortSignal: options.signal },
    );
    return done.ETag;
  } catch (error) {
    await client
      .send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: to, UploadId: uploadId }))
      .catch(() => {});
    throw error;
  }
}
