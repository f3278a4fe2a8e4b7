import { CompleteMultipartUploadCommand } from '@aws-sdk/client-s3';
import { type ObjectInfo, StorageError } from '@stowage/core';
import { type SessionRecord, sha256OfStream } from '@stowage/kit';
import type { ErrorContext } from '../error-map.js';
import { promoteStaged } from './promote-staged.js';
import { restageSession } from './restage-session.js';
import { serverParts } from './server-parts.js';
import type { NativeUpload, SessionContext } from './session-context.js';
import { sessionError } from './session-error.js';

/** What `complete` takes: the parts to assemble (default all), the whole object's sha256, a create-only condition. */
export interface CompleteSessionOptions {
  parts?: readonly number[];
  sha256?: string;
  ifNoneMatch?: '*';
  signal?: AbortSignal;
}

/**
 * Assembles the session's parts on the server, checks the sha256 when one is given, moves the
 * object to its key and closes the session. A refused completion leaves the session open.
 * @throws NotFound for an unknown, closed or expired session (or one whose multipart upload is gone).
 * @throws InvalidInput for missing, unknown or undersized parts (as the ledger checks them).
 * @throws Conflict when the server lists two uploads of a presigned part and neither is known.
 * @throws Integrity when the assembled object's sha256 is not `sha256`.
 * @throws AlreadyExists for `ifNoneMatch: '*'` and an existing key.
 */
export async function completeSession(
  s: SessionContext,
  id: string,
  options: CompleteSessionOptions,
): Promise<ObjectInfo> {
  const job = (await s.ledger.load(id, 'completeUpload', true))!;
  const record = job.data;
  const ctx = s.ledger.ctx('completeUpload', record.key);
  const uploaded = s.ledger.completeParts(
    record.native.presigned === true ? await withServerParts(s, id, record, ctx) : record,
    options.parts,
    ctx,
  );
  const { signal } = options;
  const staged = s.stagingKey(id);
  const size = uploaded.reduce((n, p) => n + p.size, 0);
  try {
    await s.store.client.send(
      new CompleteMultipartUploadCommand({
        Bucket: s.store.bucket,
        Key: staged,
        UploadId: record.native.uploadId,
        MultipartUpload: { Parts: uploaded.map((p) => ({ PartNumber: p.number, ETag: p.etag })) },
      }),
      { abortSignal: signal },
    );
  } catch (error) {
    throw sessionError(error, ctx, signal);
  }
  let sha256: string | undefined;
  if (options.sha256 !== undefined) {
    const got = await s.store.get(staged, signal === undefined ? {} : { signal });
    sha256 = (await sha256OfStream(got.body)).sha256;
    if (sha256 !== options.sha256) {
      await restageSession(s, id, uploaded, ctx);
      throw new StorageError(
        'Integrity',
        `The assembled object's sha256 ${sha256} does not match the expected ${options.sha256}; nothing was stored and the session is still open`,
        ctx,
      );
    }
  }
  let info: ObjectInfo;
  try {
    info = await promoteStaged(s, staged, record, size, sha256, options, ctx);
  } catch (error) {
    // Refused (ifNoneMatch) or failed: the session stays open on fresh copies of its parts.
    await restageSession(s, id, uploaded, ctx);
    throw error;
  }
  await s.store.delete(staged).catch(() => {});
  await s.ledger.close(id);
  return info;
}

/**
 * The session's record with the parts the server lists: a part keeps its sha256 while the
 * server still has the etag recorded for it; parts uploaded through presigned requests have none.
 */
async function withServerParts(
  s: SessionContext,
  id: string,
  record: SessionRecord<NativeUpload>,
  ctx: ErrorContext,
): Promise<SessionRecord<NativeUpload>> {
  const parts: SessionRecord<NativeUpload>['parts'] = {};
  const listed = await serverParts(s, id, record, ctx);
  for (const p of listed) {
    const known = record.parts[String(p.number)];
    const sha256 = known !== undefined && known.etag === p.etag ? known.sha256 : '';
    const twice = listed.filter((q) => q.number === p.number);
    if (twice.length > 1) {
      // SeaweedFS keeps a replaced part's earlier upload and lists both, in no set order and
      // with the same second in LastModified: only a part we uploaded ourselves is known.
      const ours = twice.find((q) => known !== undefined && q.etag === known.etag);
      if (ours === undefined) {
        throw new StorageError(
          'Conflict',
          `The server lists ${twice.length} uploads of part ${p.number} and cannot say which is current; abort the session and upload again`,
          ctx,
        );
      }
      if (p !== ours) continue;
    }
    parts[String(p.number)] = { size: p.size, etag: p.etag, sha256 };
  }
  return { ...record, parts };
}
