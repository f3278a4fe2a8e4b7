export * from './digitalocean-cdn-api.js';
export * from './register-spaces.js';
export * from './spaces-cdn.js';
export * from './spaces-config.js';
export * from './spaces-names.js';
export * from './spaces-object-store.js';
