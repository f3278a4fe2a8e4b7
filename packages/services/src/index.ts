export * from './keys/key-generator.js';
export * from './keys/normalize-extension.js';
export * from './storage/content-categories.js';
export * from './storage/object-storage.js';
export * from './storage/retry.js';
export * from './storage/single-flight.js';
export * from './storage/stream-timeout.js';
export * from './tokens.js';
