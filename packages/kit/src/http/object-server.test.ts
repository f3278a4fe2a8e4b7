import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RecordingStore } from '../checked/recording-store.test-support.js';
import { type ListeningServer, listenHttp } from './listen.js';
import { createObjectRequestHandler } from './object-server.js';
import { UrlSigner } from './url-signer.js';

/** A store with presigning, served by the kit's object server on loopback. */
class SignedStore extends RecordingStore {
  signer: UrlSigner | undefined;
}

describe('the kit object server', () => {
  const store = new SignedStore({
    rangeRead: true,
    readIfMatch: true,
    visibility: true,
    presignGet: true,
    presignPut: true,
  });
  let server: ListeningServer;
  let signer: UrlSigner;

  beforeAll(async () => {
    server = await listenHttp(createObjectRequestHandler({ store, signer: () => signer }), {
      idleTimeoutMs: 1_000,
    });
    signer = new UrlSigner({ baseUrl: server.url, secret: 'object-server-test-secret' });
    await store.put('public/page.html', '<script>alert(1)</script>', { visibility: 'public' });
    await store.put('public/data.txt', '0123456789', { visibility: 'public', contentType: 'text/plain' });
    await store.put('private/report.txt', 'secret report');
  });
  afterAll(async () => {
    await server.close();
  });

  const url = (key: string) => `${server.url}${key}`;
  const putUrl = (key: string, claims: { maxSize?: number; contentType?: string } = {}) =>
    signer.sign({ method: 'PUT', key, expiresAt: Date.now() + 60_000, ...claims });

  it('serves public objects, refuses private ones without a signature and serves them with one', async () => {
    expect((await fetch(url('public/data.txt'))).status).toBe(200);
    const denied = await fetch(url('private/report.txt'));
    expect(denied.status).toBe(403);
    expect(await denied.json()).toMatchObject({ error: { kind: 'PermissionDenied' } });
    const signed = signer.sign({ method: 'GET', key: 'private/report.txt', expiresAt: Date.now() + 60_000 });
    expect(await (await fetch(signed)).text()).toBe('secret report');
  });

  it('a stale If-Range gives the whole object, a current one the range; If-Match gives 412', async () => {
    const { etag } = await store.head('public/data.txt');
    const stale = await fetch(url('public/data.txt'), {
      headers: { range: 'bytes=0-3', 'if-range': '"old"' },
    });
    expect([stale.status, await stale.text()]).toEqual([200, '0123456789']);
    const current = await fetch(url('public/data.txt'), {
      headers: { range: 'bytes=0-3', 'if-range': etag },
    });
    expect([current.status, await current.text()]).toEqual([206, '0123']);
    expect((await fetch(url('public/data.txt'), { headers: { 'if-match': '"old"' } })).status).toBe(412);
    expect((await fetch(url('public/data.txt'), { headers: { 'if-none-match': etag } })).status).toBe(304);
  });

  it('serves active content as an attachment with nosniff, so uploads cannot run as pages of this origin', async () => {
    const res = await fetch(url('public/page.html'));
    expect(res.headers.get('content-disposition')).toBe('attachment');
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('content-security-policy')).toContain('sandbox');
    await res.text();
  });

  it('a presigned PUT without a signed type stores the type the store infers, not the uploader’s', async () => {
    const res = await fetch(putUrl('up/notes.txt'), {
      method: 'PUT',
      body: '<html>',
      headers: { 'content-type': 'text/html' },
    });
    expect(res.status).toBe(200);
    expect((await store.head('up/notes.txt')).contentType).toBe('text/plain; charset=utf-8');
  });

  it('a presigned PUT over its signed maxSize is refused with 413 and stores nothing', async () => {
    const declared = await fetch(putUrl('up/too-big', { maxSize: 4 }), { method: 'PUT', body: '0123456789' });
    expect(declared.status).toBe(413);
    expect(await store.exists('up/too-big')).toBe(false);
    // Without Content-Length (chunked), the limit is enforced as the body streams.
    const chunked = await new Promise<number>((resolve, reject) => {
      const req = request(putUrl('up/too-big-chunked', { maxSize: 4 }), { method: 'PUT' }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      req.write('0123');
      req.end('456789');
    });
    expect(chunked).toBe(413);
    expect(await store.exists('up/too-big-chunked')).toBe(false);
    const within = await fetch(putUrl('up/fits', { maxSize: 4 }), { method: 'PUT', body: '0123' });
    expect(within.status).toBe(200);
  });

  it('an unexpected failure says only that: no paths, no internals', async () => {
    const res = await fetch(url('plain-failure'));
    expect(res.status).toBe(500);
    expect(await res.json()).toEqual({
      error: { kind: 'Unexpected', message: 'The server failed to handle this request' },
    });
  });

  it('drops a connection that stalls past the idle timeout', async () => {
    const closed = await new Promise<boolean>((resolve) => {
      const req = request(url('public/data.txt'), { method: 'GET', headers: { connection: 'keep-alive' } });
      req.on('socket', (socket) => {
        socket.on('close', () => resolve(true));
      });
      req.on('error', () => {});
      // Headers sent, request never finished: the server must give up on it.
      req.flushHeaders();
      setTimeout(() => resolve(false), 5_000);
    });
    expect(closed).toBe(true);
  });
});
