import {
  describeAuditLogConformance,
  describeJobStateStoreConformance,
  describeLocksConformance,
  describeMetadataRepositoryConformance,
  describeRolloutStateConformance,
} from '@stowage/testkit';
import { InProcessLocks } from './in-process-locks.js';
import { MemoryAuditLog } from './memory-audit-log.js';
import { MemoryJobStateStore } from './memory-job-state-store.js';
import { MemoryMetadataRepository } from './memory-metadata-repository.js';
import { MemoryRolloutState } from './memory-rollout-state.js';

describeMetadataRepositoryConformance({ name: 'memory', create: () => new MemoryMetadataRepository() });
describeJobStateStoreConformance({ name: 'memory', create: () => new MemoryJobStateStore() });
describeAuditLogConformance({ name: 'memory', create: () => new MemoryAuditLog() });
// In-process state: no peer instance shares it, so the cross-instance cases skip, saying so.
describeLocksConformance({ name: 'memory', create: () => new InProcessLocks() });
describeRolloutStateConformance({ name: 'memory', create: () => new MemoryRolloutState() });
