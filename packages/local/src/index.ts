export { decodeKeyPath, encodeKeyPath } from '@stowage/kit';
export * from './local-cdn.js';
export * from './local-object-store.js';
export * from './local-server.js';
export type { LocalObjectStoreOptions, LocalSigningOptions } from './options.js';
export { RESERVED_PREFIX } from './reserved-names.js';
export type { SweepResult } from './sweep.js';
