export * from './describe-with-server.js';
export * from './fresh-bucket.js';
export * from './fresh-bucket-and-database.js';
export * from './fresh-postgres-database.js';
export * from './s3-test-target.js';
