import { type Clock, type JobState, type JobStateStore, type Page, SystemClock } from '@stowage/core';
import { assertJobName, checkJobList, checkJobSave, encodeKeyCursor, jobVersionConflict } from '@stowage/kit';
import { insertSorted, removeSorted, sortedIndexAfter } from './sorted-keys.js';

const BACKEND = 'memory';

interface StoredJob {
  version: number;
  updatedAt: Date;
  /** Kept as JSON text, so every read is a fresh deep copy. */
  json: string;
}

/** JobStateStore in memory with optimistic concurrency (`expectedVersion`). */
export class MemoryJobStateStore implements JobStateStore {
  /** kind → (id → job), plus each kind's ids in byte order for listing. */
  private readonly kinds = new Map<string, { jobs: Map<string, StoredJob>; ids: string[] }>();
  private readonly clock: Clock;

  constructor(options: { clock?: Clock } = {}) {
    this.clock = options.clock ?? new SystemClock();
  }

  async get<T>(kind: string, id: string): Promise<JobState<T> | null> {
    assertJobName(kind, id, { operation: 'get', backend: BACKEND });
    const job = this.kinds.get(kind)?.jobs.get(id);
    return job === undefined ? null : toState<T>(kind, id, job);
  }

  /**
   * Version 1 on create, +1 on every save.
   * @throws Conflict when `expectedVersion` differs from the stored version (0: must not exist).
   * @throws InvalidInput for non-JSON data, a bad expectedVersion, or empty kind/id.
   */
  async save<T>(
    kind: string,
    id: string,
    data: T,
    options: { expectedVersion?: number } = {},
  ): Promise<JobState<T>> {
    assertJobName(kind, id, { operation: 'save', backend: BACKEND });
    const ctx = { operation: 'save', key: `${kind}/${id}`, backend: BACKEND };
    const expected = options.expectedVersion;
    const json = checkJobSave(data, expected, ctx);
    let family = this.kinds.get(kind);
    const current = family?.jobs.get(id);
    const currentVersion = current?.version ?? 0;
    if (expected !== undefined && expected !== currentVersion)
      throw jobVersionConflict(kind, id, currentVersion, expected, ctx);
    if (family === undefined) {
      family = { jobs: new Map(), ids: [] };
      this.kinds.set(kind, family);
    }
    const job: StoredJob = { version: currentVersion + 1, updatedAt: this.clock.now(), json };
    if (current === undefined) insertSorted(family.ids, id);
    family.jobs.set(id, job);
    return toState<T>(kind, id, job);
  }

  async delete(kind: string, id: string): Promise<void> {
    assertJobName(kind, id, { operation: 'delete', backend: BACKEND });
    const family = this.kinds.get(kind);
    if (family?.jobs.delete(id)) removeSorted(family.ids, id);
  }

  /** By id in byte order. @throws InvalidInput for a malformed cursor or limit. */
  async list<T>(kind: string, options: { cursor?: string; limit?: number } = {}): Promise<Page<JobState<T>>> {
    const { limit, after } = checkJobList(kind, options, { operation: 'list', backend: BACKEND });
    const family = this.kinds.get(kind);
    if (family === undefined) return { items: [] };
    const start = after === undefined ? 0 : sortedIndexAfter(family.ids, after, false);
    const ids = family.ids.slice(start, start + limit);
    const items = ids.map((id) => toState<T>(kind, id, family.jobs.get(id)!));
    return start + limit < family.ids.length
      ? { items, cursor: encodeKeyCursor(ids[ids.length - 1]!) }
      : { items };
  }
}

function toState<T>(kind: string, id: string, job: StoredJob): JobState<T> {
  return {
    kind,
    id,
    data: JSON.parse(job.json) as T,
    version: job.version,
    updatedAt: new Date(job.updatedAt.getTime()),
  };
}
