import {
  compareKeys,
  isCommonPrefix,
  type JobStateStore,
  type MetadataRepository,
  type ObjectAggregate,
  type ObjectRecord,
  type ObjectRecordInput,
  type ObjectSummary,
  TOKENS,
} from '@stowage/core';
import { encodeKeyCursor } from '@stowage/kit';
import { inject, injectable } from 'tsyringe';
import type { ObjectStorage } from '../storage/object-storage.js';
import { SERVICE_TOKENS } from '../tokens.js';

/** What a key says about its object beyond the listing (category, owner, attributes); null skips the key. */
export type KeyParser = (
  summary: ObjectSummary,
) => Partial<
  Pick<ObjectRecordInput, 'category' | 'owner' | 'attributes' | 'contentType' | 'visibility'>
> | null;

export interface IndexRun {
  /** Only keys under this prefix; default everything. */
  prefix?: string;
  /** Default: the first segment is the category. */
  parser?: KeyParser;
  /** Records upserted per batch; default 500. */
  batchSize?: number;
  /** Names the checkpoint: a run with the same id resumes where an interrupted one stopped. */
  jobId?: string;
  signal?: AbortSignal;
  onProgress?: (progress: IndexProgress) => void;
}

export interface IndexProgress {
  listed: number;
  upserted: number;
  unchanged: number;
  softDeleted: number;
  skipped: number;
  /** The last key handled (the checkpoint). */
  position?: string;
}

export interface IndexReport extends IndexProgress {
  resumedFrom?: string;
  aggregate: ObjectAggregate;
}

const JOB_KIND = 'bucket-index';

const defaultParser: KeyParser = (summary) => {
  const slash = summary.key.indexOf('/');
  return slash > 0 ? { category: summary.key.slice(0, slash) } : {};
};

/**
 * Indexes a store into the metadata repository: walks the store's listing and the
 * repository's records side by side in key order (both byte-ordered, one page of each in
 * memory), upserting new and changed objects in batches and soft-deleting records whose
 * object is gone, so running it again after changes converges. Checkpoints its position in
 * the job state store after every batch: an interrupted run resumes, with nothing done twice.
 */
@injectable()
export class BucketIndexer {
  constructor(
    @inject(SERVICE_TOKENS.ObjectStorage) private readonly storage: ObjectStorage,
    @inject(TOKENS.MetadataRepository) private readonly repository: MetadataRepository,
    @inject(TOKENS.JobStateStore) private readonly jobs: JobStateStore,
  ) {}

  async run(run: IndexRun = {}): Promise<IndexReport> {
    const prefix = run.prefix ?? '';
    const parser = run.parser ?? defaultParser;
    const batchSize = run.batchSize ?? 500;
    const jobId = run.jobId ?? `index:${prefix}`;
    const checkpoint = await this.jobs.get<{ position?: string; done: boolean; progress: IndexProgress }>(
      JOB_KIND,
      jobId,
    );
    const resumedFrom = checkpoint !== null && !checkpoint.data.done ? checkpoint.data.position : undefined;
    const progress: IndexProgress =
      resumedFrom !== undefined && checkpoint !== null
        ? { ...checkpoint.data.progress }
        : { listed: 0, upserted: 0, unchanged: 0, softDeleted: 0, skipped: 0 };
    let version = checkpoint?.version ?? 0;
    const save = async (done: boolean) => {
      const saved = await this.jobs.save(
        JOB_KIND,
        jobId,
        { position: progress.position, done, progress },
        { expectedVersion: version },
      );
      version = saved.version;
      run.onProgress?.({ ...progress });
    };

    const objects = this.storage
      .list({
        prefix,
        ...(resumedFrom === undefined ? {} : { startAfter: resumedFrom }),
        ...(run.signal === undefined ? {} : { signal: run.signal }),
      })
      [Symbol.asyncIterator]();
    const records = this.records(prefix, resumedFrom);
    let object = await nextObject(objects);
    let record = await records.next();
    let batch: ObjectRecordInput[] = [];
    const flush = async () => {
      if (batch.length > 0) await this.repository.upsertMany(batch);
      progress.upserted += batch.length;
      batch = [];
      await save(false);
    };
    let sinceCheckpoint = 0;
    while (object !== undefined || !record.done) {
      if (run.signal?.aborted) break;
      const c = object === undefined ? 1 : record.done ? -1 : compareKeys(object.key, record.value.key);
      if (c <= 0) {
        // An object: new (c < 0) or already recorded (c == 0).
        const summary = object!;
        progress.listed++;
        const existing = c === 0 ? (record.value as ObjectRecord) : undefined;
        const parsed = parser(summary);
        if (parsed === null) progress.skipped++;
        else if (
          existing !== undefined &&
          existing.deletedAt === undefined &&
          existing.etag === summary.etag &&
          existing.size === summary.size
        ) {
          progress.unchanged++;
        } else {
          batch.push({
            key: summary.key,
            backend: this.storage.name,
            size: summary.size,
            etag: summary.etag,
            contentType: parsed.contentType ?? existing?.contentType ?? 'application/octet-stream',
            visibility: parsed.visibility ?? existing?.visibility ?? 'private',
            attributes: {
              ...existing?.attributes,
              ...parsed.attributes,
              lastModified: summary.lastModified.toISOString(),
            },
            ...(parsed.category === undefined ? {} : { category: parsed.category }),
            ...(parsed.owner === undefined ? {} : { owner: parsed.owner }),
          });
        }
        progress.position = summary.key;
        object = await nextObject(objects);
        if (c === 0) record = await records.next();
      } else {
        // A record whose object is gone.
        const gone = record.value as ObjectRecord;
        if (gone.deletedAt === undefined) {
          await this.repository.softDelete(gone.key);
          progress.softDeleted++;
        }
        progress.position = gone.key;
        record = await records.next();
      }
      if (++sinceCheckpoint >= batchSize || batch.length >= batchSize) {
        sinceCheckpoint = 0;
        await flush();
      }
    }
    await flush();
    if (run.signal?.aborted)
      return {
        ...progress,
        ...(resumedFrom === undefined ? {} : { resumedFrom }),
        aggregate: await this.repository.aggregate({ prefix }),
      };
    await save(true);
    return {
      ...progress,
      ...(resumedFrom === undefined ? {} : { resumedFrom }),
      aggregate: await this.repository.aggregate({ prefix }),
    };
  }

  /** The repository's records under `prefix` after `after`, deleted ones included, page by page. */
  private async *records(prefix: string, after: string | undefined): AsyncGenerator<ObjectRecord> {
    // Repository cursors are kit key cursors: start right after the checkpoint.
    let cursor: string | undefined = after === undefined ? undefined : encodeKeyCursor(after);
    for (;;) {
      const page = await this.repository.query({
        prefix,
        includeDeleted: true,
        limit: 1000,
        ...(cursor === undefined ? {} : { cursor }),
      });
      yield* page.items;
      if (page.cursor === undefined) return;
      cursor = page.cursor;
    }
  }
}

async function nextObject(
  entries: AsyncIterator<import('@stowage/core').ListEntry>,
): Promise<ObjectSummary | undefined> {
  for (;;) {
    const next = await entries.next();
    if (next.done) return undefined;
    if (!isCommonPrefix(next.value)) return next.value;
  }
}
