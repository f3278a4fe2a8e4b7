import { isStorageError, type JobStateStore } from '@stowage/core';

/** JobStateStore kind of the per-namespace rollout marker. */
export const ROLLOUT_JOB_KIND = 'hybrid-rollout';

/** What the rollout marker of one namespace holds (shared by every process of the rollout). */
export interface RolloutMarker {
  format: 1;
  /**
   * Every rollout version below this one has been drained: no process operates at it, and
   * none ever will again (a process adopting a version re-reads the rollout first).
   */
  floor: number;
  /**
   * The version at which a Migrator finished a full pass with nothing left on the wrong side
   * and no stale copy recorded on a routed side. Processes at this version take the fast path.
   */
  settled?: { version: number; percentage: number; at: string };
}

const ATTEMPTS = 20;

/** Reads and updates the marker with compare-and-swap (JobStateStore versions). */
export class RolloutMarkers {
  constructor(
    private readonly jobs: JobStateStore,
    private readonly namespace: string,
  ) {}

  async read(): Promise<RolloutMarker> {
    const job = await this.jobs.get<RolloutMarker>(ROLLOUT_JOB_KIND, this.namespace);
    return job?.data?.format === 1 ? job.data : { format: 1, floor: 0 };
  }

  /**
   * Applies `change` by compare-and-swap, retried on conflict. `change` returns undefined to
   * leave the marker as it is.
   * @throws the job state store's error; Conflict after repeated lost races.
   */
  async update(change: (marker: RolloutMarker) => RolloutMarker | undefined): Promise<RolloutMarker> {
    for (let attempt = 1; ; attempt++) {
      const job = await this.jobs.get<RolloutMarker>(ROLLOUT_JOB_KIND, this.namespace);
      const current: RolloutMarker = job?.data?.format === 1 ? job.data : { format: 1, floor: 0 };
      const next = change(structuredClone(current));
      if (next === undefined) return current;
      try {
        await this.jobs.save(ROLLOUT_JOB_KIND, this.namespace, next, { expectedVersion: job?.version ?? 0 });
        return next;
      } catch (error) {
        if (!isStorageError(error, 'Conflict') || attempt >= ATTEMPTS) throw error;
        await new Promise((resolve) => setTimeout(resolve, Math.random() * 5 * attempt));
      }
    }
  }
}
