import { type JobState, type JobStateStore, type Page, StorageError } from '@stowage/core';
import { decodeKeyCursor, encodeKeyCursor } from '@stowage/kit';

/**
 * The job state a HybridObjectStore keeps when none is given: in memory, so pending
 * cleanups survive nothing but the process. Enough for tests and single-process tools;
 * pass a durable JobStateStore (e.g. @stowage/postgres) in production.
 */
export class InProcessJobStateStore implements JobStateStore {
  private readonly jobs = new Map<string, JobState>();

  async get<T>(kind: string, id: string): Promise<JobState<T> | null> {
    const job = this.jobs.get(`${kind}\u0000${id}`);
    return job === undefined ? null : (structuredClone(job) as JobState<T>);
  }

  async save<T>(
    kind: string,
    id: string,
    data: T,
    options: { expectedVersion?: number } = {},
  ): Promise<JobState<T>> {
    const slot = `${kind}\u0000${id}`;
    const current = this.jobs.get(slot);
    if (options.expectedVersion !== undefined && (current?.version ?? 0) !== options.expectedVersion) {
      throw new StorageError(
        'Conflict',
        `Job ${kind}/${id} is at version ${current?.version ?? 0}, not ${options.expectedVersion}`,
        {
          operation: 'jobs.save',
        },
      );
    }
    let copy: T;
    try {
      copy = JSON.parse(JSON.stringify(data)) as T;
    } catch (cause) {
      throw new StorageError('InvalidInput', 'Job data must be JSON-serialisable', {
        operation: 'jobs.save',
        cause,
      });
    }
    const job: JobState<T> = {
      kind,
      id,
      data: copy,
      version: (current?.version ?? 0) + 1,
      updatedAt: new Date(),
    };
    this.jobs.set(slot, job);
    return structuredClone(job);
  }

  async delete(kind: string, id: string): Promise<void> {
    this.jobs.delete(`${kind}\u0000${id}`);
  }

  async list<T>(kind: string, options: { cursor?: string; limit?: number } = {}): Promise<Page<JobState<T>>> {
    const after =
      options.cursor === undefined ? undefined : decodeKeyCursor(options.cursor, { operation: 'jobs.list' });
    const limit = options.limit ?? 100;
    const ids = [...this.jobs.values()]
      .filter((job) => job.kind === kind && (after === undefined || job.id > after))
      .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    const items = ids.slice(0, limit).map((job) => structuredClone(job) as JobState<T>);
    const last = items.at(-1);
    return ids.length > limit && last !== undefined ? { items, cursor: encodeKeyCursor(last.id) } : { items };
  }
}
