import { resolve } from 'node:path';
import { inspect } from 'node:util';
import { isStorageError, type StorageError } from '@stowage/core';
import { Secret } from '@stowage/kit';
import { describe, expect, it } from 'vitest';
import { LocalCdn } from './local-cdn.js';
import { type LocalStoreConfig, parseLocalStoreConfig } from './local-config.js';
import { LocalObjectStore } from './local-object-store.js';
import { createLocalRequestHandler, createLocalServer, listenLocalServer } from './local-server.js';

const SECRET = 'config-test-secret-0123456789abcdef';

function configError(make: () => unknown): StorageError {
  try {
    make();
  } catch (error) {
    expect(isStorageError(error, 'ConfigInvalid'), String(error)).toBe(true);
    return error as StorageError;
  }
  throw new Error('expected ConfigInvalid');
}

const storeError = (config: unknown) =>
  configError(() => new LocalObjectStore(config as LocalStoreConfig)).message;

describe('LocalStoreConfig', () => {
  it('names every bad setting in the one message format, unknown ones included', () => {
    expect(storeError(undefined)).toBe(
      'Invalid local configuration: root: must be a directory path (string)',
    );
    expect(storeError('/x')).toContain('Invalid local configuration: (the configuration): must be an object');
    expect(storeError({ root: '' })).toContain('root: must not be empty');
    expect(storeError({ root: '/x\0y' })).toContain('root: must not contain NUL');
    expect(storeError({ root: '/x', fsync: 'yes' })).toContain('fsync: must be true or false');
    expect(storeError({ root: '/x', clock: {} })).toContain('clock: must be an object with a now() method');
    expect(storeError({ root: '/x', publicBaseUrl: 'not a url' })).toContain(
      'publicBaseUrl: must be an absolute',
    );
    expect(storeError({ root: '/x', signing: { secret: 'short', baseUrl: 'http://127.0.0.1/' } })).toContain(
      'signing.secret: must be at least 16 characters',
    );
    expect(storeError({ root: '/x', signing: { secret: SECRET, baseUrl: 'ftp://h/' } })).toContain(
      'signing.baseUrl: must be an absolute',
    );
    expect(storeError({ root: '/x', signing: { secret: SECRET, baseUrl: 'http://h/', ttl: 1 } })).toContain(
      'signing: unknown setting "ttl"',
    );
    expect(storeError({ root: '/x', rooot: '/y' })).toContain('unknown setting "rooot"');
    // Several problems at once are all named.
    const both = storeError({ root: '', fsync: 1 });
    expect(both).toContain('root: must not be empty');
    expect(both).toContain('fsync: must be true or false');
  });

  it('never echoes the secret, even when it is what is wrong', () => {
    const error = configError(
      () => new LocalObjectStore({ root: '/x', signing: { secret: 'tooShort15chars', baseUrl: 'nope' } }),
    );
    expect(error.message).not.toContain('tooShort15chars');
    expect(inspect(error, { depth: 8 })).not.toContain('tooShort15chars');
  });

  it('resolves the root, defaults fsync on, normalises URLs and holds the secret as a Secret', () => {
    const parsed = parseLocalStoreConfig({
      root: 'relative/dir',
      publicBaseUrl: 'http://127.0.0.1:8787',
      signing: { secret: SECRET, baseUrl: 'http://127.0.0.1:8787/files' },
    });
    expect(parsed.root).toBe(resolve(process.cwd(), 'relative/dir'));
    expect(parsed.fsync).toBe(true);
    expect(parsed.publicBaseUrl).toBe('http://127.0.0.1:8787/');
    expect(parsed.signing?.baseUrl).toBe('http://127.0.0.1:8787/files/');
    expect(parsed.signing?.secret).toBeInstanceOf(Secret);
    expect(parsed.signing?.secret.reveal()).toBe(SECRET);
    expect(JSON.stringify(parsed)).not.toContain(SECRET);
  });

  it('takes the secret as a Secret too, and the store never shows it', async () => {
    for (const secret of [SECRET, new Secret(SECRET)]) {
      const store = new LocalObjectStore({
        root: '/tmp/x',
        signing: { secret, baseUrl: 'http://127.0.0.1:1/' },
      });
      for (const text of [
        inspect(store, { depth: 10, showHidden: true }),
        JSON.stringify(store),
        String(store),
        `${store.urlSigner}`,
        inspect(store.urlSigner, { showHidden: true }),
      ]) {
        expect(text).not.toContain(SECRET);
      }
      const url = await store.presignGet('a.txt', { expiresIn: 60 });
      expect(url).not.toContain(SECRET);
    }
  });
});

describe('LocalCdnConfig', () => {
  it('refuses a bad or missing base URL and unknown settings', () => {
    expect(configError(() => new LocalCdn({ baseUrl: 'ftp://x' })).message).toContain(
      'Invalid local-cdn configuration: baseUrl: must be an absolute',
    );
    expect(configError(() => new LocalCdn(undefined as never)).message).toContain('baseUrl:');
    expect(
      configError(() => new LocalCdn({ baseUrl: 'http://127.0.0.1/', bseUrl: 'x' } as never)).message,
    ).toContain('unknown setting "bseUrl"');
    expect(new LocalCdn({ baseUrl: 'http://127.0.0.1:1/a' }).baseUrl).toBe('http://127.0.0.1:1/a/');
  });
});

describe('local server configuration', () => {
  const store = new LocalObjectStore({ root: '/tmp/never-used' });

  it('names bad settings and unknown ones (a misspelt limit is not silently ignored)', async () => {
    expect(configError(() => createLocalRequestHandler({} as never)).message).toContain(
      'Invalid local-server configuration: store: must be a LocalObjectStore',
    );
    expect(configError(() => createLocalServer({ store, idleTimeout: 5 } as never)).message).toContain(
      'unknown setting "idleTimeout"',
    );
    expect(configError(() => createLocalServer({ store, maxConnections: 0 })).message).toContain(
      'maxConnections: must be a positive integer',
    );
    expect(configError(() => createLocalServer({ store, idleTimeoutMs: -1 })).message).toContain(
      'idleTimeoutMs: must be a whole number of milliseconds',
    );
    // Where to listen belongs to listenLocalServer only.
    expect(configError(() => createLocalServer({ store, port: 1 } as never)).message).toContain(
      'unknown setting "port"',
    );
    await expect(listenLocalServer({ store, port: 70_000 })).rejects.toThrow(
      'port: must be a port from 0 to 65535',
    );
  });

  it('applies the limits, with sane defaults', () => {
    const defaults = createLocalServer({ store });
    expect(defaults.timeout).toBe(30_000);
    expect(defaults.headersTimeout).toBe(10_000);
    expect(defaults.maxConnections).toBe(256);
    const tight = createLocalServer({ store, idleTimeoutMs: 500, headersTimeoutMs: 800, maxConnections: 3 });
    expect(tight.timeout).toBe(500);
    expect(tight.headersTimeout).toBe(800);
    expect(tight.maxConnections).toBe(3);
  });
});
