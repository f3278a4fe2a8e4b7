export * from './seaweed-ttl.js';
export * from './seaweedfs-config.js';
export * from './seaweedfs-object-store.js';
