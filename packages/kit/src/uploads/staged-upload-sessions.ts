import { randomBytes } from 'node:crypto';
import type { Readable } from 'node:stream';
import {
  assertValidKey,
  type Body,
  type Clock,
  isStorageError,
  type JobState,
  type JobStateStore,
  type ObjectInfo,
  type ObjectStore,
  type Page,
  type Progress,
  type PutOptions,
  StorageError,
  SystemClock,
  type UploadedPart,
  type UploadSession,
  type UploadSessionLimits,
  type UploadSessionOptions,
  type UploadSessions,
} from '@stowage/core';
import { pullReadable } from '../body/pull-readable.js';
import { assertHeaderValues, normalizeMetadata } from '../options/validate-options.js';

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

interface SessionState {
  key: string;
  options: UploadSessionOptions;
  createdAt: string;
  expiresAt: string;
  parts: Record<string, Omit<UploadedPart, 'number'>>;
}

const DEFAULT_EXPIRY_SECONDS = 24 * 3600;
const MAX_EXPIRY_SECONDS = 30 * 24 * 3600;

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
  private readonly jobs: JobStateStore;
  private readonly clock: Clock;
  private readonly kind: string;

  constructor(config: StagedUploadSessionsConfig) {
    this.store = config.store;
    this.staging = config.staging;
    this.jobs = config.jobs;
    this.clock = config.clock ?? new SystemClock();
    this.kind = `upload-session:${config.namespace ?? 'default'}`;
    this.limits = { minPartSize: 1, maxPartSize: 5 * 1024 ** 3, maxParts: 10_000, ...config.limits };
  }

  async create(key: string, options: UploadSessionOptions = {}): Promise<UploadSession> {
    const ctx = this.ctx('createUpload', key);
    assertValidKey(key, ctx);
    assertHeaderValues(options, ctx);
    const metadata = options.metadata === undefined ? undefined : normalizeMetadata(options.metadata, ctx);
    const expiresIn = options.expiresIn ?? DEFAULT_EXPIRY_SECONDS;
    if (!Number.isInteger(expiresIn) || expiresIn < 1 || expiresIn > MAX_EXPIRY_SECONDS) {
      throw new StorageError(
        'InvalidInput',
        `expiresIn must be a whole number of seconds from 1 to ${MAX_EXPIRY_SECONDS}`,
        ctx,
      );
    }
    if (options.visibility === 'public' && !this.store.capabilities.visibility) {
      throw new StorageError('Unsupported', `${this.store.name} cannot make objects public`, ctx);
    }
    const now = this.clock.now();
    // Time first: ids sort in creation order, so `list` is oldest first.
    const id = `${now.getTime().toString(36).padStart(9, '0')}-${randomBytes(8).toString('hex')}`;
    const state: SessionState = {
      key,
      options: { ...options, ...(metadata === undefined ? {} : { metadata }) },
      createdAt: now.toISOString(),
      expiresAt: new Date(now.getTime() + expiresIn * 1000).toISOString(),
      parts: {},
    };
    await this.jobs.save(this.kind, id, state, { expectedVersion: 0 });
    return toSession(id, state);
  }

  async get(id: string): Promise<UploadSession | null> {
    const job = await this.load(id, 'getUpload', false);
    return job === null ? null : toSession(id, job.data);
  }

  async uploadPart(
    id: string,
    number: number,
    body: Body,
    options: {
      contentLength?: number;
      sha256?: string;
      signal?: AbortSignal;
      onProgress?: (progress: Progress) => void;
    } = {},
  ): Promise<UploadedPart> {
    const job = (await this.load(id, 'uploadPart', true))!;
    const ctx = this.ctx('uploadPart', job.data.key);
    if (!Number.isInteger(number) || number < 1 || number > this.limits.maxParts) {
      throw new StorageError(
        'InvalidInput',
        `A part number is 1–${this.limits.maxParts}; got ${number}`,
        ctx,
      );
    }
    if (options.contentLength !== undefined && options.contentLength > this.limits.maxPartSize) {
      throw new StorageError('InvalidInput', `A part is at most ${this.limits.maxPartSize} bytes`, ctx);
    }
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
    // Parts of one session may be uploaded at once: record this one with compare-and-swap.
    await this.change(id, (state) => {
      state.parts[String(number)] = part;
    });
    return { number, ...part };
  }

  async listParts(id: string): Promise<UploadedPart[]> {
    const job = (await this.load(id, 'listParts', true))!;
    return parts(job.data);
  }

  async complete(
    id: string,
    options: { parts?: readonly number[]; sha256?: string; ifNoneMatch?: '*'; signal?: AbortSignal } = {},
  ): Promise<ObjectInfo> {
    const job = (await this.load(id, 'completeUpload', true))!;
    const state = job.data;
    const ctx = this.ctx('completeUpload', state.key);
    const uploaded = parts(state);
    if (uploaded.length === 0) throw new StorageError('InvalidInput', 'No part was uploaded', ctx);
    const numbers = uploaded.map((p) => p.number);
    for (const wanted of options.parts ?? []) {
      if (!numbers.includes(wanted))
        throw new StorageError('InvalidInput', `Part ${wanted} was not uploaded`, ctx);
    }
    const gap = numbers.findIndex((n, i) => n !== i + 1);
    if (gap >= 0)
      throw new StorageError(
        'InvalidInput',
        `Part ${gap + 1} is missing (parts are 1…${numbers.at(-1)} with no gap)`,
        ctx,
      );
    const small = uploaded.slice(0, -1).find((p) => p.size < this.limits.minPartSize);
    if (small !== undefined) {
      throw new StorageError(
        'InvalidInput',
        `Part ${small.number} is ${small.size} bytes; every part but the last must be at least ${this.limits.minPartSize}`,
        ctx,
      );
    }
    const total = uploaded.reduce((n, p) => n + p.size, 0);
    const put: PutOptions = { ...state.options, contentLength: total };
    delete (put as { expiresIn?: number }).expiresIn;
    if (options.sha256 !== undefined) put.sha256 = options.sha256;
    if (options.ifNoneMatch !== undefined) put.ifNoneMatch = options.ifNoneMatch;
    if (options.signal !== undefined) put.signal = options.signal;
    const info = await this.store.put(state.key, this.assemble(id, uploaded, ctx), put);
    await this.removeParts(
      id,
      uploaded.map((p) => p.number),
    );
    await this.jobs.delete(this.kind, id);
    return info;
  }

  async abort(id: string): Promise<void> {
    const job = await this.load(id, 'abortUpload', false, true);
    if (job === null) return;
    await this.removeParts(
      id,
      parts(job.data).map((p) => p.number),
    );
    await this.jobs.delete(this.kind, id);
  }

  async list(options: { cursor?: string; limit?: number } = {}): Promise<Page<UploadSession>> {
    const page = await this.jobs.list<SessionState>(this.kind, options);
    const out: Page<UploadSession> = { items: page.items.map((job) => toSession(job.id, job.data)) };
    if (page.cursor !== undefined) out.cursor = page.cursor;
    return out;
  }

  async expire(): Promise<number> {
    const now = this.clock.now().getTime();
    let expired = 0;
    let cursor: string | undefined;
    do {
      const page = await this.jobs.list<SessionState>(this.kind, {
        limit: 1000,
        ...(cursor === undefined ? {} : { cursor }),
      });
      for (const job of page.items) {
        if (Date.parse(job.data.expiresAt) <= now) {
          await this.abort(job.id);
          expired++;
        }
      }
      cursor = page.cursor;
    } while (cursor !== undefined);
    return expired;
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

  private async change(id: string, edit: (state: SessionState) => void): Promise<void> {
    for (let attempt = 0; attempt < 50; attempt++) {
      const job = (await this.load(id, 'uploadPart', true))!;
      edit(job.data);
      try {
        await this.jobs.save(this.kind, id, job.data, { expectedVersion: job.version });
        return;
      } catch (error) {
        if (!isStorageError(error, 'Conflict')) throw error;
        await new Promise((resolve) => setTimeout(resolve, Math.random() * 5 * (attempt + 1)));
      }
    }
    throw new StorageError('Conflict', 'The session kept changing; try the part again', {
      operation: 'uploadPart',
      retryable: true,
    });
  }

  /** The session's state; null (or NotFound with `require`) when missing or past expiry. */
  private async load(
    id: string,
    operation: string,
    require: boolean,
    includeExpired = false,
  ): Promise<JobState<SessionState> | null> {
    const ctx = { operation, backend: this.store.name };
    if (typeof id !== 'string' || !/^[0-9a-z]{9}-[0-9a-f]{16}$/.test(id)) {
      if (require) throw new StorageError('NotFound', 'No such upload session', ctx);
      return null;
    }
    const job = await this.jobs.get<SessionState>(this.kind, id);
    const live =
      job !== null && (includeExpired || Date.parse(job.data.expiresAt) > this.clock.now().getTime());
    if (!live) {
      if (require)
        throw new StorageError('NotFound', 'No such upload session (completed, aborted or expired)', ctx);
      return null;
    }
    return job;
  }

  private ctx(operation: string, key: string): { operation: string; key: string; backend: string } {
    return { operation, key, backend: this.store.name };
  }
}

function partKey(id: string, number: number): string {
  return `${id}/${String(number).padStart(5, '0')}`;
}

function parts(state: SessionState): UploadedPart[] {
  return Object.entries(state.parts)
    .map(([n, p]) => ({ number: Number(n), ...p }))
    .sort((a, b) => a.number - b.number);
}

function toSession(id: string, state: SessionState): UploadSession {
  return {
    id,
    key: state.key,
    createdAt: new Date(state.createdAt),
    expiresAt: new Date(state.expiresAt),
    options: { ...state.options },
  };
}
