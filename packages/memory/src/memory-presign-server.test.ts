import { readText } from '@stowage/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from './manual-clock.js';
import { MemoryObjectStore } from './memory-object-store.js';
import { createMemoryPresignServer, type MemoryPresignServer } from './memory-presign-server.js';

describe('createMemoryPresignServer', () => {
  const clock = new ManualClock();
  let server: MemoryPresignServer;
  let store: MemoryObjectStore;

  beforeAll(async () => {
    server = await createMemoryPresignServer(() => store);
    store = new MemoryObjectStore({ clock, presignBaseUrl: server.url });
  });
  afterAll(async () => {
    await server.close();
  });

  it('listens on 127.0.0.1', () => {
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
  });

  it('serves object headers, a response override and HEAD', async () => {
    await store.put('h/doc.txt', 'hello', {
      cacheControl: 'max-age=60',
      contentDisposition: 'inline',
      metadata: { team: 'a' },
    });
    const url = await store.presignGet('h/doc.txt', {
      expiresIn: 60,
      responseContentType: 'text/x-override',
    });
    const res = await fetch(url);
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('hello');
    expect(res.headers.get('content-type')).toBe('text/x-override');
    expect(res.headers.get('cache-control')).toBe('max-age=60');
    expect(res.headers.get('content-disposition')).toBe('inline');
    expect(res.headers.get('etag')).toBe((await store.head('h/doc.txt')).etag);
    expect(res.headers.get('accept-ranges')).toBe('bytes');
    expect(res.headers.get('x-stowage-meta-team')).toBe('a');
    const head = await fetch(url, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.headers.get('content-length')).toBe('5');
    expect(await head.text()).toBe('');
  });

  it('answers suffix ranges with 206 and unsatisfiable ones with 416', async () => {
    await store.put('r/digits', '0123456789');
    const url = await store.presignGet('r/digits', { expiresIn: 60 });
    const suffix = await fetch(url, { headers: { range: 'bytes=-4' } });
    expect(suffix.status).toBe(206);
    expect(suffix.headers.get('content-range')).toBe('bytes 6-9/10');
    expect(await suffix.text()).toBe('6789');
    const past = await fetch(url, { headers: { range: 'bytes=10-' } });
    expect(past.status).toBe(416);
    expect(past.headers.get('content-range')).toBe('bytes */10');
    await past.text();
  });

  it('a GET URL does not authorise a PUT, nor a PUT URL a GET', async () => {
    await store.put('m/kept', 'kept');
    const getUrl = await store.presignGet('m/kept', { expiresIn: 60 });
    const put = await fetch(getUrl, { method: 'PUT', body: 'overwritten' });
    expect(put.status).toBe(403);
    await put.text();
    const putReq = await store.presignPut('m/kept', { expiresIn: 60 });
    const get = await fetch(putReq.url);
    expect(get.status).toBe(403);
    expect(await get.text()).not.toBe('kept');
    expect(await readText(await store.get('m/kept'))).toBe('kept');
  });

  it('a presigned PUT must carry the signed content type', async () => {
    const req = await store.presignPut('t/image.png', { expiresIn: 60, contentType: 'image/png' });
    expect(req.headers).toEqual({ 'content-type': 'image/png' });
    const wrong = await fetch(req.url, {
      method: 'PUT',
      headers: { 'content-type': 'text/html' },
      body: '<script>',
    });
    expect(wrong.status).toBe(403);
    await wrong.text();
    expect(await store.exists('t/image.png')).toBe(false);
    const right = await fetch(req.url, {
      method: 'PUT',
      headers: req.headers,
      body: new Uint8Array([137, 80]),
    });
    expect(right.status).toBe(200);
    expect(right.headers.get('etag')).toBe((await store.head('t/image.png')).etag);
    expect((await store.head('t/image.png')).contentType).toBe('image/png');
  });

  it('a URL is valid up to its expiry and refused with 403 after it', async () => {
    await store.put('e/x', 'x');
    const url = await store.presignGet('e/x', { expiresIn: 10 });
    clock.advance(10_000);
    const atExpiry = await fetch(url);
    expect(atExpiry.status).toBe(200);
    await atExpiry.text();
    clock.advance(1);
    const after = await fetch(url);
    expect(after.status).toBe(403);
    expect(await after.text()).toContain('expired');
  });

  it('refuses other methods with 405 and garbage paths with 403', async () => {
    const del = await fetch(`${server.url}some/key`, { method: 'DELETE' });
    expect(del.status).toBe(405);
    await del.text();
    const garbage = await fetch(`${server.url}some/key?X-Stowage-Expires=1`);
    expect(garbage.status).toBe(403);
    await garbage.text();
  });

  it('answers 503 while no store is attached', async () => {
    const lonely = await createMemoryPresignServer(() => undefined);
    try {
      const res = await fetch(`${lonely.url}k`);
      expect(res.status).toBe(503);
      await res.text();
    } finally {
      await lonely.close();
    }
  });

  it('works under a base path', async () => {
    let pathStore!: MemoryObjectStore;
    const pathServer = await createMemoryPresignServer(() => pathStore);
    try {
      pathStore = new MemoryObjectStore({ clock, presignBaseUrl: `${pathServer.url}bucket/` });
      await pathStore.put('a b/c', 'under a path');
      const url = await pathStore.presignGet('a b/c', { expiresIn: 60 });
      expect(new URL(url).pathname).toBe('/bucket/a%20b/c');
      const res = await fetch(url);
      expect(await res.text()).toBe('under a path');
    } finally {
      await pathServer.close();
    }
  });
});
