export * from './client.js';
export * from './config.js';
export * from './error-map.js';
export * from './object-metadata.js';
export * from './profiles.js';
export * from './s3-bucket-admin.js';
export * from './s3-object-store.js';
export * from './urls.js';
