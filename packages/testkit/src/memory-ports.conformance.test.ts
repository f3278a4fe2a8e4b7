import { MemoryJobStateStore, MemoryMetadataRepository } from '@stowage/memory';
import { describeJobStateStoreConformance } from './job-state-store/describe-job-state-store-conformance.js';
import { describeMetadataRepositoryConformance } from './metadata-repository/describe-metadata-repository-conformance.js';

describeJobStateStoreConformance({ name: 'memory', create: () => new MemoryJobStateStore() });
describeMetadataRepositoryConformance({ name: 'memory', create: () => new MemoryMetadataRepository() });
