import type { Readable } from 'node:stream';
import {
  isStorageError,
  type JobState,
  readBytes,
  StorageError,
  type UploadSessions,
  type Visibility,
} from '@stowage/core';
import type { UploadResult } from '@stowage/services';
import { DataStore, ERRORS, Upload } from '@tus/utils';
import type { ApiContext } from '../http/api-context.js';
import { PortLocker } from './port-locker.js';
import {
  isRefusal,
  type PublishedObject,
  publishedObject,
  publishStaged,
  RESUMABLE_PREFIX,
} from './publish.js';

const MiB = 1024 * 1024;
/** Job state kind of tus uploads. */
export const TUS_KIND = 'api-tus-upload';

/**
 * A tus upload's state, in the job state store (PostgreSQL for a fleet), so any instance
 * continues it. Its bytes are either parts of an upload session (all of `partSize`, numbered
 * 1…`parts`, `flushed` bytes in all) or the tail after them: an object of the store holding
 * the bytes received since the last part, shorter than a part. The offset is `flushed` plus
 * the tail's length; it counts only bytes that are durable.
 */
export interface TusRecord {
  /** The principal that created it: only it (or an admin) may continue, see or end it. */
  owner: string;
  /** The key asked for (`key` in Upload-Metadata); without one the Uploads service picks it. */
  key?: string;
  filename?: string;
  claimedType?: string;
  visibility?: Visibility;
  /** Upload-Metadata as sent, echoed by HEAD. */
  metadata: Record<string, string | null>;
  /** Upload-Length; absent while deferred. */
  size?: number;
  partSize: number;
  /** The upload session holding the parts (none for an empty upload). */
  session?: string;
  parts: number;
  flushed: number;
  tail?: { key: string; bytes: number };
  /** Tail generations, so a new tail never overwrites the one the state names. */
  seq: number;
  createdAt: string;
  expiresAt: string;
  /** The session completed into the staged object; the object is not published yet. */
  assembled?: boolean;
  /** The service's base URL when it was created (the object's URLs are built on it). */
  base: string;
  /** Set once the object exists. */
  completed?: PublishedObject;
}

/** What creation learns from the request, before the store gets the Upload. */
export type TusDraft = Pick<TusRecord, 'owner' | 'key' | 'filename' | 'claimedType' | 'visibility' | 'base'>;

export function offsetOf(record: TusRecord): number {
  return record.flushed + (record.tail?.bytes ?? 0);
}

/**
 * A @tus/server DataStore over Stowage's UploadSessions port (extensions: creation,
 * creation-with-upload, creation-defer-length, termination, expiration). @tus/server speaks the
 * protocol; this store only keeps bytes and state:
 *
 * - PATCH bodies are cut into parts of `partSize` (at least the sessions' `minPartSize`: 5 MiB
 *   on S3-family backends) sent with `uploadPart` as they fill; what is left at the end of a
 *   PATCH — a short chunk, or a body cut mid-way — is written as the tail object under
 *   `.stowage/resumable/tus/<id>/`, and the next PATCH (on any instance) starts from it. So
 *   the offset survives a cut connection, a restart or another instance, at the byte.
 * - Writes run under @tus/server's lock, here the Locks port (see PortLocker).
 * - When the last byte is in, the session completes into a staged object, and `publishStaged`
 *   makes it the object through the Uploads service's checks, records and audit. A refusal
 *   (type, size, image) drops everything: nothing shows, nothing stays.
 */
export class StowageTusStore extends DataStore {
  /** Creation details by upload id, from the request to `create` (same process, same request). */
  readonly drafts = new Map<string, TusDraft>();
  private readonly sessions: UploadSessions;

  constructor(
    private readonly ctx: ApiContext,
    private readonly locker: PortLocker,
    private readonly expirationMs: number,
  ) {
    super();
    this.extensions = [
      'creation',
      'creation-with-upload',
      'creation-defer-length',
      'termination',
      'expiration',
    ];
    this.sessions = ctx.runtime.uploadSessions;
  }

  private get jobs() {
    return this.ctx.runtime.database.jobs;
  }

  folderOf(id: string): string {
    return `${RESUMABLE_PREFIX}tus/${id}/`;
  }

  stagedKey(id: string): string {
    return `${this.folderOf(id)}object`;
  }

  override getExpiration(): number {
    return this.expirationMs;
  }

  /** The state, or null. */
  async peek(id: string): Promise<JobState<TusRecord> | null> {
    if (!/^[0-9a-f]{32}$/.test(id)) return null;
    return this.jobs.get<TusRecord>(TUS_KIND, id);
  }

  private async load(id: string): Promise<JobState<TusRecord>> {
    const job = await this.peek(id);
    if (job === null) throw ERRORS.FILE_NOT_FOUND;
    if (Date.parse(job.data.expiresAt) <= Date.now() && job.data.completed === undefined)
      throw ERRORS.FILE_NO_LONGER_EXISTS;
    return job;
  }

  private partSizeFor(size: number | undefined): number {
    const { minPartSize, maxParts } = this.sessions.limits;
    const base = Math.max(minPartSize, 5 * MiB);
    if (size === undefined) return base;
    // Room for every part but the last within maxParts.
    const needed = Math.ceil(size / Math.max(1, maxParts - 1));
    return Math.max(base, Math.ceil(needed / MiB) * MiB);
  }

  override async create(upload: Upload): Promise<Upload> {
    const draft = this.drafts.get(upload.id);
    this.drafts.delete(upload.id);
    if (draft === undefined) throw ERRORS.UNKNOWN_ERROR;
    const createdAt = upload.creation_date ?? new Date().toISOString();
    const expiresAt = new Date(Date.parse(createdAt) + this.expirationMs).toISOString();
    const session =
      upload.size === 0
        ? undefined
        : (
            await this.sessions.create(this.stagedKey(upload.id), {
              expiresIn: Math.ceil(this.expirationMs / 1000),
            })
          ).id;
    const record: TusRecord = {
      ...draft,
      metadata: upload.metadata ?? {},
      ...(upload.size === undefined ? {} : { size: upload.size }),
      partSize: this.partSizeFor(upload.size),
      ...(session === undefined ? {} : { session }),
      parts: 0,
      flushed: 0,
      seq: 0,
      createdAt,
      expiresAt,
    };
    try {
      await this.jobs.save(TUS_KIND, upload.id, record, { expectedVersion: 0 });
    } catch (error) {
      if (session !== undefined) await this.sessions.abort(session).catch(() => {});
      throw error;
    }
    upload.creation_date = createdAt;
    return upload;
  }

  override async getUpload(id: string): Promise<Upload> {
    const { data } = await this.load(id);
    return toUpload(id, data);
  }

  override async declareUploadLength(id: string, size: number): Promise<void> {
    const job = await this.load(id);
    await this.jobs.save(TUS_KIND, id, { ...job.data, size }, { expectedVersion: job.version });
  }

  /** Called under the upload's lock by PATCH (and POST with a body). */
  override async write(readable: Readable, id: string, _offset: number): Promise<number> {
    const job = await this.load(id);
    let record = job.data;
    let version = job.version;
    if (record.completed !== undefined) {
      readable.resume();
      return offsetOf(record);
    }
    const lost = this.locker.leases.get(id)?.lost;
    const save = async (next: TusRecord) => {
      lost?.throwIfAborted();
      version = (await this.jobs.save(TUS_KIND, id, next, { expectedVersion: version })).version;
      record = next;
    };
    const chunks: Buffer[] = [];
    let pending = 0;
    // Bytes at the front of `chunks` that are already durable (the tail the write started from).
    let durable = 0;
    if (record.tail !== undefined) {
      const bytes = await readBytes((await this.ctx.runtime.store.get(record.tail.key)).body);
      if (bytes.length !== record.tail.bytes) {
        throw new StorageError('Unexpected', 'The stored tail of the upload has the wrong length', {
          operation: 'tusWrite',
        });
      }
      chunks.push(bytes);
      pending = durable = bytes.length;
    }
    const take = (n: number): Buffer => {
      const all = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, pending);
      chunks.length = 0;
      if (all.length > n) chunks.push(all.subarray(n));
      pending -= n;
      return all.subarray(0, n);
    };
    const flush = async (part: Buffer) => {
      lost?.throwIfAborted();
      await this.sessions.uploadPart(record.session!, record.parts + 1, part, { contentLength: part.length });
      const old = record.tail;
      const { tail: _tail, ...rest } = record;
      await save({ ...rest, parts: record.parts + 1, flushed: record.flushed + part.length });
      durable = 0;
      if (old !== undefined) await this.removeObjects([old.key]);
    };

    let failure: unknown;
    try {
      for await (const chunk of readable) {
        const buffer = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as Uint8Array);
        if (buffer.length === 0) continue;
        chunks.push(buffer);
        pending += buffer.length;
        while (pending >= record.partSize) await flush(take(record.partSize));
      }
    } catch (error) {
      // A body cut short (the client went away): what arrived is kept below, then the error goes on.
      failure = error;
    }
    if (!(lost?.aborted ?? false)) {
      const last = record.size !== undefined && record.flushed + pending === record.size;
      if (failure === undefined && last && pending > 0) await flush(take(pending));
      else if (pending > durable) await this.saveTail(id, Buffer.concat(chunks, pending), record, save);
    }
    if (failure !== undefined) throw failure;
    if (record.size !== undefined && offsetOf(record) === record.size) {
      record = await this.completeLocked(id, { ...job, data: record, version });
    }
    return offsetOf(record);
  }

  private async saveTail(
    id: string,
    bytes: Buffer,
    record: TusRecord,
    save: (next: TusRecord) => Promise<void>,
  ): Promise<void> {
    const seq = record.seq + 1;
    const key = `${this.folderOf(id)}tail-${seq}`;
    await this.ctx.runtime.store.put(key, bytes, { contentType: 'application/octet-stream' });
    const old = record.tail;
    await save({ ...record, seq, tail: { key, bytes: bytes.length } });
    if (old !== undefined) await this.removeObjects([old.key]);
  }

  /**
   * Makes the upload an object once every byte is in, under the upload's lock (taken here);
   * at once when it already is one. @throws as `completeLocked`.
   */
  async ensureCompleted(id: string): Promise<TusRecord> {
    const job = await this.load(id);
    const done = (r: TusRecord) =>
      r.completed !== undefined || r.size === undefined || offsetOf(r) !== r.size;
    if (done(job.data)) return job.data;
    const lease = await this.locker.acquire(id);
    try {
      const again = await this.load(id);
      return done(again.data) ? again.data : await this.completeLocked(id, again);
    } finally {
      await lease.release();
    }
  }

  /**
   * Completes the session into the staged object and publishes it (Uploads checks, metadata,
   * audit). A refusal drops the upload entirely and throws; any other failure leaves the state
   * as it was, so a later request (HEAD, status, PATCH) finishes the job.
   */
  private async completeLocked(id: string, job: JobState<TusRecord>): Promise<TusRecord> {
    let record = job.data;
    let version = job.version;
    const save = async (next: TusRecord) => {
      version = (await this.jobs.save(TUS_KIND, id, next, { expectedVersion: version })).version;
      record = next;
    };
    const size = record.size!;
    const common = {
      owner: record.owner,
      ...(record.key === undefined ? {} : { key: record.key }),
      ...(record.filename === undefined ? {} : { filename: record.filename }),
      ...(record.claimedType === undefined ? {} : { claimedType: record.claimedType }),
      ...(record.visibility === undefined ? {} : { visibility: record.visibility }),
    };
    let result: UploadResult;
    try {
      if (size === 0) {
        result = await this.ctx.uploads.upload({ ...common, body: Buffer.alloc(0), contentLength: 0 });
      } else {
        if (record.assembled !== true) {
          await this.sessions.complete(record.session!, { parts: range(record.parts) });
          await save({ ...record, assembled: true });
        }
        result = await publishStaged(this.ctx, {
          ...common,
          staged: this.stagedKey(id),
          size,
          read: 'full',
        });
      }
    } catch (error) {
      if (isRefusal(error)) await this.discard(id, record);
      throw error;
    }
    this.ctx.metrics.bytesIn.inc(size);
    await save({ ...record, completed: publishedObject(this.ctx, record.base, result) });
    if (size === 0 && record.session !== undefined) await this.sessions.abort(record.session);
    await this.removeFolder(id);
    return record;
  }

  /** Termination (DELETE), under the upload's lock. */
  override async remove(id: string): Promise<void> {
    const job = await this.peek(id);
    if (job === null) throw ERRORS.FILE_NOT_FOUND;
    await this.discard(id, job.data);
  }

  /** Ends the upload: its session, its tail and staged objects, its state. */
  async discard(id: string, record: TusRecord): Promise<void> {
    if (record.session !== undefined && record.assembled !== true && record.completed === undefined)
      await this.sessions.abort(record.session);
    await this.removeFolder(id);
    await this.jobs.delete(TUS_KIND, id);
  }

  /**
   * Ends every upload past its expiry (a completed one only loses its state: the object stays),
   * skipping those a request holds right now; then the sessions' own sweep.
   */
  override async deleteExpired(): Promise<number> {
    const now = Date.now();
    let removed = 0;
    let cursor: string | undefined;
    do {
      const page = await this.jobs.list<TusRecord>(TUS_KIND, {
        limit: 500,
        ...(cursor === undefined ? {} : { cursor }),
      });
      for (const job of page.items) {
        if (Date.parse(job.data.expiresAt) > now) continue;
        const lease = await this.locker.locks.tryAcquire(PortLocker.lockKey(job.id), 'exclusive');
        if (lease === undefined) continue;
        try {
          await this.discard(job.id, job.data);
          removed++;
        } finally {
          await lease.release();
        }
      }
      cursor = page.cursor;
    } while (cursor !== undefined);
    await this.sessions.expire();
    return removed;
  }

  private async removeFolder(id: string): Promise<void> {
    const keys: string[] = [];
    for await (const entry of this.ctx.runtime.store.list({ prefix: this.folderOf(id) })) {
      if ('key' in entry) keys.push(entry.key);
    }
    await this.removeObjects(keys);
  }

  private async removeObjects(keys: string[]): Promise<void> {
    for (const key of keys) {
      await this.ctx.runtime.store.delete(key).catch((error: unknown) => {
        if (!isStorageError(error, 'NotFound')) throw error;
      });
    }
  }
}

function range(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i + 1);
}

export function toUpload(id: string, record: TusRecord): Upload {
  return new Upload({
    id,
    ...(record.size === undefined ? {} : { size: record.size }),
    offset: offsetOf(record),
    metadata: record.metadata,
    creation_date: record.createdAt,
    storage: { type: 'stowage', path: record.completed?.key ?? record.key ?? '' },
  });
}
