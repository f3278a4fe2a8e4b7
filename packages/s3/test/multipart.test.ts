import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { ListMultipartUploadsCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { isStorageError, type Progress, readBytes } from '@stowage/core';
import { sha256Hex } from '@stowage/kit';
import { type AvailableS3Target, describeWithServer, expectStorageError } from '@stowage/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { S3BucketAdmin } from '../src/index.js';
import { dropBucket, freshBucket, S3ObjectStore, storeConfig } from './support.js';

const MiB = 1024 * 1024;

/** `total` deterministic bytes in 256 KiB chunks, produced lazily; `onRead` sees the running count. */
function slowStream(total: number, onRead?: (sent: number, stream: Readable) => void): Readable {
  let sent = 0;
  return new Readable({
    read() {
      if (sent >= total) return void this.push(null);
      const n = Math.min(256 * 1024, total - sent);
      const chunk = Buffer.alloc(n, (sent / (256 * 1024)) % 251);
      sent += n;
      setImmediate(() => {
        if (this.destroyed) return;
        this.push(chunk);
        onRead?.(sent, this);
      });
    },
  });
}

function bytesOf(total: number): Buffer {
  const parts: Buffer[] = [];
  for (let sent = 0; sent < total; sent += 256 * 1024) {
    parts.push(Buffer.alloc(Math.min(256 * 1024, total - sent), (sent / (256 * 1024)) % 251));
  }
  return Buffer.concat(parts);
}

function register(target: AvailableS3Target): void {
  let admin: S3BucketAdmin;
  let bucket: string;
  let store: S3ObjectStore;

  beforeAll(async () => {
    ({ admin, bucket } = await freshBucket(target, `mpu-${target.name}`));
    // Small parts and threshold so a 20 MiB body is four 5 MiB parts.
    store = new S3ObjectStore(
      storeConfig(target, bucket, undefined, { multipartThreshold: 5 * MiB, partSize: 5 * MiB }),
    );
  });
  afterAll(async () => {
    store?.destroy();
    if (admin !== undefined) await dropBucket(admin, bucket);
  });

  async function pendingUploads(prefix: string): Promise<string[]> {
    const out = await store.client.send(new ListMultipartUploadsCommand({ Bucket: bucket, Prefix: prefix }));
    return (out.Uploads ?? []).map((u) => `${u.Key} ${u.UploadId}`);
  }

  it('streams a 20 MiB unknown-length body in 5 MiB parts with progress, intact, leaving no upload behind', async () => {
    const key = 'mpu/twenty.bin';
    const size = 20 * MiB;
    const events: Progress[] = [];
    const info = await store.put(key, slowStream(size), { onProgress: (p) => events.push({ ...p }) });
    expect(info.size).toBe(size);
    // A multipart ETag is "<md5 of part md5s>-<part count>".
    expect(info.etag).toMatch(/^"[0-9a-f]{32}-4"$/);
    expect(info.sha256).toBe(sha256Hex(bytesOf(size)));
    expect(events.length).toBeGreaterThanOrEqual(4);
    for (let i = 1; i < events.length; i++)
      expect(events[i]!.loaded).toBeGreaterThanOrEqual(events[i - 1]!.loaded);
    expect(events.at(-1)!.loaded).toBe(size);
    const got = await store.get(key);
    const hash = createHash('sha256');
    for await (const chunk of got.body) hash.update(chunk as Buffer);
    expect(hash.digest('hex')).toBe(info.sha256);
    expect((await store.head(key)).etag).toBe(info.etag);
    expect(await pendingUploads('mpu/')).toEqual([]);
  });

  it('aborting mid-way is Aborted, stores nothing and leaves no multipart upload', async () => {
    const key = 'abort/mid.bin';
    const controller = new AbortController();
    const body = slowStream(20 * MiB, (sent) => {
      if (sent >= 12 * MiB && !controller.signal.aborted) controller.abort(new Error('user cancelled'));
    });
    await expectStorageError(() => store.put(key, body, { signal: controller.signal }), 'Aborted', {
      key,
      operation: 'put',
    });
    expect(await store.exists(key)).toBe(false);
    expect(await pendingUploads('abort/')).toEqual([]);
  });

  it('a wrong expected sha256 on a multipart stream is Integrity, keeps the old object, leaves no upload', async () => {
    const key = 'sha/wrong.bin';
    await store.put(key, 'old');
    await expectStorageError(
      () => store.put(key, slowStream(11 * MiB), { sha256: sha256Hex('something else') }),
      'Integrity',
      { key },
    );
    expect((await readBytes(await store.get(key))).toString()).toBe('old');
    expect(await pendingUploads('sha/')).toEqual([]);
  });

  it('a correct expected sha256 on a multipart stream is stored and reported by head', async () => {
    const key = 'sha/right.bin';
    const sha256 = sha256Hex(bytesOf(11 * MiB));
    await store.put(key, slowStream(11 * MiB), { sha256 });
    expect((await store.head(key)).sha256).toBe(sha256);
  });

  it('a multipart stream shorter than contentLength is Integrity and leaves nothing', async () => {
    const key = 'len/short.bin';
    await expectStorageError(
      () => store.put(key, slowStream(11 * MiB), { contentLength: 12 * MiB }),
      'Integrity',
      { key },
    );
    expect(await store.exists(key)).toBe(false);
    expect(await pendingUploads('len/')).toEqual([]);
  });

  it('a source stream that fails mid-way fails the put and leaves no upload', async () => {
    const key = 'broken/source.bin';
    const body = slowStream(20 * MiB, (sent, stream) => {
      if (sent >= 11 * MiB) stream.destroy(new Error('disk on fire'));
    });
    const error = await store.put(key, body).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(isStorageError(error)).toBe(true);
    expect(String((error as Error).message)).toMatch(/disk on fire/);
    expect(await store.exists(key)).toBe(false);
    expect(await pendingUploads('broken/')).toEqual([]);
  });

  it("ifNoneMatch '*' on an existing key fails CompleteMultipartUpload: AlreadyExists, old object kept, no upload left", async () => {
    const key = 'cond/exists.bin';
    await store.put(key, 'original');
    await expectStorageError(
      () => store.put(key, slowStream(11 * MiB), { ifNoneMatch: '*' }),
      'AlreadyExists',
      { key },
    );
    expect((await readBytes(await store.get(key))).toString()).toBe('original');
    expect(await pendingUploads('cond/')).toEqual([]);
  });

  it('ifMatch with a stale etag on a multipart body is PreconditionFailed and leaves no upload', async () => {
    const key = 'cond/cas.bin';
    const first = await store.put(key, 'v1');
    await store.put(key, 'v2');
    if (!store.profile.multipartIfMatch) {
      // moto ignores If-Match on CompleteMultipartUpload: the adapter must refuse rather than overwrite.
      await expectStorageError(
        () => store.put(key, bytesOf(6 * MiB), { ifMatch: first.etag }),
        'Unsupported',
        { key },
      );
    } else {
      await expectStorageError(
        () => store.put(key, bytesOf(6 * MiB), { ifMatch: first.etag }),
        'PreconditionFailed',
        {
          key,
        },
      );
    }
    expect((await readBytes(await store.get(key))).toString()).toBe('v2');
    expect(await pendingUploads('cond/')).toEqual([]);
  });

  it('an in-memory body above the threshold goes up in parts and reports its sha256 on head', async () => {
    const key = 'mem/big.bin';
    const body = bytesOf(6 * MiB);
    const info = await store.put(key, body);
    expect(info.etag).toMatch(/-2"$/);
    expect((await store.head(key)).sha256).toBe(sha256Hex(body));
  });

  it('the raw SDK sees our reserved metadata; a user name with the reserved prefix is InvalidInput', async () => {
    await store.client.send(new PutObjectCommand({ Bucket: bucket, Key: 'raw/x', Body: 'x' }));
    expect((await store.head('raw/x')).sha256).toBeUndefined();
    await expectStorageError(
      () => store.put('raw/y', 'y', { metadata: { 'stowage-sha256': 'x' } }),
      'InvalidInput',
    );
  });
}

describe('multipart uploads', () => {
  describeWithServer('seaweedfs', register);
  describeWithServer('moto', register);
});
