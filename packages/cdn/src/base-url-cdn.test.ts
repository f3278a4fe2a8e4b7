import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { isStorageError, type StorageError, TOKENS } from '@stowage/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BaseUrlCdn } from './base-url-cdn.js';
import { registerBaseUrlCdn } from './register.js';

const WEIRD_KEYS = [
  'plain.txt',
  'with space/and+plus.txt',
  'percent%20literal/100%.txt',
  'hash#frag/q?uery=1&b=2',
  "bang!quote'(paren)*star",
  'unicode/naïve/日本語.txt',
  'emoji/😀/🚀.png',
  'colon:semi;at@dollar$comma,',
  'tilde~under_score-dash.dot',
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

describe('BaseUrlCdn.publicUrl', () => {
  const cdn = new BaseUrlCdn({ baseUrl: 'https://cdn.example.com/assets' });

  it.each(WEIRD_KEYS)('round-trips %j through path segments', (key) => {
    const url = new URL(cdn.publicUrl(key));
    expect(url.origin).toBe('https://cdn.example.com');
    expect(url.search).toBe('');
    expect(url.hash).toBe('');
    const segments = url.pathname.split('/').slice(2); // '', 'assets', …
    expect(url.pathname.startsWith('/assets/')).toBe(true);
    expect(segments.map(decodeURIComponent).join('/')).toBe(key);
    // Only unreserved characters and escapes appear in the path.
    expect(url.pathname).toMatch(/^[A-Za-z0-9\-._~/%]+$/);
  });

  it('encodes characters that encodeURIComponent leaves alone', () => {
    expect(cdn.publicUrl("a b/c+d/e%f/g#h/i?j/k!l'm(n)o*p")).toBe(
      'https://cdn.example.com/assets/a%20b/c%2Bd/e%25f/g%23h/i%3Fj/k%21l%27m%28n%29o%2Ap',
    );
  });

  it('keeps the base URL as given, adding one "/"', () => {
    expect(new BaseUrlCdn({ baseUrl: 'http://127.0.0.1:9000' }).publicUrl('a/b')).toBe(
      'http://127.0.0.1:9000/a/b',
    );
    expect(new BaseUrlCdn({ baseUrl: 'https://x.test/p/' }).publicUrl('k')).toBe('https://x.test/p/k');
  });

  it('throws InvalidKey before building a URL', () => {
    for (const bad of ['', '/lead', 'a//b', 'a/../b', 'back\\slash', 'ctl\u0001']) {
      let error: unknown;
      try {
        cdn.publicUrl(bad);
      } catch (e) {
        error = e;
      }
      expect(isStorageError(error, 'InvalidKey'), bad).toBe(true);
      expect((error as StorageError).operation).toBe('publicUrl');
    }
  });

  it('refuses a bad base URL with ConfigInvalid naming the setting', () => {
    for (const baseUrl of [
      'cdn.example.com',
      'ftp://x.test/',
      'https://x.test/?q=1',
      'https://u:p@x.test/',
      'https://x.test/#f',
    ]) {
      let error: unknown;
      try {
        new BaseUrlCdn({ baseUrl });
      } catch (e) {
        error = e;
      }
      expect(isStorageError(error, 'ConfigInvalid'), baseUrl).toBe(true);
      expect((error as Error).message).toMatch(/^Invalid cdn configuration: baseUrl: /);
    }
  });

  it('declares no purge and refuses it as Unsupported', async () => {
    expect(cdn.capabilities).toEqual({ purge: false, purgePrefix: false });
    const error = await caught(cdn.purge({ keys: ['a'] }));
    expect(error.kind).toBe('Unsupported');
    expect(error.operation).toBe('purge');
    expect((await caught(cdn.purge({ all: true }))).kind).toBe('Unsupported');
  });
});

describe('BaseUrlCdn.fetch against a local server', () => {
  const objects = new Map<string, string>(WEIRD_KEYS.map((k) => [k, `body of ${k}`]));
  const seen: Array<{ url: string; headers: IncomingMessage['headers'] }> = [];
  let server: Server;
  let base: string;

  function handle(req: IncomingMessage, res: ServerResponse): void {
    seen.push({ url: req.url ?? '', headers: req.headers });
    const path = (req.url ?? '').split('?')[0] ?? '';
    if (!path.startsWith('/static/')) {
      res.writeHead(404).end('no such prefix');
      return;
    }
    const key = path.slice('/static/'.length).split('/').map(decodeURIComponent).join('/');
    if (key === 'status/403') return void res.writeHead(403, { 'content-type': 'text/plain' }).end('denied');
    if (key === 'status/401') return void res.writeHead(401).end();
    if (key === 'status/429') return void res.writeHead(429, { 'retry-after': '3' }).end('slow down');
    if (key === 'status/503')
      return void res.writeHead(503, { 'x-request-id': 'req-503' }).end('<html>busy</html>');
    if (key === 'status/hang') return; // never answers: for the abort case
    const body = objects.get(key);
    if (body === undefined) return void res.writeHead(404, { 'content-type': 'text/plain' }).end('Not Found');
    const range = req.headers.range;
    if (range !== undefined) {
      const m = /^bytes=(\d+)-(\d+)$/.exec(range);
      const start = Number(m?.[1]);
      const end = Number(m?.[2]);
      res
        .writeHead(206, { 'content-range': `bytes ${start}-${end}/${body.length}` })
        .end(body.slice(start, end + 1));
      return;
    }
    res.writeHead(200, { 'content-type': 'text/plain', etag: '"e1"' }).end(body);
  }

  beforeAll(async () => {
    server = createServer(handle);
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/static/`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    server.close();
  });

  it.each(WEIRD_KEYS)('reads %j through the base URL', async (key) => {
    const cdn = new BaseUrlCdn({ baseUrl: base });
    const res = await cdn.fetch(key);
    expect(res.status).toBe(200);
    expect(await res.text()).toBe(`body of ${key}`);
  });

  it('passes headers through (range read)', async () => {
    const cdn = new BaseUrlCdn({ baseUrl: base });
    const res = await cdn.fetch('plain.txt', { headers: { range: 'bytes=0-3' } });
    expect(res.status).toBe(206);
    expect(await res.text()).toBe('body');
    expect(seen.at(-1)?.headers.range).toBe('bytes=0-3');
  });

  it('maps 404 to NotFound with context', async () => {
    const cdn = new BaseUrlCdn({ baseUrl: base, name: 'my-cdn' });
    const error = await caught(cdn.fetch('missing/key.txt'));
    expect(error.kind).toBe('NotFound');
    expect(error.status).toBe(404);
    expect(error.key).toBe('missing/key.txt');
    expect(error.backend).toBe('my-cdn');
    expect(error.operation).toBe('cdnFetch');
    expect(error.retryable).toBe(false);
  });

  it.each([
    ['status/401', 'PermissionDenied', false],
    ['status/403', 'PermissionDenied', false],
    ['status/429', 'RateLimited', true],
    ['status/503', 'Unavailable', true],
  ] as const)('maps %s to %s', async (key, kind, retryable) => {
    const cdn = new BaseUrlCdn({ baseUrl: base });
    const error = await caught(cdn.fetch(key));
    expect(error.kind).toBe(kind);
    expect(error.retryable).toBe(retryable);
  });

  it('keeps the request id and a short excerpt of the body', async () => {
    const error = await caught(new BaseUrlCdn({ baseUrl: base }).fetch('status/503'));
    expect(error.requestId).toBe('req-503');
    expect(error.message).toContain('busy');
  });

  it('maps a refused connection to retryable Unavailable', async () => {
    const closed = createServer();
    closed.listen(0, '127.0.0.1');
    await once(closed, 'listening');
    const port = (closed.address() as AddressInfo).port;
    closed.close();
    await once(closed, 'close');
    const error = await caught(new BaseUrlCdn({ baseUrl: `http://127.0.0.1:${port}/` }).fetch('a'));
    expect(error.kind).toBe('Unavailable');
    expect(error.retryable).toBe(true);
    expect(error.message).toContain('ECONNREFUSED');
  });

  it('maps an aborted signal to Aborted', async () => {
    const controller = new AbortController();
    const pending = new BaseUrlCdn({ baseUrl: base }).fetch('status/hang', { signal: controller.signal });
    controller.abort();
    const error = await caught(pending);
    expect(error.kind).toBe('Aborted');
  });

  it('uses the injected fetch', async () => {
    const urls: string[] = [];
    const cdn = new BaseUrlCdn({
      baseUrl: 'https://cdn.invalid/',
      fetch: async (input, init) => {
        urls.push(String(input));
        return globalThis.fetch(String(input).replace('https://cdn.invalid/', base), init);
      },
    });
    expect(await (await cdn.fetch('emoji/😀/🚀.png')).text()).toBe('body of emoji/😀/🚀.png');
    expect(urls).toEqual(['https://cdn.invalid/emoji/%F0%9F%98%80/%F0%9F%9A%80.png']);
  });
});

describe('registerBaseUrlCdn', () => {
  it('registers the CDN under TOKENS.Cdn', () => {
    const values = new Map<symbol, unknown>();
    const cdn = registerBaseUrlCdn(
      { register: (token, p) => values.set(token, p.useValue) },
      { baseUrl: 'https://x.test/' },
    );
    expect(values.get(TOKENS.Cdn)).toBe(cdn);
    expect(cdn.publicUrl('a b')).toBe('https://x.test/a%20b');
  });
});
