import { Readable } from 'node:stream';
import { readBytes } from '@stowage/core';
import { sha256Hex } from '@stowage/kit';
import type { S3BucketAdmin } from '@stowage/s3';
import { describeWithServer, expectStorageError } from '@stowage/testkit';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { SeaweedFsObjectStore } from '../src/index.js';
import { dropBucket, freshBucket, storeConfig } from './support.js';

describeWithServer('seaweedfs', (target) => {
  let admin: S3BucketAdmin;
  let bucket: string;
  let store: SeaweedFsObjectStore;
  beforeAll(async () => {
    ({ admin, bucket } = await freshBucket(target, 'ttl'));
    store = new SeaweedFsObjectStore(storeConfig(target, bucket, { filerEndpoint: target.filerEndpoint }));
  });
  afterAll(async () => {
    store?.destroy();
    if (admin !== undefined) await dropBucket(admin, bucket);
  });

  const filerEntry = async (key: string) => {
    const res = await fetch(`${target.filerEndpoint}/buckets/${bucket}/${key}?metadata=true`, {
      headers: { accept: 'application/json' },
    });
    return res.status === 200 ? ((await res.json()) as { TtlSec: number }) : undefined;
  };

  it('stores an object the S3 API reads, with the TTL recorded by the filer', async () => {
    const info = await store.putWithTtl('tmp/a file.txt', 'short-lived', {
      ttlSeconds: 90,
      contentType: 'text/plain',
      cacheControl: 'no-store',
    });
    expect(info.ttlSeconds).toBe(120);
    expect(info.sha256).toBe(sha256Hex('short-lived'));
    expect(info.expiresAt.getTime()).toBeGreaterThan(Date.now() + 100_000);
    expect((await readBytes(await store.get('tmp/a file.txt'))).toString()).toBe('short-lived');
    const head = await store.head('tmp/a file.txt');
    expect(head).toMatchObject({
      size: 11,
      contentType: 'text/plain',
      cacheControl: 'no-store',
      etag: info.etag,
    });
    expect((await filerEntry('tmp/a%20file.txt'))?.TtlSec).toBe(120);
    // An ordinary put has no TTL.
    await store.put('tmp/forever', 'x');
    expect((await filerEntry('tmp/forever'))?.TtlSec).toBe(0);
  });

  it('streams a body, verifying sha256; a mismatch is Integrity and leaves nothing', async () => {
    const body = Buffer.alloc(3 * 1024 * 1024, 5);
    const ok = await store.putWithTtl(
      'tmp/stream',
      Readable.from([body.subarray(0, 1000), body.subarray(1000)]),
      {
        ttlSeconds: 60,
        sha256: sha256Hex(body),
      },
    );
    expect(ok.size).toBe(body.length);
    await expectStorageError(
      () =>
        store.putWithTtl('tmp/bad-stream', Readable.from([body]), { ttlSeconds: 60, sha256: sha256Hex('x') }),
      'Integrity',
      { key: 'tmp/bad-stream' },
    );
    expect(await store.exists('tmp/bad-stream')).toBe(false);
    await expectStorageError(
      () => store.putWithTtl('tmp/bad-mem', 'abc', { ttlSeconds: 60, sha256: sha256Hex('x') }),
      'Integrity',
    );
    expect(await store.exists('tmp/bad-mem')).toBe(false);
  });

  it('a streamed body that fails verification never replaces the object already there', async () => {
    // Verified as it streams: a mismatch fails the request body before it ends, so the filer
    // never completes the write (a store-then-delete would lose the old object).
    const old = Buffer.from('the old object');
    const body = Buffer.alloc(3 * 1024 * 1024, 9);
    const wrong: Array<[string, Record<string, unknown>]> = [
      ['sha256', { sha256: sha256Hex('x') }],
      ['too-long', { contentLength: body.length - 1 }],
      ['too-short', { contentLength: body.length + 1 }],
    ];
    for (const [label, options] of wrong) {
      const key = `tmp/keep-${label}`;
      await store.put(key, old);
      await expectStorageError(
        () =>
          store.putWithTtl(key, Readable.from([body.subarray(0, 1000), body.subarray(1000)]), {
            ttlSeconds: 60,
            ...options,
          }),
        'Integrity',
        { key, operation: 'putWithTtl' },
      );
      expect((await readBytes(await store.get(key))).equals(old), label).toBe(true);
      expect((await filerEntry(key))?.TtlSec, label).toBe(0);
    }
  });

  it('a streamed body that errors fails putWithTtl and keeps the object already there', async () => {
    await store.put('tmp/keep-broken', 'old');
    let sent = 0;
    const body = new Readable({
      read() {
        sent += 1;
        if (sent > 4) this.destroy(new Error('disk read failed'));
        else this.push(Buffer.alloc(256 * 1024, 1));
      },
    });
    const error = await store.putWithTtl('tmp/keep-broken', body, { ttlSeconds: 60 }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toMatchObject({ name: 'StorageError', key: 'tmp/keep-broken' });
    expect(String((error as Error).message)).toMatch(/disk read failed/);
    expect((await readBytes(await store.get('tmp/keep-broken'))).toString()).toBe('old');
  });

  it('refuses bad input before any I/O', async () => {
    await expectStorageError(() => store.putWithTtl('tmp/x', 'x', { ttlSeconds: 30 }), 'InvalidInput');
    await expectStorageError(() => store.putWithTtl('/abs', 'x', { ttlSeconds: 60 }), 'InvalidKey', {
      operation: 'putWithTtl',
    });
    // What put checks, putWithTtl checks too (the layer's checkPut), in its own operation.
    await expectStorageError(
      () => store.putWithTtl('tmp/x', 'abc', { ttlSeconds: 60, contentLength: 2 }),
      'Integrity',
      { key: 'tmp/x', operation: 'putWithTtl' },
    );
    await expectStorageError(
      () => store.putWithTtl('tmp/x', 'x', { ttlSeconds: 60, contentType: 'bad\ntype' }),
      'InvalidInput',
    );
    await expectStorageError(
      () => store.putWithTtl('tmp/x', 'x', { ttlSeconds: 60, signal: AbortSignal.abort() }),
      'Aborted',
    );
    // The filer cannot set these: refused, not silently dropped.
    for (const extra of [{ metadata: { a: 'b' } }, { visibility: 'public' }, { ifNoneMatch: '*' }]) {
      await expectStorageError(
        () => store.putWithTtl('tmp/x', 'x', { ttlSeconds: 60, ...(extra as object) }),
        'InvalidInput',
      );
    }
    expect(await store.exists('tmp/x')).toBe(false);
    const noFiler = new SeaweedFsObjectStore(storeConfig(target, bucket));
    try {
      await expectStorageError(() => noFiler.putWithTtl('tmp/x', 'x', { ttlSeconds: 60 }), 'Unsupported');
    } finally {
      noFiler.destroy();
    }
  });

  it('the object disappears from S3 once its one-minute TTL has passed', async () => {
    await store.putWithTtl('tmp/expiring', 'gone soon', { ttlSeconds: 60 });
    expect(await store.exists('tmp/expiring')).toBe(true);
    // Wait for SeaweedFS to expire it (TTL 60 s, second-granular creation time); bounded.
    const deadline = Date.now() + 150_000;
    let exists = true;
    while (exists && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 3000));
      exists = await store.exists('tmp/expiring');
    }
    expect(exists).toBe(false);
    await expectStorageError(() => store.get('tmp/expiring'), 'NotFound');
  }, 180_000);
});
