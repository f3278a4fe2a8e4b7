/**
 * Injection tokens of the domain services and their settings. `Symbol.for` keeps them equal
 * across duplicate package copies. The ports' tokens are core's `TOKENS`.
 */
export const SERVICE_TOKENS = {
  ObjectStorage: Symbol.for('stowage.services.ObjectStorage'),
  ObjectStorageConfig: Symbol.for('stowage.services.ObjectStorageConfig'),
  JsonDocuments: Symbol.for('stowage.services.JsonDocuments'),
  Assets: Symbol.for('stowage.services.Assets'),
  AssetsConfig: Symbol.for('stowage.services.AssetsConfig'),
  Uploads: Symbol.for('stowage.services.Uploads'),
  UploadsConfig: Symbol.for('stowage.services.UploadsConfig'),
  AccessUrls: Symbol.for('stowage.services.AccessUrls'),
  AccessUrlsConfig: Symbol.for('stowage.services.AccessUrlsConfig'),
  BucketIndexer: Symbol.for('stowage.services.BucketIndexer'),
  KeyGenerator: Symbol.for('stowage.services.KeyGenerator'),
  KeyGeneratorConfig: Symbol.for('stowage.services.KeyGeneratorConfig'),
  Lifecycle: Symbol.for('stowage.services.Lifecycle'),
  Fetch: Symbol.for('stowage.services.Fetch'),
  /** The CDN buffered reads go through first, or null for none. */
  Cdn: Symbol.for('stowage.services.Cdn'),
} as const;
