export { decodeKeyPath, encodeKeyPath, Secret } from '@stowage/kit';
export * from './local-cdn.js';
export * from './local-config.js';
export * from './local-object-store.js';
export * from './local-server.js';
export * from './local-upload-sessions.js';
export { RESERVED_PREFIX } from './reserved-names.js';
export type { SweepResult } from './sweep.js';
