import type { Page } from '../model/page.js';

export interface JobState<T = unknown> {
  /** Job family: "upload-session", "migration", "hybrid-cleanup", … */
  kind: string;
  id: string;
  data: T;
  /** Increments on every save; used for optimistic concurrency. */
  version: number;
  updatedAt: Date;
}

/**
 * Durable state of long-running work (resumable upload sessions, migration checkpoints,
 * pending cleanups), so it resumes after a crash.
 * Methods may throw `Unavailable`, `Timeout` or `Unexpected`.
 */
export interface JobStateStore {
  get<T>(kind: string, id: string): Promise<JobState<T> | null>;

  /**
   * Creates or replaces the state. With `expectedVersion` (0 for "must not exist") the save
   * is a compare-and-swap.
   * @throws Conflict when `expectedVersion` does not match the stored version.
   * @throws InvalidInput when `data` is not JSON-serialisable.
   */
  save<T>(kind: string, id: string, data: T, options?: { expectedVersion?: number }): Promise<JobState<T>>;

  /** Missing jobs succeed. */
  delete(kind: string, id: string): Promise<void>;

  /** Jobs of one kind by id. @throws InvalidInput for a malformed cursor. */
  list<T>(kind: string, options?: { cursor?: string; limit?: number }): Promise<Page<JobState<T>>>;
}
