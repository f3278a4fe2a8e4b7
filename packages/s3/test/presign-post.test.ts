import { ManualClock } from '@stowage/memory';
import { type AvailableS3Target, describeWithServer, expectStorageError } from '@stowage/testkit';
import { afterAll, beforeAll, describe, expect, it, type TestContext } from 'vitest';
import type { S3BucketAdmin } from '../src/index.js';
import { dropBucket, freshBucket, S3ObjectStore, storeConfig } from './support.js';

const HOUR = 3600_000;

/** Sends a presigned POST as a browser form does: every field, then the file. */
async function upload(
  request: { url: string; method: string; fields?: Record<string, string> },
  bytes: Uint8Array,
  fieldPatch: Record<string, string> = {},
): Promise<{ status: number; text: string }> {
  const form = new FormData();
  for (const [name, value] of Object.entries({ ...request.fields, ...fieldPatch })) form.append(name, value);
  // The file part's own type is the uploader's: the stored type comes from the signed field.
  form.append('file', new Blob([bytes], { type: 'text/html' }), 'upload.bin');
  const res = await fetch(request.url, { method: request.method, body: form });
  return { status: res.status, text: await res.text() };
}

function register(target: AvailableS3Target): void {
  let admin: S3BucketAdmin;
  let bucket: string;
  let store: S3ObjectStore;
  const clock = new ManualClock(new Date());

  /** moto accepts any POST form: it checks neither the policy's size range nor its expiry or signature. */
  const needsEnforcement = (ctx: TestContext) => {
    if (target.name === 'moto') {
      ctx.skip(
        'moto 5.x does not enforce POST policies (size range, expiry, signature): a test-server limitation',
      );
    }
  };

  beforeAll(async () => {
    ({ admin, bucket } = await freshBucket(target, `post-${target.name}`));
    store = new S3ObjectStore(storeConfig(target, bucket, undefined, { clock }));
  });
  afterAll(async () => {
    store?.destroy();
    if (admin !== undefined) await dropBucket(admin, bucket);
  });

  it('maxSize answers with a POST form: the key, the pinned content type and a signed policy', async () => {
    clock.set(new Date());
    const req = await store.presignPut('uploads/avatar.png', { expiresIn: 300, maxSize: 1000 });
    expect(req.method).toBe('POST');
    expect(req.headers).toEqual({});
    expect(req.fields).toMatchObject({
      key: 'uploads/avatar.png',
      'Content-Type': 'image/png',
      'X-Amz-Algorithm': 'AWS4-HMAC-SHA256',
    });
    const policy = JSON.parse(Buffer.from(req.fields!.Policy!, 'base64').toString('utf8'));
    expect(policy.conditions).toContainEqual(['content-length-range', 0, 1000]);
    expect(policy.conditions).toContainEqual({ bucket });
    expect(new URL(req.url).pathname.replace(/\/$/, '')).toBe(`/${bucket}`);
  });

  it('an upload of exactly maxSize bytes is stored, with the signed content type', async () => {
    clock.set(new Date());
    const req = await store.presignPut('uploads/ok.txt', {
      expiresIn: 300,
      maxSize: 64,
      contentType: 'text/plain',
    });
    const res = await upload(req, Buffer.alloc(64, 1));
    expect(res.status, res.text).toBeLessThan(300);
    const info = await store.head('uploads/ok.txt');
    expect(info).toMatchObject({ size: 64, contentType: 'text/plain' });
  });

  it('an upload over maxSize is refused and stores nothing', async (ctx) => {
    needsEnforcement(ctx);
    clock.set(new Date());
    const req = await store.presignPut('uploads/big.txt', { expiresIn: 300, maxSize: 64 });
    const res = await upload(req, Buffer.alloc(65, 1));
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.text).toMatch(/EntityTooLarge|content-length|policy/i);
    expect(await store.exists('uploads/big.txt')).toBe(false);
  });

  it('maxSize: 0 admits only an empty upload', async (ctx) => {
    needsEnforcement(ctx);
    clock.set(new Date());
    const req = await store.presignPut('uploads/empty.txt', { expiresIn: 300, maxSize: 0 });
    expect((await upload(req, Buffer.alloc(1, 1))).status).toBeGreaterThanOrEqual(400);
    expect(await store.exists('uploads/empty.txt')).toBe(false);
    expect((await upload(req, Buffer.alloc(0))).status).toBeLessThan(300);
    expect((await store.head('uploads/empty.txt')).size).toBe(0);
  });

  it('an expired form or a changed field is refused and stores nothing', async (ctx) => {
    needsEnforcement(ctx);
    clock.set(new Date(Date.now() - 2 * HOUR));
    const stale = await store.presignPut('uploads/late.txt', { expiresIn: 60, maxSize: 100 });
    expect((await upload(stale, Buffer.from('late'))).status).toBe(403);
    expect(await store.exists('uploads/late.txt')).toBe(false);
    clock.set(new Date());
    const fresh = await store.presignPut('uploads/typed.txt', { expiresIn: 300, maxSize: 100 });
    const retyped = await upload(fresh, Buffer.from('<script>'), { 'Content-Type': 'text/html' });
    expect(retyped.status).toBe(403);
    const moved = await upload(fresh, Buffer.from('x'), { key: 'uploads/elsewhere.txt' });
    expect(moved.status).toBe(403);
    expect(await store.exists('uploads/typed.txt')).toBe(false);
    expect(await store.exists('uploads/elsewhere.txt')).toBe(false);
  });

  it('maxSize is checked by the layer first', async () => {
    await expectStorageError(
      () => store.presignPut('uploads/x', { expiresIn: 60, maxSize: -1 }),
      'InvalidInput',
    );
    await expectStorageError(
      () => store.presignPut('uploads/x', { expiresIn: 60, maxSize: 6 * 1024 ** 4 }),
      'PayloadTooLarge',
    );
  });
}

describe('presigned POST uploads with maxSize', () => {
  describeWithServer('seaweedfs', register);
  describeWithServer('moto', register);
});
