import { inspect } from 'node:util';
import { S3Client } from '@aws-sdk/client-s3';
import { isStorageError, type StorageError } from '@stowage/core';
import { isSecret, Secret } from '@stowage/kit';
import { describe, expect, it, vi } from 'vitest';
import { S3_PROFILES } from './profiles.js';
import { S3BucketAdmin } from './s3-bucket-admin.js';
import { parseS3ConnectionConfig, parseS3StoreConfig, S3_DEFAULTS, type S3StoreConfig } from './s3-config.js';
import { S3ObjectStore } from './s3-object-store.js';

function configError(input: unknown): StorageError {
  try {
    parseS3StoreConfig(input as S3StoreConfig);
  } catch (error) {
    if (isStorageError(error, 'ConfigInvalid')) return error;
    throw error;
  }
  throw new Error('expected ConfigInvalid');
}

const SECRET = 'wJalrXUtnFEMI-K7MDENG-bPxRfiCYEXAMPLEKEY';
const TOKEN = 'FwoGZXIvYXdzEXAMPLE-session-token-value';
const ACCESS_KEY_ID = 'AKIAIOSFODNN7EXAMPLE';

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

  it('the socket idle timeout is finite by default, so a forgotten body frees its socket', () => {
    const c = parseS3StoreConfig({ bucket: 'my-bucket' });
    expect(c.requestTimeout).toBe(S3_DEFAULTS.requestTimeout);
    expect(c.requestTimeout).toBeGreaterThan(0);
    expect(Number.isFinite(c.requestTimeout)).toBe(true);
    expect(parseS3StoreConfig({ bucket: 'my-bucket', requestTimeout: 0 }).requestTimeout).toBe(0);
  });

  it('the store name defaults to the provider (s3 for aws); config errors name the component', () => {
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
      expect.objectContaining({ kind: 'ConfigInvalid', backend: 's3', operation: 'configure' }),
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
    [{ bucket: 'Bad_Bucket' }, 'bucket: must be lower-case letters'],
    [{ bucket: 'ok-bucket', partSize: 1024 }, 'partSize: must be an integer from'],
    [{ bucket: 'ok-bucket', multipartThreshold: 100 }, 'multipartThreshold: must be an integer of at least'],
    [{ bucket: 'ok-bucket', queueSize: 0 }, 'queueSize: must be an integer from 1 to 64'],
    [{ bucket: 'ok-bucket', maxSockets: 0 }, 'maxSockets: must be an integer from 1 to 4096'],
    [{ bucket: 'ok-bucket', requestTimeout: -1 }, 'requestTimeout: must be milliseconds'],
    [{ bucket: 'ok-bucket', endpoint: 'ftp://x' }, 'endpoint: must be an absolute http(s) URL'],
    [
      { bucket: 'ok-bucket', provider: 'minio' },
      'provider: must be "aws", "spaces", "seaweedfs", "r2" or "generic"',
    ],
    [
      { bucket: 'ok-bucket', provider: 'r2' },
      'endpoint: is required by the r2 profile: https://<ACCOUNT_ID>.r2.cloudflarestorage.com',
    ],
    [{ bucket: 'ok-bucket', credentials: { accessKeyId: '' } }, 'credentials.accessKeyId: must not be empty'],
    [
      { bucket: 'ok-bucket', credentials: { accessKeyId: 'a', secretAccessKey: 's', x: 1 } },
      'credentials: unknown setting "x"',
    ],
    [{ bucket: 'ok-bucket', requestChecksumCalculation: 'ALWAYS' }, 'requestChecksumCalculation: must be'],
    [{ bucket: 'ok-bucket', clock: { now: 5 } }, 'clock: must be an object with a now() method'],
    [{ bucket: 'ok-bucket', overrides: { acl: 'yes' } }, 'overrides.acl: must be true or false'],
    [{ bucket: 'ok-bucket', overrides: { provider: 'aws' } }, 'overrides: unknown setting "provider"'],
    [{ bucket: 'ok-bucket', bogus: 1 }, 'unknown setting "bogus"'],
    [{ bucket: 'ok-bucket', client: {} }, 'client: must be an S3Client'],
    [{}, 'bucket: '],
  ])('%j is ConfigInvalid: "%s"', (input, message) => {
    const error = configError(input);
    expect(error.message).toMatch(/^Invalid s3 configuration: /);
    expect(error.message).toContain(message);
    expect(error.operation).toBe('configure');
  });

  it('a non-object is ConfigInvalid', () => {
    expect(() => parseS3ConnectionConfig(null as never)).toThrow(
      expect.objectContaining({ kind: 'ConfigInvalid' }),
    );
  });

  it('credentials are held as Secrets: the config, the store and its client never print them', () => {
    const config: S3StoreConfig = {
      provider: 'seaweedfs',
      bucket: 'b-1',
      endpoint: 'http://127.0.0.1:1',
      credentials: { accessKeyId: ACCESS_KEY_ID, secretAccessKey: SECRET, sessionToken: TOKEN },
    };
    const parsed = parseS3StoreConfig(config);
    expect(isSecret(parsed.credentials?.secretAccessKey)).toBe(true);
    expect(isSecret(parsed.credentials?.sessionToken)).toBe(true);
    expect(parsed.credentials?.secretAccessKey.reveal()).toBe(SECRET);
    const store = new S3ObjectStore(config);
    const { bucket: _bucket, ...connection } = config;
    const admin = new S3BucketAdmin(connection);
    try {
      for (const value of [parsed, store, store.config, admin, admin.config]) {
        for (const text of [
          inspect(value, { depth: 10, showHidden: true, getters: false }),
          JSON.stringify(value, (_k, v) => (v instanceof S3Client ? '[S3Client]' : v)),
          String(value),
        ]) {
          expect(text).not.toContain(SECRET);
          expect(text).not.toContain(TOKEN);
          expect(text).not.toContain(ACCESS_KEY_ID);
        }
      }
    } finally {
      store.destroy();
      admin.destroy();
    }
  });

  it('credentials may be given as Secrets too', () => {
    const c = parseS3StoreConfig({
      bucket: 'b-1',
      credentials: { accessKeyId: new Secret('id'), secretAccessKey: new Secret('s3cr3t') },
    });
    expect(c.credentials?.secretAccessKey.reveal()).toBe('s3cr3t');
  });

  it("a caller's own S3Client is used as is and left open by destroy()", () => {
    const client = new S3Client({
      region: 'eu-west-1',
      endpoint: 'http://127.0.0.1:1',
      forcePathStyle: true,
    });
    const destroy = vi.spyOn(client, 'destroy');
    const store = new S3ObjectStore({ bucket: 'b-1', client, region: 'eu-west-1', forcePathStyle: true });
    const admin = new S3BucketAdmin({ client });
    expect(store.client).toBe(client);
    expect(admin.client).toBe(client);
    store.destroy();
    admin.destroy();
    expect(destroy).not.toHaveBeenCalled();
    client.destroy();
  });

  it("settings that build a client are refused beside a caller's client, each named", () => {
    const client = new S3Client({ region: 'us-east-1' });
    try {
      const error = configError({
        bucket: 'b-1',
        client,
        credentials: { accessKeyId: 'a', secretAccessKey: 'b' },
        maxSockets: 8,
      });
      expect(error.message).toContain('credentials: cannot be combined with client');
      expect(error.message).toContain('maxSockets: cannot be combined with client');
    } finally {
      client.destroy();
    }
  });
});
