import type { Readable } from 'node:stream';
import {
  type Body,
  type Clock,
  isStorageError,
  type JobStateStore,
  type ObjectInfo,
  type ObjectStore,
  type Page,
  type PutOptions,
  StorageError,
  type UploadedPart,
  type UploadPartOptions,
  type UploadSession,
  type UploadSessionLimits,
  type UploadSessionOptions,
  type UploadSessions,
} from '@stowage/core';
import { pullReadable } from '../body/pull-readable.js';
import { partsOf, toSession, UploadSessionLedger } from './upload-session-ledger.js';

export interface StagedUploadSessionsConfig {
  /** Where completed objects are written. */
  store: ObjectStore;
  /**
   * Where parts wait until completion: a store of its own (never the objects' store, whose
   * listings must not show parts), e.g. a second directory in local mode.
   */
  staging: ObjectStore;
  /** Session state: a shared store (PostgreSQL) lets any process continue a session. */
  jobs: JobStateStore;
  clock?: Clock;
  limits?: Partial<UploadSessionLimits>;
  /** Keeps the sessions of several stores apart in one job state store; default "default". */
  namespace?: string;
}

/**
 * Resumable upload sessions for any ObjectStore, by staging: each part is an object of the
 * staging store (`<session>/<part number>`), session state lives in the job state store, and
 * completion streams the parts in number order into ONE put of the target store (atomic on
 * every adapter), verifying the total length and (when given) the sha256, then removes the
 * parts. Local and memory use it; so can anything without native multipart.
 */
export class StagedUploadSessions implements UploadSessions {
  readonly limits: UploadSessionLimits;
  private readonly store: ObjectStore;
  private readonly staging: ObjectStore;
  private readonly ledger: UploadSessionLedger;

  constructor(config: StagedUploadSessionsConfig) {
    this.store = config.store;
    this.staging = config.staging;
    this.limits = { minPartSize: 1, maxPartSize: 5 * 1024 ** 3, maxParts: 10_000, ...config.limits };
    this.ledger = new UploadSessionLedger(config.jobs, config.store.name, {
      limits: this.limits,
      ...(config.namespace === undefined ? {} : { namespace: config.namespace }),
      ...(config.clock === undefined ? {} : { clock: config.clock }),
    });
  }

  async create(key: string, options: UploadSessionOptions = {}): Promise<UploadSession> {
    const { id, record } = this.ledger.draft(key, options, this.store.capabilities);
    return this.ledger.open(id, { ...record, native: undefined });
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
    const put: PutOptions = { contentType: 'application/octet-stream' };
    if (options.contentLength !== undefined) put.contentLength = options.contentLength;
    if (options.sha256 !== undefined) put.sha256 = options.sha256;
    if (options.signal !== undefined) put.signal = options.signal;
    if (options.onProgress !== undefined) put.onProgress = options.onProgress;
    const info = await this.staging.put(partKey(id, number), body, put);
    const sha256 = info.sha256 ?? options.sha256;
    if (sha256 === undefined) {
      throw new StorageError('Unexpected', `The staging store ${this.staging.name} reports no sha256`, ctx);
    }
    if (info.size > this.limits.maxPartSize) {
      await this.staging.delete(partKey(id, number));
      throw new StorageError('InvalidInput', `A part is at most ${this.limits.maxPartSize} bytes`, ctx);
    }
    const part = { size: info.size, etag: info.etag, sha256 };
    await this.ledger.change(id, 'uploadPart', (record) => {
      record.parts[String(number)] = part;
    });
    return { number, ...part };
  }

  async listParts(id: string): Promise<UploadedPart[]> {
    const job = (await this.ledger.load(id, 'listParts', true))!;
    return partsOf(job.data);
  }

  async complete(
    id: string,
    options: { parts?: readonly number[]; sha256?: string; ifNoneMatch?: '*'; signal?: AbortSignal } = {},
  ): Promise<ObjectInfo> {
    const job = (await this.ledger.load(id, 'completeUpload', true))!;
    const record = job.data;
    const ctx = this.ledger.ctx('completeUpload', record.key);
    const uploaded = this.ledger.completeParts(record, options.parts, ctx);
    const total = uploaded.reduce((n, p) => n + p.size, 0);
    const { expiresIn: _expiresIn, ...stored } = record.options;
    const put: PutOptions = { ...stored, contentLength: total };
    if (options.sha256 !== undefined) put.sha256 = options.sha256;
    if (options.ifNoneMatch !== undefined) put.ifNoneMatch = options.ifNoneMatch;
    if (options.signal !== undefined) put.signal = options.signal;
    const info = await this.store.put(record.key, this.assemble(id, uploaded, ctx), put);
    await this.removeParts(
      id,
      uploaded.map((p) => p.number),
    );
    await this.ledger.close(id);
    return info;
  }

  async abort(id: string): Promise<void> {
    const job = await this.ledger.load(id, 'abortUpload', false, true);
    if (job === null) return;
    await this.removeParts(
      id,
      partsOf(job.data).map((p) => p.number),
    );
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

  /** The parts, read in order, one at a time, each checked against the etag recorded for it. */
  private assemble(
    id: string,
    uploaded: UploadedPart[],
    ctx: { operation: string; key: string; backend: string },
  ): Readable {
    let index = 0;
    let current: AsyncIterator<Buffer> | undefined;
    let currentBody: Readable | undefined;
    return pullReadable(
      async () => {
        for (;;) {
          if (current === undefined) {
            const part = uploaded[index];
            if (part === undefined) return null;
            let got: Awaited<ReturnType<ObjectStore['get']>>;
            try {
              got = await this.staging.get(partKey(id, part.number), { ifMatch: part.etag });
            } catch (error) {
              if (isStorageError(error, 'PreconditionFailed') || isStorageError(error, 'NotFound')) {
                throw new StorageError(
                  'Conflict',
                  `Part ${part.number} changed or vanished while completing; upload it again`,
                  ctx,
                );
              }
              throw error;
            }
            currentBody = got.body;
            current = got.body[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
          }
          const next = await current.next();
          if (!next.done) return next.value;
          current = undefined;
          currentBody = undefined;
          index++;
        }
      },
      (error) => {
        currentBody?.destroy(error ?? undefined);
      },
    );
  }

  private async removeParts(id: string, numbers: number[]): Promise<void> {
    if (numbers.length === 0) return;
    const result = await this.staging.deleteMany(numbers.map((n) => partKey(id, n)));
    if (result.errors.length > 0) throw result.errors[0]!.error;
  }
}

function partKey(id: string, number: number): string {
  return `${id}/${String(number).padStart(5, '0')}`;
}
