import { inspect } from 'node:util';
import { isStorageError, type StorageError, TOKENS } from '@stowage/core';
import { ManualClock } from '@stowage/memory';
import { describe, expect, it } from 'vitest';
import { registerSpaces } from './register-spaces.js';
import { SpacesCdn } from './spaces-cdn.js';
import type { SpacesObjectStoreConfig } from './spaces-config.js';
import { createSpacesObjectStore, SpacesObjectStore } from './spaces-object-store.js';

/** JSON.stringify of a store: the SDK client is circular, and not ours to judge. */
const skipClient = (key: string, value: unknown) => (key === 'client' ? '[S3Client]' : value);

const BASE: SpacesObjectStoreConfig = {
  region: 'nyc3',
  bucket: 'static-images',
  key: 'DO00EXAMPLEKEY',
  secret: 'example-secret',
};

function thrown(fn: () => unknown): StorageError {
  try {
    fn();
  } catch (error) {
    if (isStorageError(error)) return error;
    throw error;
  }
  throw new Error('expected a StorageError, got success');
}

describe('SpacesObjectStore configuration', () => {
  it.each([
    [{ region: '' }, 'region: must be a DigitalOcean region slug'],
    [{ region: 'NYC3' }, 'region: must be a DigitalOcean region slug'],
    [{ bucket: 'Has_Upper' }, 'bucket: must be 3 to 63 lower-case letters'],
    [{ bucket: 'dotted.name' }, 'bucket: must be 3 to 63 lower-case letters'],
    [{ key: '' }, 'key: must not be empty'],
    [{ secret: '' }, 'secret: must not be empty'],
    [{ endpoint: 'nyc3.digitaloceanspaces.com' }, 'endpoint: must be an absolute http(s) URL'],
    [{ cdn: { customDomain: 'https://cdn.example.com' } }, 'cdn.customDomain: must be a host name'],
    [{ cdn: { token: '' } }, 'cdn.token: must not be empty'],
    [{ cdn: { bucket: 'x' } }, 'cdn: unknown setting "bucket"'],
    [{ accessKeyId: 'x' }, 'unknown setting "accessKeyId"'],
    [{ partSize: 1 }, 'partSize: must be an integer from'],
    [{ requestTimeout: -5 }, 'requestTimeout: must be milliseconds'],
    [{ overrides: { acl: 'yes' } }, 'overrides.acl: must be true or false'],
  ] as Array<[Partial<SpacesObjectStoreConfig>, string]>)(
    'refuses %j: "Invalid spaces configuration: %s…"',
    (patch, problem) => {
      const error = thrown(() => createSpacesObjectStore({ ...BASE, ...patch } as SpacesObjectStoreConfig));
      expect(error.kind).toBe('ConfigInvalid');
      expect(error.backend).toBe('spaces');
      expect(error.message).toMatch(/^Invalid spaces configuration: /);
      expect(error.message).toContain(problem);
    },
  );

  it('refuses missing settings, naming each', () => {
    const error = thrown(() => createSpacesObjectStore({} as SpacesObjectStoreConfig));
    expect(error.kind).toBe('ConfigInvalid');
    for (const setting of ['region', 'bucket', 'key', 'secret']) expect(error.message).toContain(setting);
  });

  it('never prints the key, the secret or the CDN token (store, config, CDN, errors)', async () => {
    const store = createSpacesObjectStore({
      ...BASE,
      key: 'DO00SECRETKEYID',
      secret: 'spaces-secret-value-123',
      cdn: { token: 'dop_v1_cdn-token-value' },
    });
    try {
      const error = await store.cdn!.purge({ keys: ['/bad'] }).catch((e: unknown) => e);
      for (const value of [store, store.config, store.cdn, error]) {
        for (const text of [
          inspect(value, { depth: 10, showHidden: true }),
          JSON.stringify(value, skipClient),
          String(value),
        ]) {
          for (const secret of ['DO00SECRETKEYID', 'spaces-secret-value-123', 'dop_v1_cdn-token-value']) {
            expect(text).not.toContain(secret);
          }
        }
      }
    } finally {
      store.destroy();
    }
  });

  it('uses the Spaces profile: regional endpoint, virtual-hosted, name "spaces"', () => {
    const store = createSpacesObjectStore(BASE);
    try {
      expect(store).toBeInstanceOf(SpacesObjectStore);
      expect(store.name).toBe('spaces');
      expect(store.config.endpoint).toBe('https://nyc3.digitaloceanspaces.com');
      expect(store.config.forcePathStyle).toBe(false);
      expect(store.config.region).toBe('nyc3');
      expect(store.profile.provider).toBe('spaces');
      expect(store.profile.acl).toBe(true);
      expect(store.capabilities.visibility).toBe(true);
      expect(store.cdn).toBeUndefined();
    } finally {
      store.destroy();
    }
  });

  it('gives origin URLs without a CDN and CDN URLs with one', () => {
    const origin = createSpacesObjectStore(BASE);
    const cdn = createSpacesObjectStore({ ...BASE, cdn: {} });
    const custom = createSpacesObjectStore({
      ...BASE,
      cdn: { customDomain: 'static.example.com', token: 't' },
    });
    try {
      expect(origin.publicUrl('a b/ü.png')).toBe(
        'https://static-images.nyc3.digitaloceanspaces.com/a%20b/%C3%BC.png',
      );
      expect(cdn.publicUrl('a b/ü.png')).toBe(
        'https://static-images.nyc3.cdn.digitaloceanspaces.com/a%20b/%C3%BC.png',
      );
      expect(custom.publicUrl('a b/ü.png')).toBe('https://static.example.com/a%20b/%C3%BC.png');
      expect(cdn.cdn).toBeInstanceOf(SpacesCdn);
      expect(cdn.cdn?.capabilities.purge).toBe(false);
      expect(custom.cdn?.capabilities.purge).toBe(true);
      // The store and its CDN agree on every key.
      for (const key of ['x', 'a b/c+d%e#f?g', 'emoji/😀'])
        expect(custom.publicUrl(key)).toBe(custom.cdn?.publicUrl(key));
    } finally {
      origin.destroy();
      cdn.destroy();
      custom.destroy();
    }
  });

  it('presigns virtual-hosted URLs on the regional endpoint, scoped to the region slug', async () => {
    const clock = new ManualClock(new Date('2025-03-04T05:06:07Z'));
    const store = createSpacesObjectStore({ ...BASE, clock });
    try {
      const url = new URL(await store.presignGet('docs/a b.txt', { expiresIn: 600 }));
      expect(url.host).toBe('static-images.nyc3.digitaloceanspaces.com');
      expect(url.protocol).toBe('https:');
      expect(url.pathname).toBe('/docs/a%20b.txt');
      expect(url.searchParams.get('X-Amz-Credential')).toBe('DO00EXAMPLEKEY/20250304/nyc3/s3/aws4_request');
      expect(url.searchParams.get('X-Amz-Date')).toBe('20250304T050607Z');
      expect(url.searchParams.get('X-Amz-Expires')).toBe('600');
      const put = await store.presignPut('up/x.bin', {
        expiresIn: 60,
        contentType: 'application/octet-stream',
      });
      expect(new URL(put.url).host).toBe('static-images.nyc3.digitaloceanspaces.com');
      expect(put.headers).toEqual({ 'content-type': 'application/octet-stream' });
    } finally {
      store.destroy();
    }
  });
});

describe('registerSpaces', () => {
  class Recorder {
    readonly values = new Map<symbol, unknown>();
    register(token: symbol, provider: { useValue: unknown }): this {
      this.values.set(token, provider.useValue);
      return this;
    }
  }

  it('registers the store, and its CDN when configured', () => {
    const plain = new Recorder();
    const store = registerSpaces(plain, BASE);
    const withCdn = new Recorder();
    const store2 = registerSpaces(withCdn, { ...BASE, cdn: { token: 't' } });
    try {
      expect(plain.values.get(TOKENS.ObjectStore)).toBe(store);
      expect(plain.values.has(TOKENS.Cdn)).toBe(false);
      expect(withCdn.values.get(TOKENS.ObjectStore)).toBe(store2);
      expect(withCdn.values.get(TOKENS.Cdn)).toBe(store2.cdn);
    } finally {
      store.destroy();
      store2.destroy();
    }
  });

  it('registers nothing for an invalid configuration', () => {
    const recorder = new Recorder();
    expect(thrown(() => registerSpaces(recorder, { ...BASE, region: 'x' })).kind).toBe('ConfigInvalid');
    expect(recorder.values.size).toBe(0);
  });
});
