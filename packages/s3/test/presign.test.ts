import { ManualClock } from '@stowage/memory';
import { type AvailableS3Target, describeWithServer, expectStorageError } from '@stowage/testkit';
import { afterAll, beforeAll, describe, expect, it, type TestContext } from 'vitest';
import type { S3BucketAdmin } from '../src/index.js';
import { dropBucket, freshBucket, S3ObjectStore, storeConfig } from './support.js';

const HOUR = 3600_000;

function register(target: AvailableS3Target): void {
  let admin: S3BucketAdmin;
  let bucket: string;
  let store: S3ObjectStore;
  // Starts two hours in the past: a URL signed now is already expired by the server's clock.
  const clock = new ManualClock(new Date(Date.now() - 2 * HOUR));

  const needsVerification = (ctx: TestContext) => {
    if (!target.verifiesPresignedUrls)
      ctx.skip(`${target.name}: ${target.presignNote ?? 'does not verify presigned URLs'}`);
  };

  beforeAll(async () => {
    ({ admin, bucket } = await freshBucket(target, `presign-${target.name}`));
    store = new S3ObjectStore(storeConfig(target, bucket, undefined, { clock }));
    await store.put('docs/report 1+1.txt', 'presigned content', { contentType: 'text/plain' });
  });
  afterAll(async () => {
    store?.destroy();
    if (admin !== undefined) await dropBucket(admin, bucket);
  });

  it('a URL signed two hours ago for 60 s is refused; advancing the clock to now makes a fresh one work', async (ctx) => {
    needsVerification(ctx);
    clock.set(new Date(Date.now() - 2 * HOUR));
    const stale = await store.presignGet('docs/report 1+1.txt', { expiresIn: 60 });
    const refused = await fetch(stale);
    expect(refused.status).toBe(403);
    expect(await refused.text()).toMatch(/expired/i);
    clock.advance(2 * HOUR);
    const fresh = await fetch(await store.presignGet('docs/report 1+1.txt', { expiresIn: 60 }));
    expect(fresh.status).toBe(200);
    expect(await fresh.text()).toBe('presigned content');
  });

  it('the signature covers the signing time: a URL signed in the past but still inside its window works', async () => {
    clock.set(new Date(Date.now() - 10 * 60_000));
    const res = await fetch(await store.presignGet('docs/report 1+1.txt', { expiresIn: 3600 }));
    expect(res.status).toBe(200);
    expect(
      new URL(await store.presignGet('docs/report 1+1.txt', { expiresIn: 3600 })).searchParams.get(
        'X-Amz-Date',
      ),
    ).toBe(
      clock
        .now()
        .toISOString()
        .replace(/[-:]|\.\d{3}/g, ''),
    );
    await res.text();
  });

  it('an expired presigned PUT is refused and stores nothing', async (ctx) => {
    needsVerification(ctx);
    clock.set(new Date(Date.now() - 2 * HOUR));
    const req = await store.presignPut('uploads/late.txt', { expiresIn: 60, contentType: 'text/plain' });
    const res = await fetch(req.url, { method: 'PUT', headers: req.headers, body: 'too late' });
    await res.text();
    expect(res.status).toBe(403);
    expect(await store.exists('uploads/late.txt')).toBe(false);
  });

  it('a presigned PUT stores the body with the signed content type; another content type is refused', async (ctx) => {
    clock.set(new Date());
    const req = await store.presignPut('uploads/ok.json', {
      expiresIn: 300,
      contentType: 'application/json',
    });
    expect(req.headers).toEqual({ 'content-type': 'application/json' });
    expect(new URL(req.url).searchParams.get('X-Amz-SignedHeaders')).toContain('content-type');
    const ok = await fetch(req.url, { method: 'PUT', headers: req.headers, body: '{"a":1}' });
    await ok.text();
    expect(ok.status).toBe(200);
    expect((await store.head('uploads/ok.json')).contentType).toBe('application/json');
    needsVerification(ctx);
    const wrong = await fetch(req.url, {
      method: 'PUT',
      headers: { 'content-type': 'text/html' },
      body: '<script>',
    });
    await wrong.text();
    expect(wrong.status).toBe(403);
    expect((await store.head('uploads/ok.json')).contentType).toBe('application/json');
  });

  it('a tampered signature is refused', async (ctx) => {
    needsVerification(ctx);
    clock.set(new Date());
    const url = new URL(await store.presignGet('docs/report 1+1.txt', { expiresIn: 300 }));
    const sig = url.searchParams.get('X-Amz-Signature')!;
    url.searchParams.set('X-Amz-Signature', (sig[0] === 'a' ? 'b' : 'a') + sig.slice(1));
    const res = await fetch(url);
    expect(res.status).toBe(403);
    expect(await res.text()).not.toBe('presigned content');
  });

  it('presigned URLs never carry a checksum of an empty body, whatever the checksum mode', async () => {
    const sdkDefault = new S3ObjectStore(storeConfig(target, bucket, 'WHEN_SUPPORTED', { clock }));
    try {
      clock.set(new Date());
      const req = await sdkDefault.presignPut('uploads/mode.bin', { expiresIn: 300 });
      expect(req.url).not.toMatch(/x-amz-checksum|x-amz-sdk-checksum/i);
      const res = await fetch(req.url, { method: 'PUT', body: 'any body at all' });
      await res.text();
      expect(res.status).toBe(200);
    } finally {
      sdkDefault.destroy();
    }
  });

  it('expiresIn outside 1 s..7 days is InvalidInput before signing', async () => {
    await expectStorageError(() => store.presignGet('docs/x', { expiresIn: 0 }), 'InvalidInput');
    await expectStorageError(
      () => store.presignPut('docs/x', { expiresIn: 7 * 24 * 3600 + 1 }),
      'InvalidInput',
    );
    await expectStorageError(() => store.presignGet('/bad', { expiresIn: 60 }), 'InvalidKey');
  });
}

describe('presigned URLs', () => {
  describeWithServer('seaweedfs', register);
  describeWithServer('moto', register);
});
