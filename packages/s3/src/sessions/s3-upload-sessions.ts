import { Readable } from 'node:stream';
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  type CopyObjectCommandInput,
  CreateMultipartUploadCommand,
  ListPartsCommand,
  type ListPartsCommandOutput,
  UploadPartCommand,
  UploadPartCopyCommand,
} from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import type { BuildMiddleware, MetadataBearer } from '@smithy/types';
import {
  type Body,
  type Clock,
  isInMemoryBody,
  isStorageError,
  type JobStateStore,
  type ObjectInfo,
  type Page,
  type PresignedRequest,
  StorageError,
  type StoredPart,
  toBuffer,
  toReadable,
  type UploadedPart,
  type UploadPartOptions,
  type UploadSession,
  type UploadSessionLimits,
  type UploadSessionOptions,
  type UploadSessions,
} from '@stowage/core';
import {
  contentTypeFromKey,
  DEFAULT_CONTENT_TYPE,
  hashingStream,
  partsOf,
  quoteEtag,
  type SessionRecord,
  sha256Hex,
  sha256OfStream,
  toSession,
  UploadSessionLedger,
} from '@stowage/kit';
import { type ErrorContext, mapS3Error, rekind } from '../error-map.js';
import { encodeMetadata } from '../object-metadata.js';
import type { S3ObjectStore } from '../s3-object-store.js';
import { encodeCopySource } from '../urls.js';

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;
/** A streamed part without a declared length is read into memory up to this (UploadPart needs a length). */
const MAX_UNSIZED_PART = 64 * MiB;
/** Ranges copied per UploadPartCopy when an assembled object is larger than one CopyObject takes. */
const COPY_PART_SIZE = 1 * GiB;

/** Longest validity of a presigned part upload: SigV4's limit. */
const MAX_PRESIGN_SECONDS = 7 * 24 * 3600;

/** The multipart upload behind a session. */
interface NativeUpload {
  uploadId: string;
  /**
   * Set by the first `presignPart`: the server may hold parts the ledger never saw, so
   * completion assembles the parts the server lists.
   */
  presigned?: boolean;
}

export interface S3UploadSessionsConfig {
  /** The store completed objects land in; its client, bucket and profile are used. */
  store: S3ObjectStore;
  /** Session state: a shared store (PostgreSQL) lets any process continue a session. */
  jobs: JobStateStore;
  clock?: Clock;
  /** Keeps the sessions of several stores apart in one job state store; default the store's name. */
  namespace?: string;
  /**
   * Where sessions assemble before the object appears: a prefix of the same bucket, reserved
   * for this. Default `.stowage/uploads/`. An object shows there only between completion and
   * its move to the key (or while a completion that failed is cleaned up).
   */
  stagingPrefix?: string;
}

/**
 * Resumable upload sessions on S3's own multipart uploads: each session is a multipart upload
 * at `<stagingPrefix><id>`, parts go straight to the server (hashed as they stream), and session
 * state (upload id, parts, etags, sha256s) lives in the job state store, so any process
 * continues a session. Completion assembles on the server, checks the sha256 when one is given
 * (by reading the assembled object once), then moves it to the key with a server-side copy, so
 * a refused completion (gap, wrong digest, `ifNoneMatch`) never touches the key. A refused
 * digest re-stages the parts on the server (UploadPartCopy), so the session stays open.
 *
 * Parts may also go straight from a client to the server: `presignPart` signs an UploadPart of
 * the session's multipart upload. The session then remembers that the server may hold parts
 * it never saw, and completion assembles the parts ListParts reports (with the sha256 of the
 * ones that came through `uploadPart` and still have the recorded etag; the others have none).
 */
export class S3UploadSessions implements UploadSessions {
  readonly limits: UploadSessionLimits = Object.freeze({
    minPartSize: 5 * MiB,
    maxPartSize: 5 * GiB,
    maxParts: 10_000,
  });
  private readonly store: S3ObjectStore;
  private readonly ledger: UploadSessionLedger<NativeUpload>;
  private readonly stagingPrefix: string;

  /** @throws ConfigInvalid for a staging prefix that is not a key prefix ending in "/". */
  constructor(config: S3UploadSessionsConfig) {
    this.store = config.store;
    this.stagingPrefix = config.stagingPrefix ?? '.stowage/uploads/';
    if (!/^[^/].*\/$/.test(this.stagingPrefix)) {
      throw new StorageError('ConfigInvalid', 'stagingPrefix must be a key prefix ending in "/"', {
        operation: 'configure',
        backend: this.store.name,
      });
    }
    this.ledger = new UploadSessionLedger<NativeUpload>(config.jobs, this.store.name, {
      limits: this.limits,
      namespace: config.namespace ?? this.store.name,
      ...(config.clock === undefined ? {} : { clock: config.clock }),
    });
  }

  /** Where session `id` assembles. */
  stagingKey(id: string): string {
    return `${this.stagingPrefix}${id}`;
  }

  async create(key: string, options: UploadSessionOptions = {}): Promise<UploadSession> {
    const { id, record } = this.ledger.draft(key, options, this.store.capabilities);
    const ctx = this.ledger.ctx('createUpload', key);
    try {
      const out = await this.store.client.send(
        new CreateMultipartUploadCommand({ Bucket: this.store.bucket, Key: this.stagingKey(id) }),
      );
      if (out.UploadId === undefined)
        throw new StorageError('Unexpected', 'The server gave no upload id', ctx);
      return await this.ledger.open(id, { ...record, native: { uploadId: out.UploadId } });
    } catch (error) {
      throw mapS3Error(error, ctx);
    }
  }

  async get(id: string): Promise<UploadSession | null> {
    const job = await this.ledger.load(id, 'getUpload', false);
    return job === null ? null : toSession(id, job.data);
  }

  async uploadPart(
    id: string,
    number: number,
    body: Body,
    options: UploadPartOptions = {},
  ): Promise<UploadedPart> {
    const job = (await this.ledger.load(id, 'uploadPart', true))!;
    const ctx = this.ledger.ctx('uploadPart', job.data.key);
    this.ledger.checkPart(number, options.contentLength, ctx);
    const { signal, onProgress } = options;
    let sent: { bytes: Buffer | Readable; length: number; result: () => { sha256: string; bytes: number } };
    if (isInMemoryBody(body) || options.contentLength === undefined) {
      const bytes = isInMemoryBody(body) ? toBuffer(body) : await this.readUnsized(body, ctx);
      if (options.contentLength !== undefined && bytes.length !== options.contentLength) {
        throw new StorageError(
          'Integrity',
          `Body is ${bytes.length} bytes but contentLength says ${options.contentLength}`,
          ctx,
        );
      }
      const sha256 = sha256Hex(bytes);
      if (options.sha256 !== undefined && options.sha256 !== sha256) {
        throw new StorageError(
          'Integrity',
          `Body sha256 ${sha256} does not match the expected ${options.sha256}`,
          ctx,
        );
      }
      if (bytes.length > this.limits.maxPartSize) {
        throw new StorageError('InvalidInput', `A part is at most ${this.limits.maxPartSize} bytes`, ctx);
      }
      sent = { bytes, length: bytes.length, result: () => ({ sha256, bytes: bytes.length }) };
    } else {
      // A mismatch fails the stream's last read, so the request ends short and S3 keeps nothing.
      const hashed = hashingStream(
        toReadable(body),
        { contentLength: options.contentLength, sha256: options.sha256 },
        ctx,
      );
      sent = { bytes: hashed.body, length: options.contentLength, result: hashed.result };
    }
    onProgress?.({ loaded: 0, total: sent.length });
    let etag: string | undefined;
    try {
      const out = await this.store.client.send(
        new UploadPartCommand({
          Bucket: this.store.bucket,
          Key: this.stagingKey(id),
          UploadId: job.data.native.uploadId,
          PartNumber: number,
          Body: sent.bytes,
          ContentLength: sent.length,
        }),
        { abortSignal: signal },
      );
      etag = out.ETag;
    } catch (error) {
      if (sent.bytes instanceof Readable && !sent.bytes.destroyed) sent.bytes.destroy();
      throw this.sessionError(error, ctx, signal);
    }
    onProgress?.({ loaded: sent.length, total: sent.length });
    if (etag === undefined) throw new StorageError('Unexpected', 'The server gave no part etag', ctx);
    const part = { size: sent.length, etag: quoteEtag(etag), sha256: sent.result().sha256 };
    await this.ledger.change(id, 'uploadPart', (record) => {
      record.parts[String(number)] = part;
    });
    return { number, ...part };
  }

  async listParts(id: string): Promise<UploadedPart[]> {
    const job = (await this.ledger.load(id, 'listParts', true))!;
    return partsOf(job.data);
  }

  /**
   * A presigned UploadPart of the session's multipart upload (SigV4 query signing by the
   * store's clock, no checksum headers): the client PUTs the part's bytes to `url`.
   * @throws NotFound for an unknown, completed, aborted or expired session.
   * @throws InvalidInput for a part number outside 1–10000 or `expiresIn` outside 1–604800 s.
   */
  async presignPart(id: string, number: number, options: { expiresIn: number }): Promise<PresignedRequest> {
    const job = (await this.ledger.load(id, 'presignPart', true))!;
    const ctx = this.ledger.ctx('presignPart', job.data.key);
    this.ledger.checkPart(number, undefined, ctx);
    const { expiresIn } = options;
    if (!Number.isInteger(expiresIn) || expiresIn < 1 || expiresIn > MAX_PRESIGN_SECONDS) {
      throw new StorageError(
        'InvalidInput',
        `expiresIn must be a whole number of seconds from 1 to ${MAX_PRESIGN_SECONDS}`,
        ctx,
      );
    }
    if (job.data.native.presigned !== true) {
      await this.ledger.change(id, 'presignPart', (record) => {
        record.native = { ...record.native, presigned: true };
      });
    }
    const command = new UploadPartCommand({
      Bucket: this.store.bucket,
      Key: this.stagingKey(id),
      UploadId: job.data.native.uploadId,
      PartNumber: number,
    });
    try {
      const url = await getSignedUrl(this.store.client, withoutRequestChecksums(command), {
        expiresIn,
        signingDate: this.ledger.clock.now(),
      });
      return { url, method: 'PUT', headers: {} };
    } catch (error) {
      throw mapS3Error(error, ctx);
    }
  }

  /**
   * The parts the server holds for the session (ListParts, every page), whoever uploaded them.
   * @throws NotFound for an unknown, completed, aborted or expired session.
   */
  async listStoredParts(id: string): Promise<StoredPart[]> {
    const job = (await this.ledger.load(id, 'listParts', true))!;
    return this.serverParts(id, job.data, this.ledger.ctx('listParts', job.data.key));
  }

  async complete(
    id: string,
    options: { parts?: readonly number[]; sha256?: string; ifNoneMatch?: '*'; signal?: AbortSignal } = {},
  ): Promise<ObjectInfo> {
    const job = (await this.ledger.load(id, 'completeUpload', true))!;
    const record = job.data;
    const ctx = this.ledger.ctx('completeUpload', record.key);
    const uploaded = this.ledger.completeParts(
      record.native.presigned === true ? await this.withServerParts(id, record, ctx) : record,
      options.parts,
      ctx,
    );
    const { signal } = options;
    const staged = this.stagingKey(id);
    const size = uploaded.reduce((n, p) => n + p.size, 0);
    try {
      await this.store.client.send(
        new CompleteMultipartUploadCommand({
          Bucket: this.store.bucket,
          Key: staged,
          UploadId: record.native.uploadId,
          MultipartUpload: { Parts: uploaded.map((p) => ({ PartNumber: p.number, ETag: p.etag })) },
        }),
        { abortSignal: signal },
      );
    } catch (error) {
      throw this.sessionError(error, ctx, signal);
    }
    let sha256: string | undefined;
    if (options.sha256 !== undefined) {
      const got = await this.store.get(staged, signal === undefined ? {} : { signal });
      sha256 = (await sha256OfStream(got.body)).sha256;
      if (sha256 !== options.sha256) {
        await this.restage(id, uploaded, ctx);
        throw new StorageError(
          'Integrity',
          `The assembled object's sha256 ${sha256} does not match the expected ${options.sha256}; nothing was stored and the session is still open`,
          ctx,
        );
      }
    }
    let info: ObjectInfo;
    try {
      info = await this.promote(staged, record, size, sha256, options, ctx);
    } catch (error) {
      // Refused (ifNoneMatch) or failed: the session stays open on fresh copies of its parts.
      await this.restage(id, uploaded, ctx);
      throw error;
    }
    await this.store.delete(staged).catch(() => {});
    await this.ledger.close(id);
    return info;
  }

  async abort(id: string): Promise<void> {
    const job = await this.ledger.load(id, 'abortUpload', false, true);
    if (job === null) return;
    const ctx = this.ledger.ctx('abortUpload', job.data.key);
    try {
      await this.store.client.send(
        new AbortMultipartUploadCommand({
          Bucket: this.store.bucket,
          Key: this.stagingKey(id),
          UploadId: job.data.native.uploadId,
        }),
      );
    } catch (error) {
      const mapped = mapS3Error(error, ctx);
      if (mapped.kind !== 'NotFound') throw mapped;
    }
    // A completion that failed after assembling may have left the staged object.
    await this.store.delete(this.stagingKey(id));
    await this.ledger.close(id);
  }

  list(options: { cursor?: string; limit?: number } = {}): Promise<Page<UploadSession>> {
    return this.ledger.list(options);
  }

  async expire(): Promise<number> {
    const ids = await this.ledger.expiredIds();
    for (const id of ids) await this.abort(id);
    return ids.length;
  }

  /** ListParts of the session's multipart upload, every page. */
  private async serverParts(
    id: string,
    record: SessionRecord<NativeUpload>,
    ctx: ErrorContext,
  ): Promise<StoredPart[]> {
    const parts: StoredPart[] = [];
    let marker: string | undefined;
    for (;;) {
      let out: ListPartsCommandOutput;
      try {
        out = await this.store.client.send(
          new ListPartsCommand({
            Bucket: this.store.bucket,
            Key: this.stagingKey(id),
            UploadId: record.native.uploadId,
            ...(marker === undefined ? {} : { PartNumberMarker: marker }),
          }),
        );
      } catch (error) {
        throw this.sessionError(error, ctx);
      }
      for (const p of out.Parts ?? []) {
        if (p.PartNumber === undefined || p.ETag === undefined) continue;
        parts.push({ number: p.PartNumber, size: p.Size ?? 0, etag: quoteEtag(p.ETag) });
      }
      const next = out.NextPartNumberMarker;
      if (out.IsTruncated !== true || next === undefined || next === marker) break;
      marker = next;
    }
    return parts.sort((a, b) => a.number - b.number);
  }

  /**
   * The session's record with the parts the server lists: a part keeps its sha256 while the
   * server still has the etag recorded for it; parts uploaded through presigned requests have none.
   */
  private async withServerParts(
    id: string,
    record: SessionRecord<NativeUpload>,
    ctx: ErrorContext,
  ): Promise<SessionRecord<NativeUpload>> {
    const parts: SessionRecord<NativeUpload>['parts'] = {};
    const listed = await this.serverParts(id, record, ctx);
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

  /** Reads a streamed part of unknown length into memory, up to a bound. */
  private async readUnsized(body: Body, ctx: ErrorContext): Promise<Buffer> {
    const chunks: Buffer[] = [];
    let length = 0;
    for await (const chunk of toReadable(body)) {
      const buffer = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as Uint8Array);
      length += buffer.length;
      if (length > MAX_UNSIZED_PART) {
        throw new StorageError(
          'InvalidInput',
          `A streamed part over ${MAX_UNSIZED_PART} bytes needs contentLength (S3 takes parts of a declared length)`,
          ctx,
        );
      }
      chunks.push(buffer);
    }
    return Buffer.concat(chunks, length);
  }

  /**
   * Moves the assembled object to its key with the session's type, headers, metadata and
   * visibility (and the verified sha256): one CopyObject, or UploadPartCopy ranges past the
   * server's copy limit.
   */
  private async promote(
    staged: string,
    record: SessionRecord<NativeUpload>,
    size: number,
    sha256: string | undefined,
    options: { ifNoneMatch?: '*'; signal?: AbortSignal },
    ctx: ErrorContext,
  ): Promise<ObjectInfo> {
    const { profile, bucket, client } = this.store;
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
      return this.store.copy(staged, record.key, {
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
        etag = await this.copyInParts(staged, record.key, size, headers, options, ctx);
      }
    } catch (error) {
      const mapped = mapS3Error(error, ctx, signal);
      if (options.ifNoneMatch !== undefined && mapped.kind === 'PreconditionFailed') {
        throw rekind(
          mapped,
          'AlreadyExists',
          `${JSON.stringify(record.key)} already exists (ifNoneMatch '*')`,
        );
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
  private async copyInParts(
    from: string,
    to: string,
    size: number,
    headers: Record<string, unknown>,
    options: { ifNoneMatch?: '*'; signal?: AbortSignal },
    ctx: ErrorContext,
  ): Promise<string | undefined> {
    const { client, bucket } = this.store;
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

  /**
   * After a refused completion the native upload is spent: copy the assembled object's parts
   * into a new multipart upload (on the server) and record it, so the session stays open with
   * the same parts; then drop the assembled object.
   */
  private async restage(id: string, uploaded: UploadedPart[], ctx: ErrorContext): Promise<void> {
    const { client, bucket } = this.store;
    const staged = this.stagingKey(id);
    try {
      const created = await client.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: staged }));
      const uploadId = created.UploadId;
      if (uploadId === undefined) throw new StorageError('Unexpected', 'The server gave no upload id', ctx);
      const etags: Record<string, string> = {};
      let offset = 0;
      for (const part of uploaded) {
        let etag: string | undefined;
        if (part.size === 0) {
          const out = await client.send(
            new UploadPartCommand({
              Bucket: bucket,
              Key: staged,
              UploadId: uploadId,
              PartNumber: part.number,
              Body: Buffer.alloc(0),
              ContentLength: 0,
            }),
          );
          etag = out.ETag;
        } else {
          const out = await client.send(
            new UploadPartCopyCommand({
              Bucket: bucket,
              Key: staged,
              UploadId: uploadId,
              PartNumber: part.number,
              CopySource: encodeCopySource(bucket, staged),
              CopySourceRange: `bytes=${offset}-${offset + part.size - 1}`,
            }),
          );
          etag = out.CopyPartResult?.ETag;
        }
        if (etag === undefined) throw new StorageError('Unexpected', 'The server gave no part etag', ctx);
        etags[String(part.number)] = quoteEtag(etag);
        offset += part.size;
      }
      await this.ledger.change(id, 'completeUpload', (current) => {
        current.native = { ...current.native, uploadId };
        for (const [n, etag] of Object.entries(etags)) {
          const p = current.parts[n];
          if (p !== undefined) p.etag = etag;
        }
      });
      await this.store.delete(staged);
    } catch (error) {
      if (isStorageError(error) && error.kind === 'Integrity') throw error;
      throw new StorageError(
        'Unexpected',
        `The session could not be kept open after a refused completion; abort it and upload again`,
        { ...ctx, cause: error },
      );
    }
  }

  private sessionError(error: unknown, ctx: ErrorContext, signal?: AbortSignal): StorageError {
    const mapped = mapS3Error(error, ctx, signal);
    // The multipart upload vanished (aborted by a lifecycle rule or another process): so has the session.
    if (mapped.kind === 'NotFound')
      return rekind(mapped, 'NotFound', 'No such upload session (its multipart upload is gone)');
    return mapped;
  }
}

/**
 * A presigned request must carry no checksum of an empty body (the SDK adds one under
 * `requestChecksumCalculation: WHEN_SUPPORTED`): removed before signing, per command.
 */
function withoutRequestChecksums<C extends { middlewareStack: { add: (...args: never[]) => void } }>(
  command: C,
): C {
  const strip: BuildMiddleware<object, MetadataBearer> = (next) => async (args) => {
    const request = args.request as { headers?: Record<string, string> };
    for (const name of Object.keys(request.headers ?? {})) {
      const lower = name.toLowerCase();
      if (lower.startsWith('x-amz-checksum-') || lower === 'x-amz-sdk-checksum-algorithm') {
        delete request.headers![name];
      }
    }
    return next(args);
  };
  (command.middlewareStack.add as (m: unknown, o: unknown) => void)(strip, {
    step: 'build',
    priority: 'low',
    name: 'stowageNoPresignPartChecksum',
    override: true,
  });
  return command;
}
