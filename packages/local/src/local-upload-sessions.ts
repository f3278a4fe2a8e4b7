import type { Clock, JobStateStore } from '@stowage/core';
import { StagedUploadSessions } from '@stowage/kit';
import { LocalObjectStore } from './local-object-store.js';

/**
 * Resumable upload sessions for a local store: each part is a file under `stagingRoot` (a
 * directory of its own, never inside the store's root, so parts are never listed as
 * objects), written atomically like any object; session state lives in `jobs` (PostgreSQL or
 * PGlite in local mode, so a restarted process continues a session); completion streams the
 * parts into one atomic write of the object.
 */
export function localUploadSessions(
  store: LocalObjectStore,
  options: { stagingRoot: string; jobs: JobStateStore; clock?: Clock; fsync?: boolean },
): StagedUploadSessions {
  const staging = new LocalObjectStore({
    root: options.stagingRoot,
    ...(options.clock === undefined ? {} : { clock: options.clock }),
    // Parts are made durable when the object is: completion writes it with the store's own fsync.
    fsync: options.fsync ?? false,
  });
  return new StagedUploadSessions({
    store,
    staging,
    jobs: options.jobs,
    ...(options.clock === undefined ? {} : { clock: options.clock }),
    namespace: 'local',
  });
}
