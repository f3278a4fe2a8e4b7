// The ports: what callers and adapters agree on. Adapter authors' helpers are in @stowage/kit.
export * from './body/read-bytes.js';
export * from './body/to-readable.js';
export * from './di/value-container.js';
export * from './errors/storage-error.js';
export * from './keys/validate-key.js';
export * from './model/capabilities.js';
export * from './model/object-info.js';
export * from './model/page.js';
export * from './ports/audit-log.js';
export * from './ports/bucket-admin.js';
export * from './ports/cdn.js';
export * from './ports/clock.js';
export * from './ports/job-state-store.js';
export * from './ports/logger.js';
export * from './ports/metadata-repository.js';
export * from './ports/object-store.js';
export * from './tokens.js';
