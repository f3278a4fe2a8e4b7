export * from './manual-clock.js';
export * from './memory-object-store.js';
export * from './memory-presign-server.js';
export * from './presign-signature.js';
