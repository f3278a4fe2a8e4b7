import { isStorageError, type StorageError, TOKENS } from '@stowage/core';
import { ManualClock } from '@stowage/memory';
import { describe, expect, it } from 'vitest';
import { registerSpaces } from './register-spaces.js';
import { SpacesCdn } from './spaces-cdn.js';
import {
  createSpacesObjectStore,
  SpacesObjectStore,
  type SpacesObjectStoreConfig,
} from './spaces-object-store.js';

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
    [{ region: '' }, '"region"'],
    [{ region: 'NYC3' }, '"region"'],
    [{ bucket: 'Has_Upper' }, '"bucket"'],
    [{ bucket: 'dotted.name' }, '"bucket"'],
    [{ key: '' }, '"key"'],
    [{ secret: '' }, '"secret"'],
    [{ endpoint: 'nyc3.digitaloceanspaces.com' }, '"endpoint"'],
    [{ cdn: { customDomain: 'https://cdn.example.com' } }, '"cdn.customDomain"'],
    [{ cdn: { token: '' } }, '"cdn.token"'],
    [{ cdn: { bucket: 'x' } }, '"cdn"'],
    [{ accessKeyId: 'x' }, 'accessKeyId'],
  ] as Array<[Partial<SpacesObjectStoreConfig>, string]>)(
    'refuses %j with ConfigInvalid naming %s',
    (patch, setting) => {
      const error = thrown(() => createSpacesObjectStore({ ...BASE, ...patch } as SpacesObjectStoreConfig));
      expect(error.kind).toBe('ConfigInvalid');
      expect(error.backend).toBe('spaces');
      expect(error.message).toContain(setting);
    },
  );

  it('refuses missing settings, naming each', () => {
    const error = thrown(() => createSpacesObjectStore({} as SpacesObjectStoreConfig));
    expect(error.kind).toBe('ConfigInvalid');
    for (const setting of ['region', 'bucket', 'key', 'secret']) expect(error.message).toContain(setting);
  });

  it('lets the S3 adapter refuse bad tuning with ConfigInvalid', () => {
    const error = thrown(() => createSpacesObjectStore({ ...BASE, partSize: 1 }));
    expect(error.kind).toBe('ConfigInvalid');
    expect(error.message).toContain('partSize');
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
