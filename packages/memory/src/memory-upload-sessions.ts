import type { Clock, JobStateStore, ObjectStore } from '@stowage/core';
import { StagedUploadSessions } from '@stowage/kit';
import { MemoryJobStateStore } from './memory-job-state-store.js';
import { MemoryObjectStore } from './memory-object-store.js';

/**
 * Resumable upload sessions for a memory store: parts wait in a memory staging store of
 * their own, state in a job state store (memory unless given), and completion writes the
 * object in one put (the kit's `StagedUploadSessions`).
 */
export function memoryUploadSessions(
  store: ObjectStore,
  options: { jobs?: JobStateStore; clock?: Clock; staging?: ObjectStore } = {},
): StagedUploadSessions {
  return new StagedUploadSessions({
    store,
    staging:
      options.staging ?? new MemoryObjectStore(options.clock === undefined ? {} : { clock: options.clock }),
    jobs:
      options.jobs ?? new MemoryJobStateStore(options.clock === undefined ? {} : { clock: options.clock }),
    ...(options.clock === undefined ? {} : { clock: options.clock }),
    namespace: 'memory',
  });
}
