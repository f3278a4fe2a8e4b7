import type { Cdn } from '@stowage/core';
import { type DependencyContainer, Lifecycle as Scope } from 'tsyringe';
import { AccessUrls, type AccessUrlsConfig } from './access/access-urls.js';
import { Assets, type AssetsConfig } from './assets/assets.js';
import { ApiKeys, type ApiKeysConfig } from './auth/api-keys.js';
import { JsonDocuments } from './documents/json-documents.js';
import { BucketIndexer } from './indexer/bucket-indexer.js';
import { KeyGenerator, type KeyGeneratorConfig } from './keys/key-generator.js';
import { type BucketAdminRef, Lifecycle } from './lifecycle/lifecycle.js';
import { ObjectStorage, type ObjectStorageConfig } from './storage/object-storage.js';
import { SERVICE_TOKENS } from './tokens.js';
import { Uploads, type UploadsConfig } from './uploads/uploads.js';

export interface ServicesConfig {
  storage?: ObjectStorageConfig;
  keys?: KeyGeneratorConfig;
  assets?: AssetsConfig;
  uploads?: UploadsConfig;
  accessUrls?: AccessUrlsConfig;
  /** The CDN reads go through first and asset URLs point at; none by default. */
  cdn?: Cdn | null;
  /** Bucket administration for native lifecycle rules; none by default (the sweeper runs then). */
  bucketAdmin?: BucketAdminRef;
  /** The fetch assets use for remote URLs; default the global fetch. */
  fetch?: typeof globalThis.fetch;
  /** Without it, `ApiKeys` cannot be resolved (there is no secret to derive keys from). */
  apiKeys?: ApiKeysConfig;
}

/**
 * Registers the domain services (singletons) and their settings. The ports they need —
 * `TOKENS.ObjectStore`, `MetadataRepository`, `AuditLog`, `JobStateStore`, `Clock`,
 * `Logger` — come from the adapters' own `register…` functions (the runtime does all of it).
 */
export function registerServices(container: DependencyContainer, config: ServicesConfig = {}): void {
  container.register(SERVICE_TOKENS.ObjectStorageConfig, { useValue: config.storage ?? {} });
  container.register(SERVICE_TOKENS.KeyGeneratorConfig, { useValue: config.keys ?? {} });
  container.register(SERVICE_TOKENS.AssetsConfig, { useValue: config.assets ?? {} });
  container.register(SERVICE_TOKENS.UploadsConfig, { useValue: config.uploads ?? {} });
  container.register(SERVICE_TOKENS.AccessUrlsConfig, { useValue: config.accessUrls ?? {} });
  container.register(SERVICE_TOKENS.CdnRef, { useValue: { cdn: config.cdn ?? null } });
  container.register(SERVICE_TOKENS.BucketAdminRef, {
    useValue: config.bucketAdmin ?? { admin: null, bucket: '' },
  });
  container.register(SERVICE_TOKENS.Fetch, {
    useValue:
      config.fetch ??
      ((input: Parameters<typeof fetch>[0], init?: RequestInit) => globalThis.fetch(input, init)),
  });
  if (config.apiKeys !== undefined) {
    container.register(SERVICE_TOKENS.ApiKeysConfig, { useValue: config.apiKeys });
    container.register(SERVICE_TOKENS.ApiKeys, { useClass: ApiKeys }, { lifecycle: Scope.Singleton });
  }
  const singletons: Array<[symbol, new (...args: never[]) => unknown]> = [
    [SERVICE_TOKENS.ObjectStorage, ObjectStorage],
    [SERVICE_TOKENS.KeyGenerator, KeyGenerator],
    [SERVICE_TOKENS.JsonDocuments, JsonDocuments],
    [SERVICE_TOKENS.Assets, Assets],
    [SERVICE_TOKENS.Uploads, Uploads],
    [SERVICE_TOKENS.AccessUrls, AccessUrls],
    [SERVICE_TOKENS.BucketIndexer, BucketIndexer],
    [SERVICE_TOKENS.Lifecycle, Lifecycle],
  ];
  for (const [token, cls] of singletons) {
    container.register(token, { useClass: cls as never }, { lifecycle: Scope.Singleton });
  }
}
