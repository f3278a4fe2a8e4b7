import { once } from 'node:events';
import { createServer } from 'node:net';
import { inspect } from 'node:util';
import { isStorageError, type StorageError } from '@stowage/core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { FakeDigitalOceanApi } from '../test/fake-digitalocean-api.js';
import { SpacesCdn, type SpacesCdnConfig } from './spaces-cdn.js';

const WEIRD_KEYS = [
  'plain.txt',
  'with space/and+plus.txt',
  'percent%20literal/100%.txt',
  'hash#frag/q?uery=1&b=2',
  "bang!quote'(paren)",
  'unicode/naïve/日本語.txt',
  'emoji/😀/🚀.png',
  'colon:semi;at@dollar$comma,=',
];

async function caught(promise: Promise<unknown>): Promise<StorageError> {
  try {
    await promise;
  } catch (error) {
    if (isStorageError(error)) return error;
    throw error;
  }
  throw new Error('expected a StorageError, got success');
}

function thrown(fn: () => unknown): StorageError {
  try {
    fn();
  } catch (error) {
    if (isStorageError(error)) return error;
    throw error;
  }
  throw new Error('expected a StorageError, got success');
}

describe('SpacesCdn.publicUrl', () => {
  const cdn = new SpacesCdn({ bucket: 'my-assets', region: 'nyc3' });

  it('uses the bucket CDN host by default', () => {
    expect(cdn.publicUrl('img/logo.png')).toBe(
      'https://my-assets.nyc3.cdn.digitaloceanspaces.com/img/logo.png',
    );
  });

  it.each(WEIRD_KEYS)('round-trips %j (decodeURIComponent of each segment)', (key) => {
    const url = new URL(cdn.publicUrl(key));
    expect(url.host).toBe('my-assets.nyc3.cdn.digitaloceanspaces.com');
    expect(url.search).toBe('');
    expect(url.hash).toBe('');
    expect(url.pathname).toMatch(/^[A-Za-z0-9\-._~/%]+$/);
    expect(url.pathname.slice(1).split('/').map(decodeURIComponent).join('/')).toBe(key);
  });

  it('encodes space, +, %, #, ? and non-ASCII exactly', () => {
    expect(cdn.publicUrl('a b+c%d#e?f/é/😀')).toBe(
      'https://my-assets.nyc3.cdn.digitaloceanspaces.com/a%20b%2Bc%25d%23e%3Ff/%C3%A9/%F0%9F%98%80',
    );
  });

  it('uses a custom domain when configured', () => {
    const custom = new SpacesCdn({ bucket: 'my-assets', region: 'ams3', customDomain: 'Static.Example.com' });
    expect(custom.publicUrl('a b/c.png')).toBe('https://static.example.com/a%20b/c.png');
  });

  it('throws InvalidKey for a bad key', () => {
    for (const bad of ['', '/x', 'a//b', 'a/./b', 'x\u0000']) {
      const error = thrown(() => cdn.publicUrl(bad));
      expect(error.kind, bad).toBe('InvalidKey');
    }
  });
});

describe('SpacesCdn config', () => {
  it.each([
    [{ bucket: 'my.assets', region: 'nyc3' }, 'bucket: must be 3 to 63'],
    [{ bucket: 'ab', region: 'nyc3' }, 'bucket: must be 3 to 63'],
    [{ bucket: 'assets', region: 'NYC 3' }, 'region: must be a DigitalOcean region slug'],
    [
      { bucket: 'assets', region: 'nyc3', customDomain: 'https://cdn.example.com' },
      'customDomain: must be a host name',
    ],
    [
      { bucket: 'assets', region: 'nyc3', customDomain: 'cdn.example.com/path' },
      'customDomain: must be a host name',
    ],
    [{ bucket: 'assets', region: 'nyc3', token: '' }, 'token: must not be empty'],
    [{ bucket: 'assets', region: 'nyc3', endpointId: 'a/b' }, 'endpointId: must be a CDN endpoint id'],
    [
      { bucket: 'assets', region: 'nyc3', apiBaseUrl: 'api.digitalocean.com' },
      'apiBaseUrl: must be an absolute http(s) URL',
    ],
    [
      { bucket: 'assets', region: 'nyc3', maxFilesPerRequest: 0 },
      'maxFilesPerRequest: must be an integer from 1 to 1000',
    ],
    [{ bucket: 'assets', region: 'nyc3', tokn: 'x' }, 'unknown setting "tokn"'],
  ] as Array<[SpacesCdnConfig, string]>)(
    'refuses %j: "Invalid spaces-cdn configuration: %s…"',
    (config, problem) => {
      const error = thrown(() => new SpacesCdn(config));
      expect(error.kind).toBe('ConfigInvalid');
      expect(error.message).toMatch(/^Invalid spaces-cdn configuration: /);
      expect(error.message).toContain(problem);
    },
  );

  it('holds the token as a Secret: inspect and JSON of the CDN never show it', () => {
    const cdn = new SpacesCdn({ bucket: 'assets', region: 'nyc3', token: 'dop_v1_very-secret-token' });
    for (const text of [inspect(cdn, { depth: 10, showHidden: true }), JSON.stringify(cdn), String(cdn)]) {
      expect(text).not.toContain('dop_v1_very-secret-token');
    }
  });

  it('declares purge only with a token, and refuses it as Unsupported without one', async () => {
    const without = new SpacesCdn({ bucket: 'assets', region: 'nyc3' });
    expect(without.capabilities).toEqual({ purge: false, purgePrefix: false });
    const error = await caught(without.purge({ keys: ['a'] }));
    expect(error.kind).toBe('Unsupported');
    expect(error.message).toContain('cdn.token');
    const withToken = new SpacesCdn({ bucket: 'assets', region: 'nyc3', token: 't' });
    expect(withToken.capabilities).toEqual({ purge: true, purgePrefix: true });
  });
});

describe('SpacesCdn.purge against a DigitalOcean API stand-in', () => {
  let api: FakeDigitalOceanApi;
  const ENDPOINT_ID = '19f06b6a-3ace-4315-b086-499a0e521b76';

  beforeAll(async () => {
    api = await new FakeDigitalOceanApi().start();
  });
  afterAll(() => api.stop());
  afterEach(() => {
    expect(api.violations).toEqual([]);
    api.requests.length = 0;
    api.purged.clear();
    api.endpoints = [];
    api.usedInWindow = 0;
    api.filesPerWindow = 50;
    api.retryAfterSeconds = 20;
    api.resetWindowOnThrottle = false;
    api.forcedStatuses = [];
    api.gate = undefined;
  });

  function cdn(extra: Partial<SpacesCdnConfig> = {}): SpacesCdn {
    return new SpacesCdn({
      bucket: 'static-images',
      region: 'nyc3',
      token: api.token,
      apiBaseUrl: api.url,
      ...extra,
    });
  }

  it('sends DELETE /v2/cdn/endpoints/{id}/cache with bearer token, JSON content type and {"files": [...]}', async () => {
    api.addEndpoint('static-images', 'nyc3', ENDPOINT_ID);
    await cdn({ endpointId: ENDPOINT_ID }).purge({ keys: ['assets/img/hero.png', 'index.html'] });
    expect(api.requests).toHaveLength(1);
    const req = api.requests[0]!;
    expect(req.method).toBe('DELETE');
    expect(req.url).toBe(`/v2/cdn/endpoints/${ENDPOINT_ID}/cache`);
    expect(req.headers.authorization).toBe(`Bearer ${api.token}`);
    expect(req.headers['content-type']).toBe('application/json');
    expect(JSON.parse(req.body)).toEqual({ files: ['assets/img/hero.png', 'index.html'] });
    expect(api.purged.get(ENDPOINT_ID)).toEqual(['assets/img/hero.png', 'index.html']);
  });

  it('accepts an API base URL given with /v2', async () => {
    api.addEndpoint('static-images', 'nyc3', ENDPOINT_ID);
    await cdn({ endpointId: ENDPOINT_ID, apiBaseUrl: `${api.url}/v2/` }).purge({ all: true });
    expect(api.requests.map((r) => r.url)).toEqual([`/v2/cdn/endpoints/${ENDPOINT_ID}/cache`]);
  });

  it('sends keys as paths, unencoded and de-duplicated', async () => {
    api.addEndpoint('static-images', 'nyc3', ENDPOINT_ID);
    await cdn({ endpointId: ENDPOINT_ID }).purge({ keys: [...WEIRD_KEYS, WEIRD_KEYS[0]!] });
    expect(api.purged.get(ENDPOINT_ID)).toEqual(WEIRD_KEYS);
  });

  it('purges a prefix as "prefix*" and everything as "*"', async () => {
    api.addEndpoint('static-images', 'nyc3', ENDPOINT_ID);
    const c = cdn({ endpointId: ENDPOINT_ID });
    await c.purge({ prefix: 'assets/css/' });
    await c.purge({ all: true });
    await c.purge({ prefix: '' });
    expect(api.requests.map((r) => JSON.parse(r.body))).toEqual([
      { files: ['assets/css/*'] },
      { files: ['*'] },
      { files: ['*'] },
    ]);
  });

  it('sends nothing for an empty key list', async () => {
    await cdn({ endpointId: ENDPOINT_ID }).purge({ keys: [] });
    expect(api.requests).toHaveLength(0);
  });

  it('refuses invalid keys and prefixes before any request', async () => {
    const c = cdn({ endpointId: ENDPOINT_ID });
    expect((await caught(c.purge({ keys: ['ok', 'bad//key'] }))).kind).toBe('InvalidKey');
    expect((await caught(c.purge({ prefix: '/' }))).kind).toBe('InvalidKey');
    expect((await caught(c.purge({ nope: 1 } as never))).kind).toBe('InvalidInput');
    expect((await caught(c.purge({ all: false } as never))).kind).toBe('InvalidInput');
    expect(api.requests).toHaveLength(0);
  });

  it('batches at 50 files per request, in order, each path once', async () => {
    api.addEndpoint('static-images', 'nyc3', ENDPOINT_ID);
    api.filesPerWindow = 1_000;
    const keys = Array.from({ length: 120 }, (_, i) => `batch/${String(i).padStart(3, '0')}.png`);
    await cdn({ endpointId: ENDPOINT_ID }).purge({ keys });
    expect(api.requests.map((r) => (JSON.parse(r.body) as { files: string[] }).files.length)).toEqual([
      50, 50, 20,
    ]);
    expect(api.purged.get(ENDPOINT_ID)).toEqual(keys);
  });

  it('honours a smaller maxFilesPerRequest', async () => {
    api.addEndpoint('static-images', 'nyc3', ENDPOINT_ID);
    await cdn({ endpointId: ENDPOINT_ID, maxFilesPerRequest: 2 }).purge({ keys: ['a', 'b', 'c', 'd', 'e'] });
    expect(api.requests.map((r) => (JSON.parse(r.body) as { files: string[] }).files)).toEqual([
      ['a', 'b'],
      ['c', 'd'],
      ['e'],
    ]);
  });

  it('waits out a 429 between batches and resends only the throttled batch', async () => {
    api.addEndpoint('static-images', 'nyc3', ENDPOINT_ID);
    api.retryAfterSeconds = 0; // the stand-in "lets the window pass" at once
    api.resetWindowOnThrottle = true;
    const keys = Array.from({ length: 120 }, (_, i) => `w/${i}`);
    await cdn({ endpointId: ENDPOINT_ID }).purge({ keys });
    const sizes = api.requests.map((r) => (JSON.parse(r.body) as { files: string[] }).files.length);
    expect(sizes).toEqual([50, 50, 50, 20, 20]); // second and fourth were answered 429
    expect(api.purged.get(ENDPOINT_ID)).toEqual(keys);
  });

  it('throws retryable RateLimited on 429 when the wait is longer than allowed', async () => {
    api.addEndpoint('static-images', 'nyc3', ENDPOINT_ID);
    api.retryAfterSeconds = 3600;
    const keys = Array.from({ length: 120 }, (_, i) => `r/${i}`);
    const error = await caught(cdn({ endpointId: ENDPOINT_ID }).purge({ keys }));
    expect(error.kind).toBe('RateLimited');
    expect(error.retryable).toBe(true);
    expect(error.status).toBe(429);
    expect(error.operation).toBe('purge');
    expect(error.message).toContain('50 of 120 paths purged');
    expect(error.message).toContain('retry after 3600s');
    expect(api.requests).toHaveLength(2);
  });

  it('does not wait at all with maxRateLimitWaitMs: 0', async () => {
    api.addEndpoint('static-images', 'nyc3', ENDPOINT_ID);
    api.filesPerWindow = 0;
    api.retryAfterSeconds = 0;
    const error = await caught(
      cdn({ endpointId: ENDPOINT_ID, maxRateLimitWaitMs: 0 }).purge({ keys: ['a'] }),
    );
    expect(error.kind).toBe('RateLimited');
    expect(api.requests).toHaveLength(1);
  });

  it('gives up after a few throttled resends of one batch even when told to retry at once', async () => {
    api.addEndpoint('static-images', 'nyc3', ENDPOINT_ID);
    api.filesPerWindow = 0;
    api.retryAfterSeconds = 0;
    const error = await caught(cdn({ endpointId: ENDPOINT_ID }).purge({ keys: ['a'] }));
    expect(error.kind).toBe('RateLimited');
    expect(api.requests).toHaveLength(6); // the first try and five resends
  });

  it('maps 401 (bad token) to PermissionDenied, not retryable', async () => {
    api.addEndpoint('static-images', 'nyc3', ENDPOINT_ID);
    const error = await caught(
      cdn({ endpointId: ENDPOINT_ID, token: 'dop_v1_wrong' }).purge({ keys: ['a'] }),
    );
    expect(error.kind).toBe('PermissionDenied');
    expect(error.status).toBe(401);
    expect(error.retryable).toBe(false);
    expect(error.message).toContain('unauthorized');
    expect(error.message).toContain('cdn.token');
  });

  it('maps 403 to PermissionDenied and 500 to retryable Unavailable with the request id', async () => {
    api.addEndpoint('static-images', 'nyc3', ENDPOINT_ID);
    api.forcedStatuses = [403, 500];
    const c = cdn({ endpointId: ENDPOINT_ID });
    const denied = await caught(c.purge({ keys: ['a'] }));
    expect(denied.kind).toBe('PermissionDenied');
    expect(denied.message).toContain('cdn:delete');
    const down = await caught(c.purge({ keys: ['a'] }));
    expect(down.kind).toBe('Unavailable');
    expect(down.retryable).toBe(true);
    expect(down.requestId).toBe('req-500');
  });

  it('maps an unknown configured endpoint id to NotFound', async () => {
    const error = await caught(cdn({ endpointId: 'no-such-endpoint' }).purge({ keys: ['a'] }));
    expect(error.kind).toBe('NotFound');
    expect(error.message).toContain('cdn.endpointId');
  });

  it('maps an unreachable API to retryable Unavailable', async () => {
    const probe = createServer();
    probe.listen(0, '127.0.0.1');
    await once(probe, 'listening');
    const port = (probe.address() as { port: number }).port;
    probe.close();
    await once(probe, 'close');
    const error = await caught(
      cdn({ endpointId: ENDPOINT_ID, apiBaseUrl: `http://127.0.0.1:${port}` }).purge({ all: true }),
    );
    expect(error.kind).toBe('Unavailable');
    expect(error.retryable).toBe(true);
  });

  it('looks up the endpoint id by origin across pages, once', async () => {
    for (let i = 0; i < 230; i++) api.addEndpoint(`other-${i}`, 'nyc3', `other-id-${i}`);
    api.addEndpoint('static-images', 'sfo3', 'wrong-region-id');
    api.addEndpoint('static-images', 'nyc3', ENDPOINT_ID);
    const c = cdn();
    await c.purge({ keys: ['a.png'] });
    await c.purge({ prefix: 'css/' });
    const lists = api.requests.filter((r) => r.method === 'GET');
    expect(lists.map((r) => r.url)).toEqual([
      '/v2/cdn/endpoints?page=1&per_page=200',
      '/v2/cdn/endpoints?page=2&per_page=200',
    ]);
    for (const r of lists) expect(r.headers.authorization).toBe(`Bearer ${api.token}`);
    expect(api.purged.get(ENDPOINT_ID)).toEqual(['a.png', 'css/*']);
    expect(await c.endpointId()).toBe(ENDPOINT_ID);
  });

  it('prefers the endpoint with the configured custom domain', async () => {
    api.addEndpoint('static-images', 'nyc3', 'plain-id');
    api.addEndpoint('static-images', 'nyc3', 'custom-id', 'static.example.com');
    expect(await cdn({ customDomain: 'static.example.com' }).endpointId()).toBe('custom-id');
    expect(await cdn().endpointId()).toBe('plain-id');
  });

  it('fails with ConfigInvalid when no endpoint serves the bucket, and looks again next time', async () => {
    api.addEndpoint('someone-else', 'nyc3', 'x');
    const c = cdn();
    const error = await caught(c.purge({ keys: ['a'] }));
    expect(error.kind).toBe('ConfigInvalid');
    expect(error.message).toContain('static-images.nyc3.digitaloceanspaces.com');
    api.addEndpoint('static-images', 'nyc3', ENDPOINT_ID);
    await c.purge({ keys: ['a'] });
    expect(api.purged.get(ENDPOINT_ID)).toEqual(['a']);
  });

  it('forgets a looked-up endpoint that has gone (404) and finds the new one', async () => {
    api.addEndpoint('static-images', 'nyc3', 'old-id');
    const c = cdn();
    await c.purge({ keys: ['a'] });
    api.endpoints = [];
    api.addEndpoint('static-images', 'nyc3', 'new-id');
    expect((await caught(c.purge({ keys: ['b'] }))).kind).toBe('NotFound');
    await c.purge({ keys: ['b'] });
    expect(api.purged.get('new-id')).toEqual(['b']);
  });

  it('shares one request between identical concurrent purges', async () => {
    api.addEndpoint('static-images', 'nyc3', ENDPOINT_ID);
    let release!: () => void;
    api.gate = new Promise<void>((r) => {
      release = r;
    });
    const c = cdn({ endpointId: ENDPOINT_ID });
    const first = c.purge({ keys: ['same.png'] });
    const second = c.purge({ keys: ['same.png'] });
    while (api.requests.length === 0) await new Promise((r) => setImmediate(r));
    release();
    await Promise.all([first, second]);
    expect(api.requests).toHaveLength(1);
    await c.purge({ keys: ['same.png'] }); // and a later one is sent again
    expect(api.requests).toHaveLength(2);
  });
});

describe('SpacesCdn.fetch reads through the CDN host', () => {
  let server: import('node:http').Server;
  let origin = '';
  const requested: string[] = [];

  beforeAll(async () => {
    const { createServer: createHttpServer } = await import('node:http');
    server = createHttpServer((req, res) => {
      requested.push(`${req.headers['x-forwarded-host']} ${req.url}`);
      if (req.url === '/img/a%20b.png')
        return void res.writeHead(200, { 'content-type': 'image/png' }).end('PNG');
      if (req.url === '/private.txt')
        return void res.writeHead(403).end('<Error><Code>AccessDenied</Code></Error>');
      res.writeHead(404).end('<Error><Code>NoSuchKey</Code></Error>');
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    origin = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  });
  afterAll(() => {
    server.closeAllConnections();
    server.close();
  });

  // Sends what would go to https://<cdn host>/… to the local server, saying which host it was for.
  function cdnWithLocalEdge(extra: Partial<SpacesCdnConfig> = {}): SpacesCdn {
    return new SpacesCdn({
      bucket: 'static-images',
      region: 'nyc3',
      ...extra,
      fetch: async (input, init) => {
        const url = new URL(String(input));
        return globalThis.fetch(`${origin}${url.pathname}${url.search}`, {
          ...init,
          headers: { ...(init?.headers as Record<string, string>), 'x-forwarded-host': url.host },
        });
      },
    });
  }

  it('GETs the encoded CDN URL and returns the response', async () => {
    const res = await cdnWithLocalEdge().fetch('img/a b.png');
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('PNG');
    expect(requested.at(-1)).toBe('static-images.nyc3.cdn.digitaloceanspaces.com /img/a%20b.png');
  });

  it('reads through a custom domain', async () => {
    await cdnWithLocalEdge({ customDomain: 'static.example.com' }).fetch('img/a b.png');
    expect(requested.at(-1)).toBe('static.example.com /img/a%20b.png');
  });

  it('maps 404 to NotFound and 403 (a private object) to PermissionDenied', async () => {
    const missing = await caught(cdnWithLocalEdge().fetch('nope.txt'));
    expect(missing.kind).toBe('NotFound');
    expect(missing.key).toBe('nope.txt');
    expect(missing.backend).toBe('spaces-cdn');
    expect((await caught(cdnWithLocalEdge().fetch('private.txt'))).kind).toBe('PermissionDenied');
  });
});
