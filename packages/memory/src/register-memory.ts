import { type Clock, SystemClock, TOKENS, type ValueContainer } from '@stowage/core';
import { MemoryAuditLog } from './memory-audit-log.js';
import type { MemoryStoreConfig } from './memory-config.js';
import { MemoryJobStateStore } from './memory-job-state-store.js';
import { MemoryMetadataRepository } from './memory-metadata-repository.js';
import { MemoryObjectStore } from './memory-object-store.js';

export interface MemoryRegistration {
  store: MemoryObjectStore;
  metadata: MemoryMetadataRepository;
  audit: MemoryAuditLog;
  jobs: MemoryJobStateStore;
  clock: Clock;
}

/**
 * Registers an all-in-memory backend: the object store and the metadata, audit and job
 * ports, sharing one clock (`TOKENS.Clock`). For tests and throwaway experiments.
 * @throws ConfigInvalid for bad options; nothing is registered then.
 */
export function registerMemory(
  container: ValueContainer,
  options: MemoryStoreConfig = {},
): MemoryRegistration {
  const clock = options.clock ?? new SystemClock();
  const store = new MemoryObjectStore({ ...options, clock });
  const registration: MemoryRegistration = {
    store,
    metadata: new MemoryMetadataRepository({ clock }),
    audit: new MemoryAuditLog({ clock }),
    jobs: new MemoryJobStateStore({ clock }),
    clock,
  };
  container.register(TOKENS.Clock, { useValue: clock });
  container.register(TOKENS.ObjectStore, { useValue: store });
  container.register(TOKENS.MetadataRepository, { useValue: registration.metadata });
  container.register(TOKENS.AuditLog, { useValue: registration.audit });
  container.register(TOKENS.JobStateStore, { useValue: registration.jobs });
  return registration;
}
