import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { encodeKeyPath } from '@stowage/kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CdnEdge } from './cdn-edge.js';

describe('CdnEdge', () => {
  const objects = new Map<string, string>();
  let origin: Server;
  let originHits = 0;
  let edge: CdnEdge;

  beforeAll(async () => {
    // An origin serving `objects` by the raw path after /o/ (no decoding: the edge must pass it as received).
    origin = createServer((req, res) => {
      originHits++;
      const raw = (req.url ?? '').replace(/^\/o\//, '');
      const body = objects.get(raw);
      if (body === undefined) return void res.writeHead(404).end('missing');
      if (req.headers.range === 'bytes=0-1') return void res.writeHead(206).end(body.slice(0, 2));
      res.writeHead(200, { 'content-type': 'text/plain', etag: '"e"' }).end(body);
    });
    origin.listen(0, '127.0.0.1');
    await once(origin, 'listening');
    edge = await CdnEdge.start();
    edge.setOrigin(`http://127.0.0.1:${(origin.address() as AddressInfo).port}/o`);
  });
  afterAll(async () => {
    await edge.close();
    origin.close();
  });

  const put = (key: string, body: string) => objects.set(encodeKeyPath(key), body);

  it('forwards reads with the path as received, and records them by key', async () => {
    put('a b/c+d#e', 'weird');
    const res = await fetch(edge.url + encodeKeyPath('a b/c+d#e'));
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('weird');
    expect(res.headers.get('etag')).toBe('"e"');
    expect(edge.requestsFor('a b/c+d#e')).toHaveLength(1);
  });

  it('forwards read headers (Range) and relays partial answers', async () => {
    put('ranged', 'hello');
    const res = await fetch(`${edge.url}ranged`, { headers: { range: 'bytes=0-1' } });
    expect(res.status).toBe(206);
    expect(await res.text()).toBe('he');
  });

  it('answers 404 outside its base path, without asking the origin', async () => {
    const before = originHits;
    const res = await fetch(edge.url.replace('/cdn-edge/', '/elsewhere/x'));
    expect(res.status).toBe(404);
    expect(originHits).toBe(before);
  });

  it('answers scripted statuses, hangs and resets per key until cleared', async () => {
    edge.fault('p/403', { status: 403, body: 'no' });
    edge.fault('p/reset', 'reset');
    edge.fault('p/hang', 'hang');
    expect((await fetch(`${edge.url}p/403`)).status).toBe(403);
    await expect(fetch(`${edge.url}p/reset`)).rejects.toThrow();
    const hung = fetch(`${edge.url}p/hang`, { signal: AbortSignal.timeout(100) });
    await edge.waitForRequest('p/hang');
    await expect(hung).rejects.toThrow();
    edge.clearFaults('p/');
    expect((await fetch(`${edge.url}p/403`)).status).toBe(404);
  });

  it('caches plain GETs while caching is on, until invalidated by key, prefix or all', async () => {
    edge.caching = true;
    try {
      for (const k of ['c/1', 'c/2', 'd/3']) put(k, `${k} v1`);
      for (const k of ['c/1', 'c/2', 'd/3']) await (await fetch(edge.url + k)).text();
      for (const k of ['c/1', 'c/2', 'd/3']) put(k, `${k} v2`);
      const read = async (k: string) => (await fetch(edge.url + k)).text();
      expect(await read('c/1')).toBe('c/1 v1');
      edge.invalidate({ keys: ['c/1'] });
      expect(await read('c/1')).toBe('c/1 v2');
      expect(await read('c/2')).toBe('c/2 v1');
      edge.invalidate({ prefix: 'c/' });
      expect(await read('c/2')).toBe('c/2 v2');
      expect(await read('d/3')).toBe('d/3 v1');
      edge.invalidate({ all: true });
      expect(await read('d/3')).toBe('d/3 v2');
      expect(edge.invalidations).toHaveLength(3);
    } finally {
      edge.caching = false;
    }
  });

  it('routes a fixed public host to itself through fetchFor, and other URLs past it', async () => {
    put('routed', 'via edge');
    const passed: string[] = [];
    const routed = edge.fetchFor('https://cdn.invalid/base/', async (input) => {
      passed.push(String(input));
      return new Response('passed');
    });
    expect(await (await routed('https://cdn.invalid/base/routed')).text()).toBe('via edge');
    expect(await (await routed('https://api.invalid/x')).text()).toBe('passed');
    expect(passed).toEqual(['https://api.invalid/x']);
  });
});
