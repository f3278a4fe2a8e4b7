export * from './seaweedfs-object-store.js';
