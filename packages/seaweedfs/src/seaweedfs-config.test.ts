import { inspect } from 'node:util';
import { isStorageError, type StorageError } from '@stowage/core';
import { describe, expect, it } from 'vitest';
import { parseSeaweedFsStoreConfig, type SeaweedFsStoreConfig } from './seaweedfs-config.js';
import { SeaweedFsObjectStore } from './seaweedfs-object-store.js';

function configError(input: unknown): StorageError {
  try {
    parseSeaweedFsStoreConfig(input as SeaweedFsStoreConfig);
  } catch (error) {
    if (isStorageError(error, 'ConfigInvalid')) return error;
    throw error;
  }
  throw new Error('expected ConfigInvalid');
}

const SECRET = 'seaweed-secret-key-value-0123456789';

describe('SeaweedFsObjectStore configuration', () => {
  it('is the S3 configuration with the seaweedfs provider, plus the filer', () => {
    const { s3, filer } = parseSeaweedFsStoreConfig({
      bucket: 'media',
      endpoint: 'http://127.0.0.1:8333',
      filerEndpoint: 'http://127.0.0.1:8888',
      bucketsPath: '/buckets/',
    });
    expect(s3.provider).toBe('seaweedfs');
    expect(filer).toEqual({ endpoint: 'http://127.0.0.1:8888/', bucketsPath: '/buckets' });
    const store = new SeaweedFsObjectStore({ bucket: 'media', endpoint: 'http://127.0.0.1:8333' });
    store.destroy();
    expect(store.name).toBe('seaweedfs');
    expect(store.profile.listOrder).toBe('tree');
    expect(store.capabilities.visibility).toBe(false);
  });

  it.each([
    [{ bucket: 'Bad_Bucket' }, 'bucket: must be lower-case letters'],
    [{ bucket: 'media', filerEndpoint: 'ftp://x' }, 'filerEndpoint: must be an absolute http(s) URL'],
    [{ bucket: 'media', bucketsPath: 'buckets' }, 'bucketsPath: must be an absolute filer path'],
    [{ bucket: 'media', provider: 'aws' }, 'unknown setting "provider"'],
    [{ bucket: 'media', partSize: 1 }, 'partSize: must be an integer from'],
    [{ bucket: 'media', filer: 'x' }, 'unknown setting "filer"'],
  ])('%j is ConfigInvalid: "%s"', (input, message) => {
    const error = configError(input);
    expect(error.message).toMatch(/^Invalid seaweedfs configuration: /);
    expect(error.message).toContain(message);
    expect(error.backend).toBe('seaweedfs');
  });

  it('holds the secret key as a Secret: the store never prints it', () => {
    const store = new SeaweedFsObjectStore({
      bucket: 'media',
      endpoint: 'http://127.0.0.1:8333',
      credentials: { accessKeyId: 'weed-access-key-id', secretAccessKey: SECRET },
    });
    try {
      for (const text of [inspect(store, { depth: 10, showHidden: true }), String(store)]) {
        expect(text).not.toContain(SECRET);
        expect(text).not.toContain('weed-access-key-id');
      }
    } finally {
      store.destroy();
    }
  });
});
