import type { Clock } from '@stowage/core';
import type { KeyedRwLock } from '@stowage/kit';
import type { EtagJournal } from './etag-journal.js';
import type { ObjectEntries } from './object-entries.js';

/** What every operation of a LocalObjectStore works with, once its root is ready. */
export interface LocalContext {
  /** The real path of the root: every path is built from it and checked against it. */
  readonly root: string;
  readonly fsync: boolean;
  readonly clock: Clock;
  readonly entries: ObjectEntries;
  /** Per-directory etag records for listings (etag-journal.ts). */
  readonly journal: EtagJournal;
  /**
   * Writers of a key take its exclusive lock for the commit (put, delete, copy onto it, move
   * from or onto it), so within the process they take turns; readers take no lock.
   */
  readonly locks: KeyedRwLock;
}
