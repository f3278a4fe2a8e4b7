export * from './digitalocean-cdn-api.js';
export * from './spaces-cdn.js';
export * from './spaces-names.js';
