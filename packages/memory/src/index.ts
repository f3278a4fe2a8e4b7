export * from './manual-clock.js';
export * from './memory-audit-log.js';
export * from './memory-config.js';
export * from './memory-job-state-store.js';
export * from './memory-metadata-repository.js';
export * from './memory-object-store.js';
export * from './memory-presign-server.js';
export * from './register-memory.js';
