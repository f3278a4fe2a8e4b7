export * from './hybrid-object-store.js';
export * from './in-process-job-state.js';
export * from './migrator.js';
export * from './register-hybrid.js';
export * from './routing.js';
export { CLEANUP_JOB_KIND, type StaleCopyRecord, type StaleReason } from './stale-copies.js';
