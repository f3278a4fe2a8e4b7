import type { JobState, JobStateStore } from '@stowage/core';
import { allPages } from '../helpers/pages.js';
import type { CaseRegistry, PortCase, PortConformanceOptions } from '../helpers/port-suite.js';

export type JobStateStoreConformanceOptions = PortConformanceOptions<JobStateStore>;
export type JobCase = PortCase<JobStateStore, JobStateStoreConformanceOptions>;
export type JobCases = CaseRegistry<JobCase>;

/** Every job of one kind, following cursors. */
export function listAll(store: JobStateStore, kind: string, limit?: number): Promise<JobState[]> {
  return allPages(
    (cursor) =>
      store.list(kind, {
        ...(cursor === undefined ? {} : { cursor }),
        ...(limit === undefined ? {} : { limit }),
      }),
    limit,
  );
}

export async function listIds(store: JobStateStore, kind: string, limit?: number): Promise<string[]> {
  return (await listAll(store, kind, limit)).map((j) => j.id);
}
