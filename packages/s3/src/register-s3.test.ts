import 'reflect-metadata';
import { isStorageError, TOKENS } from '@stowage/core';
import { container as root } from 'tsyringe';
import { describe, expect, it } from 'vitest';
import { registerS3 } from './register-s3.js';
import { S3BucketAdmin } from './s3-bucket-admin.js';
import { S3ObjectStore } from './s3-object-store.js';

const config = {
  provider: 'seaweedfs' as const,
  endpoint: 'http://127.0.0.1:1',
  region: 'us-east-1',
  bucket: 'registered',
  credentials: { accessKeyId: 'a', secretAccessKey: 'b' },
};

describe('registerS3', () => {
  it('registers the store and the bucket admin of one connection in a real tsyringe container', () => {
    const container = root.createChildContainer();
    const { store, admin } = registerS3(container, config);
    try {
      expect(container.resolve(TOKENS.ObjectStore)).toBe(store);
      expect(container.resolve(TOKENS.BucketAdmin)).toBe(admin);
      expect(store).toBeInstanceOf(S3ObjectStore);
      expect(admin).toBeInstanceOf(S3BucketAdmin);
      expect(store.name).toBe('seaweedfs');
    } finally {
      store.destroy();
      admin.destroy();
    }
  });

  it('registers nothing for a bad setting and names it', () => {
    const container = root.createChildContainer();
    let caught: unknown;
    try {
      registerS3(container, { ...config, endpoint: 'not a url' });
    } catch (error) {
      caught = error;
    }
    expect(isStorageError(caught, 'ConfigInvalid')).toBe(true);
    expect(String((caught as Error).message)).toMatch(/endpoint/);
    expect(container.isRegistered(TOKENS.ObjectStore)).toBe(false);
  });
});
