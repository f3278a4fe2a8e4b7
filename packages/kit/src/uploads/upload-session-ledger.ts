import { randomBytes } from 'node:crypto';
import {
  assertValidKey,
  type Capabilities,
  type Clock,
  isStorageError,
  type JobState,
  type JobStateStore,
  type Page,
  StorageError,
  SystemClock,
  type UploadedPart,
  type UploadSession,
  type UploadSessionLimits,
  type UploadSessionOptions,
} from '@stowage/core';
import { assertHeaderValues, normalizeMetadata } from '../options/validate-options.js';

/** What the ledger keeps of a session; `native` is the implementation's own (e.g. an S3 upload id). */
export interface SessionRecord<Native = undefined> {
  key: string;
  options: UploadSessionOptions;
  createdAt: string;
  expiresAt: string;
  parts: Record<string, Omit<UploadedPart, 'number'>>;
  native: Native;
}

type Ctx = { operation: string; key?: string; backend: string };

const DEFAULT_EXPIRY_SECONDS = 24 * 3600;
const MAX_EXPIRY_SECONDS = 30 * 24 * 3600;
const ID_PATTERN = /^[0-9a-z]{9}-[0-9a-f]{16}$/;

/**
 * The bookkeeping every UploadSessions implementation shares: session state in a
 * JobStateStore (so any process continues a session), ids that sort by creation, the checks
 * of keys, options, part numbers and completeness, parts recorded by compare-and-swap (parts
 * of one session arrive at once), listing and finding expired sessions. Implementations add
 * only where the bytes of parts go and how they become the object.
 */
export class UploadSessionLedger<Native = undefined> {
  readonly limits: UploadSessionLimits;
  readonly clock: Clock;
  private readonly kind: string;

  constructor(
    private readonly jobs: JobStateStore,
    private readonly backend: string,
    options: { namespace?: string; clock?: Clock; limits: UploadSessionLimits },
  ) {
    this.clock = options.clock ?? new SystemClock();
    this.kind = `upload-session:${options.namespace ?? 'default'}`;
    this.limits = options.limits;
  }

  /**
   * Checks `key` and `options`, and gives the session an id and times; nothing is saved yet.
   * @throws InvalidKey; InvalidInput for malformed options; Unsupported for public visibility on
   *   a store without it.
   */
  draft(
    key: string,
    options: UploadSessionOptions,
    capabilities: Pick<Capabilities, 'visibility'>,
  ): { id: string; record: Omit<SessionRecord<Native>, 'native'> } {
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
    if (options.visibility === 'public' && !capabilities.visibility) {
      throw new StorageError('Unsupported', `${this.backend} cannot make objects public`, ctx);
    }
    const now = this.clock.now();
    // Time first: ids sort in creation order, so `list` is oldest first.
    const id = `${now.getTime().toString(36).padStart(9, '0')}-${randomBytes(8).toString('hex')}`;
    return {
      id,
      record: {
        key,
        options: { ...options, ...(metadata === undefined ? {} : { metadata }) },
        createdAt: now.toISOString(),
        expiresAt: new Date(now.getTime() + expiresIn * 1000).toISOString(),
        parts: {},
      },
    };
  }

  /** Saves a new session. */
  async open(id: string, record: SessionRecord<Native>): Promise<UploadSession> {
    await this.jobs.save(this.kind, id, record, { expectedVersion: 0 });
    return toSession(id, record);
  }

  /**
   * The session's state; null (or NotFound with `require`) when unknown or past expiry.
   * @throws NotFound with `require`.
   */
  async load(
    id: string,
    operation: string,
    require: boolean,
    includeExpired = false,
  ): Promise<JobState<SessionRecord<Native>> | null> {
    const ctx = { operation, backend: this.backend };
    if (typeof id !== 'string' || !ID_PATTERN.test(id)) {
      if (require) throw new StorageError('NotFound', 'No such upload session', ctx);
      return null;
    }
    const job = await this.jobs.get<SessionRecord<Native>>(this.kind, id);
    const live =
      job !== null && (includeExpired || Date.parse(job.data.expiresAt) > this.clock.now().getTime());
    if (!live) {
      if (require)
        throw new StorageError('NotFound', 'No such upload session (completed, aborted or expired)', ctx);
      return null;
    }
    return job;
  }

  /** @throws InvalidInput for a part number outside 1–maxParts or a declared length over maxPartSize. */
  checkPart(number: number, contentLength: number | undefined, ctx: Ctx): void {
    if (!Number.isInteger(number) || number < 1 || number > this.limits.maxParts) {
      throw new StorageError(
        'InvalidInput',
        `A part number is 1–${this.limits.maxParts}; got ${number}`,
        ctx,
      );
    }
    if (contentLength !== undefined && contentLength > this.limits.maxPartSize) {
      throw new StorageError('InvalidInput', `A part is at most ${this.limits.maxPartSize} bytes`, ctx);
    }
  }

  /** Edits the session's state by compare-and-swap, retried while other parts are being recorded. */
  async change(id: string, operation: string, edit: (record: SessionRecord<Native>) => void): Promise<void> {
    for (let attempt = 0; attempt < 50; attempt++) {
      const job = (await this.load(id, operation, true))!;
      edit(job.data);
      try {
        await this.jobs.save(this.kind, id, job.data, { expectedVersion: job.version });
        return;
      } catch (error) {
        if (!isStorageError(error, 'Conflict')) throw error;
        await new Promise((resolve) => setTimeout(resolve, Math.random() * 5 * (attempt + 1)));
      }
    }
    throw new StorageError('Conflict', 'The session kept changing; try again', {
      operation,
      backend: this.backend,
      retryable: true,
    });
  }

  /**
   * The parts to assemble, in number order, once they are complete.
   * @throws InvalidInput for no part, a gap, a named part not uploaded, or a part before the
   *   last under minPartSize.
   */
  completeParts(
    record: SessionRecord<Native>,
    wanted: readonly number[] | undefined,
    ctx: Ctx,
  ): UploadedPart[] {
    const uploaded = partsOf(record);
    if (uploaded.length === 0) throw new StorageError('InvalidInput', 'No part was uploaded', ctx);
    const numbers = uploaded.map((p) => p.number);
    for (const n of wanted ?? []) {
      if (!numbers.includes(n)) throw new StorageError('InvalidInput', `Part ${n} was not uploaded`, ctx);
    }
    const gap = numbers.findIndex((n, i) => n !== i + 1);
    if (gap >= 0) {
      throw new StorageError(
        'InvalidInput',
        `Part ${gap + 1} is missing (parts are 1…${numbers.at(-1)} with no gap)`,
        ctx,
      );
    }
    const small = uploaded.slice(0, -1).find((p) => p.size < this.limits.minPartSize);
    if (small !== undefined) {
      throw new StorageError(
        'InvalidInput',
        `Part ${small.number} is ${small.size} bytes; every part but the last must be at least ${this.limits.minPartSize}`,
        ctx,
      );
    }
    return uploaded;
  }

  /** Forgets the session. */
  async close(id: string): Promise<void> {
    await this.jobs.delete(this.kind, id);
  }

  async list(options: { cursor?: string; limit?: number } = {}): Promise<Page<UploadSession>> {
    const page = await this.jobs.list<SessionRecord<Native>>(this.kind, options);
    const out: Page<UploadSession> = { items: page.items.map((job) => toSession(job.id, job.data)) };
    if (page.cursor !== undefined) out.cursor = page.cursor;
    return out;
  }

  /** Ids of every session past its expiry. */
  async expiredIds(): Promise<string[]> {
    const now = this.clock.now().getTime();
    const ids: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await this.jobs.list<SessionRecord<Native>>(this.kind, {
        limit: 1000,
        ...(cursor === undefined ? {} : { cursor }),
      });
      for (const job of page.items) if (Date.parse(job.data.expiresAt) <= now) ids.push(job.id);
      cursor = page.cursor;
    } while (cursor !== undefined);
    return ids;
  }

  ctx(operation: string, key: string): { operation: string; key: string; backend: string } {
    return { operation, key, backend: this.backend };
  }
}

/** The recorded parts, by number. */
export function partsOf(record: SessionRecord<unknown>): UploadedPart[] {
  return Object.entries(record.parts)
    .map(([n, p]) => ({ number: Number(n), ...p }))
    .sort((a, b) => a.number - b.number);
}

export function toSession(id: string, record: SessionRecord<unknown>): UploadSession {
  return {
    id,
    key: record.key,
    createdAt: new Date(record.createdAt),
    expiresAt: new Date(record.expiresAt),
    options: { ...record.options },
  };
}
