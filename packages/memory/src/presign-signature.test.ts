import { describe, expect, it } from 'vitest';
import {
  createPresignedUrl,
  keyPath,
  type PresignClaims,
  verifyPresignedRequest,
} from './presign-signature.js';

const SECRET = 'a-test-secret-of-enough-length';
const BASE = 'http://127.0.0.1:9999';

function target(url: string): string {
  const u = new URL(url);
  return u.pathname + u.search;
}

describe('presign signature', () => {
  const claims: PresignClaims = { method: 'GET', key: 'dir/a b+c%#?&=ü😀.txt', expiresAt: 10_000 };

  it('verifies its own URL and recovers the claims, weird keys included', () => {
    const url = createPresignedUrl(
      BASE,
      { ...claims, responseContentDisposition: 'attachment; filename="x.txt"' },
      SECRET,
    );
    const result = verifyPresignedRequest('GET', target(url), '/', SECRET, 9_000);
    expect(result).toEqual({
      ok: true,
      claims: { ...claims, responseContentDisposition: 'attachment; filename="x.txt"' },
    });
  });

  it('is valid up to and including the expiry instant, expired after it', () => {
    const url = target(createPresignedUrl(BASE, claims, SECRET));
    expect(verifyPresignedRequest('GET', url, '/', SECRET, 10_000).ok).toBe(true);
    expect(verifyPresignedRequest('GET', url, '/', SECRET, 10_001)).toEqual({ ok: false, reason: 'expired' });
  });

  it('refuses another method, key, expiry, disposition, content type or secret', () => {
    const url = target(createPresignedUrl(BASE, claims, SECRET));
    const u = new URL(url, BASE);
    expect(verifyPresignedRequest('PUT', url, '/', SECRET, 0)).toEqual({ ok: false, reason: 'signature' });
    expect(verifyPresignedRequest('GET', url, '/', 'another-secret-of-enough-length', 0)).toEqual({
      ok: false,
      reason: 'signature',
    });

    const otherKey = new URL(u);
    otherKey.pathname = keyPath('/', 'dir/other.txt');
    expect(verifyPresignedRequest('GET', target(otherKey.toString()), '/', SECRET, 0)).toEqual({
      ok: false,
      reason: 'signature',
    });

    const later = new URL(u);
    later.searchParams.set('X-Stowage-Expires', '99999999');
    expect(verifyPresignedRequest('GET', target(later.toString()), '/', SECRET, 0)).toEqual({
      ok: false,
      reason: 'signature',
    });

    for (const [name, value] of [
      ['response-content-disposition', 'attachment'],
      ['response-content-type', 'text/html'],
      ['X-Stowage-Content-Type', 'text/html'],
    ] as const) {
      const added = new URL(u);
      added.searchParams.set(name, value);
      expect(verifyPresignedRequest('GET', target(added.toString()), '/', SECRET, 0)).toEqual({
        ok: false,
        reason: 'signature',
      });
    }
  });

  it('reports a forged expiry as tampering even when the forged time has passed', () => {
    const u = new URL(createPresignedUrl(BASE, claims, SECRET));
    u.searchParams.set('X-Stowage-Expires', '1');
    expect(verifyPresignedRequest('GET', target(u.toString()), '/', SECRET, 5_000)).toEqual({
      ok: false,
      reason: 'signature',
    });
  });

  it('signs the PUT content type', () => {
    const put = createPresignedUrl(
      BASE,
      { method: 'PUT', key: 'k', expiresAt: 5, contentType: 'image/png' },
      SECRET,
    );
    expect(verifyPresignedRequest('PUT', target(put), '/', SECRET, 0)).toEqual({
      ok: true,
      claims: { method: 'PUT', key: 'k', expiresAt: 5, contentType: 'image/png' },
    });
    const swapped = new URL(put);
    swapped.searchParams.set('X-Stowage-Content-Type', 'text/html');
    expect(verifyPresignedRequest('PUT', target(swapped.toString()), '/', SECRET, 0).ok).toBe(false);
  });

  it('works under a base path and refuses requests outside it', () => {
    const url = target(createPresignedUrl(`${BASE}/files/`, claims, SECRET));
    expect(url.startsWith('/files/dir/')).toBe(true);
    expect(verifyPresignedRequest('GET', url, '/files/', SECRET, 0).ok).toBe(true);
    expect(verifyPresignedRequest('GET', url.replace('/files/', '/other/'), '/files', SECRET, 0)).toEqual({
      ok: false,
      reason: 'malformed',
    });
  });

  it('calls garbage malformed rather than throwing', () => {
    for (const bad of [
      '/k',
      '/k?X-Stowage-Expires=abc&X-Stowage-Signature=00',
      `/k?X-Stowage-Expires=1&X-Stowage-Signature=${'z'.repeat(64)}`,
      `/%E0%A4%A?X-Stowage-Expires=1&X-Stowage-Signature=${'0'.repeat(64)}`,
    ]) {
      expect(verifyPresignedRequest('GET', bad, '/', SECRET, 0)).toEqual({ ok: false, reason: 'malformed' });
    }
    expect(verifyPresignedRequest('DELETE', '/k', '/', SECRET, 0)).toEqual({
      ok: false,
      reason: 'malformed',
    });
  });
});
