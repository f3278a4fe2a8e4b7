import { describe, expect, it } from 'vitest';
import { UrlSigner } from './url-signer.js';

const signer = new UrlSigner({ baseUrl: 'http://127.0.0.1:9/files', secret: 'sixteen-bytes-at-least' });
const target = (url: string) => {
  const u = new URL(url);
  return u.pathname + u.search;
};

describe('UrlSigner', () => {
  it('signs every claim and verifies them back, keys with any portable character included', () => {
    const key = 'a dir/ü €/q?x=1&y#z';
    const url = signer.sign({ method: 'PUT', key, expiresAt: 2_000, contentType: 'image/png', maxSize: 10 });
    expect(url.startsWith('http://127.0.0.1:9/files/')).toBe(true);
    expect(signer.verify('PUT', target(url), 1_000)).toEqual({
      ok: true,
      claims: { method: 'PUT', key, expiresAt: 2_000, contentType: 'image/png', maxSize: 10 },
    });
  });

  it('refuses another method, a changed claim, a foreign secret, and expiry after the signature', () => {
    const url = signer.sign({ method: 'GET', key: 'k', expiresAt: 2_000, responseContentType: 'text/plain' });
    expect(signer.verify('PUT', target(url), 0)).toMatchObject({ ok: false, reason: 'signature' });
    expect(signer.verify('GET', target(url).replace('text%2Fplain', 'text%2Fhtml'), 0)).toMatchObject({
      reason: 'signature',
    });
    expect(signer.verify('GET', target(url).replace('Expires=2000', 'Expires=9000'), 0)).toMatchObject({
      reason: 'signature',
    });
    const other = new UrlSigner({ baseUrl: 'http://127.0.0.1:9/files/', secret: 'another-sixteen-bytes' });
    expect(other.verify('GET', target(url), 0)).toMatchObject({ reason: 'signature' });
    expect(signer.verify('GET', target(url), 2_001)).toMatchObject({ reason: 'expired' });
    expect(signer.verify('GET', '/files/k?X-Stowage-Expires=x', 0)).toMatchObject({ reason: 'malformed' });
    expect(signer.verify('GET', '/elsewhere/k?X-Stowage-Expires=1&X-Stowage-Signature=00', 0)).toMatchObject({
      reason: 'malformed',
    });
  });

  it('keeps its secret out of inspect and JSON', async () => {
    const { inspect } = await import('node:util');
    expect(inspect(signer, { showHidden: true, depth: 5 })).not.toContain('sixteen-bytes');
    expect(JSON.stringify(signer)).not.toContain('sixteen-bytes');
  });
});

describe('UrlSigner presignGet / presignPut', () => {
  const now = new Date('2026-01-01T00:00:00Z');

  it('signs what a store returns: expiry from the given clock, pinned headers', () => {
    const get = signer.presignGet('a b.txt', { expiresIn: 60, responseContentType: 'text/plain' }, now);
    const check = signer.verify('GET', target(get), now.getTime());
    expect(check).toEqual({
      ok: true,
      claims: {
        method: 'GET',
        key: 'a b.txt',
        expiresAt: now.getTime() + 60_000,
        responseContentType: 'text/plain',
      },
    });
    const put = signer.presignPut('up.bin', { expiresIn: 5, contentType: 'image/png', maxSize: 10 }, now);
    expect(put.method).toBe('PUT');
    expect(put.headers).toEqual({ 'content-type': 'image/png' });
    const claims = signer.verify('PUT', target(put.url), now.getTime());
    expect(claims).toMatchObject({ ok: true, claims: { contentType: 'image/png', maxSize: 10 } });
    expect(signer.presignPut('x', { expiresIn: 5 }, now).headers).toEqual({});
  });
});
