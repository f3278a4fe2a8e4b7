import { isStorageError, StorageError } from '@stowage/core';
import { describe, expect, it } from 'vitest';
import { parseS3ConnectionConfig, parseS3StoreConfig } from './config.js';
import { S3_PROFILES } from './profiles.js';

function configError(input: unknown): StorageError {
  try {
    parseS3StoreConfig(input);
  } catch (error) {
    if (isStorageError(error, 'ConfigInvalid')) return error;
    throw error;
  }
  throw new Error('expected ConfigInvalid');
}

describe('S3 configuration', () => {
  it('applies the provider profile: seaweedfs is path-style and only sends required checksums', () => {
    const c = parseS3StoreConfig({ provider: 'seaweedfs', bucket: 'b-1', endpoint: 'http://127.0.0.1:8333' });
    expect(c.forcePathStyle).toBe(true);
    expect(c.requestChecksumCalculation).toBe('WHEN_REQUIRED');
    expect(c.responseChecksumValidation).toBe('WHEN_REQUIRED');
    expect(c.profileData.acl).toBe(false);
    expect(c.maxSockets).toBeGreaterThanOrEqual(64);
  });

  it('aws keeps the SDK checksum default and virtual-hosted addressing', () => {
    const c = parseS3StoreConfig({ bucket: 'my-bucket' });
    expect(c.profileData.provider).toBe('aws');
    expect(c.forcePathStyle).toBe(false);
    expect(c.requestChecksumCalculation).toBe('WHEN_SUPPORTED');
    expect(c.region).toBe('us-east-1');
    expect(c.endpoint).toBeUndefined();
  });

  it('the store name defaults to the provider (s3 for aws) and names the backend in config errors', async () => {
    const { S3ObjectStore } = await import('./s3-object-store.js');
    const names = (['aws', 'spaces', 'seaweedfs', 'generic'] as const).map((provider) => {
      const store = new S3ObjectStore({ provider, bucket: 'b-1', endpoint: 'http://127.0.0.1:1' });
      store.destroy();
      return store.name;
    });
    expect(names).toEqual(['s3', 'spaces', 'seaweedfs', 'generic']);
    const named = new S3ObjectStore({ provider: 'seaweedfs', name: 'media', bucket: 'b-1' });
    named.destroy();
    expect(named.name).toBe('media');
    expect(() => new S3ObjectStore({ provider: 'seaweedfs', bucket: 'B' })).toThrow(
      expect.objectContaining({ kind: 'ConfigInvalid', backend: 'seaweedfs' }),
    );
  });

  it('spaces derives its endpoint from the region', () => {
    const c = parseS3StoreConfig({ provider: 'spaces', region: 'fra1', bucket: 'assets' });
    expect(c.endpoint).toBe('https://fra1.digitaloceanspaces.com');
    expect(c.profileData.acl).toBe(true);
  });

  it('explicit settings beat the profile', () => {
    const c = parseS3StoreConfig({
      provider: 'seaweedfs',
      bucket: 'b-1',
      forcePathStyle: false,
      requestChecksumCalculation: 'WHEN_SUPPORTED',
      overrides: { acl: true },
    });
    expect(c.forcePathStyle).toBe(false);
    expect(c.requestChecksumCalculation).toBe('WHEN_SUPPORTED');
    expect(c.profileData.acl).toBe(true);
    expect(S3_PROFILES.seaweedfs.acl).toBe(false);
  });

  it.each([
    [{ bucket: 'Bad_Bucket' }, 'bucket'],
    [{ bucket: 'ok-bucket', partSize: 1024 }, 'partSize'],
    [{ bucket: 'ok-bucket', multipartThreshold: 100 }, 'multipartThreshold'],
    [{ bucket: 'ok-bucket', queueSize: 0 }, 'queueSize'],
    [{ bucket: 'ok-bucket', maxSockets: 0 }, 'maxSockets'],
    [{ bucket: 'ok-bucket', endpoint: 'ftp://x' }, 'endpoint'],
    [{ bucket: 'ok-bucket', provider: 'minio' }, 'provider'],
    [{ bucket: 'ok-bucket', credentials: { accessKeyId: '' } }, 'credentials'],
    [{ bucket: 'ok-bucket', requestChecksumCalculation: 'ALWAYS' }, 'requestChecksumCalculation'],
    [{ bucket: 'ok-bucket', clock: { now: 5 } }, 'clock'],
    [{ bucket: 'ok-bucket', overrides: { acl: 'yes' } }, 'overrides.acl'],
    [{ bucket: 'ok-bucket', bogus: 1 }, 'bogus'],
    [{}, 'bucket'],
  ])('%j is ConfigInvalid naming %s', (input, setting) => {
    const error = configError(input);
    expect(error.message).toContain(setting);
    expect(error.operation).toBe('configure');
  });

  it('a non-object is ConfigInvalid', () => {
    expect(() => parseS3ConnectionConfig(null)).toThrow(StorageError);
  });
});
