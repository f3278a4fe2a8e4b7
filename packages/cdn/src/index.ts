export * from './base-url-cdn.js';
export * from './register.js';
