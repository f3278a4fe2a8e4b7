export { encodeKeyPath } from '@stowage/core';
export * from './base-url.js';
export * from './base-url-cdn.js';
export * from './config-invalid.js';
export * from './fetch-public.js';
export * from './http-errors.js';
export * from './register.js';
