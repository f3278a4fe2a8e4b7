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
  /** `{ admin, bucket }` of the store, or `{ admin: null }` where there is none. */
  BucketAdminRef: Symbol.for('stowage.services.BucketAdminRef'),
  Fetch: Symbol.for('stowage.services.Fetch'),
  /** `{ cdn }`: the CDN buffered reads go through first (null for none). */
  CdnRef: Symbol.for('stowage.services.CdnRef'),
  ApiKeys: Symbol.for('stowage.services.ApiKeys'),
  ApiKeysConfig: Symbol.for('stowage.services.ApiKeysConfig'),
} as const;
