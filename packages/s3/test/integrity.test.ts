// A put whose body fails verification (expected sha256, declared contentLength) must never
// materialise: the old object stays, no multipart upload is left, and nothing is written and
// then deleted (which would lose the old object). Checked by content and by the requests sent.
import { Readable } from 'node:stream';
import { ListMultipartUploadsCommand } from '@aws-sdk/client-s3';
import { type PutOptions, readBytes } from '@stowage/core';
import { sha256Hex } from '@stowage/kit';
import { type AvailableS3Target, describeWithServer, expectStorageError } from '@stowage/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { S3BucketAdmin } from '../src/index.js';
import { dropBucket, freshBucket, S3ObjectStore, storeConfig } from './support.js';

const MiB = 1024 * 1024;

/** `total` deterministic bytes in 256 KiB chunks, produced lazily. */
function stream(total: number, seed = 0): Readable {
  let sent = 0;
  return new Readable({
    read() {
      if (sent >= total) return void this.push(null);
      const n = Math.min(256 * 1024, total - sent);
      const chunk = Buffer.alloc(n, (seed + sent / (256 * 1024)) % 251);
      sent += n;
      setImmediate(() => {
        if (!this.destroyed) this.push(chunk);
      });
    },
  });
}

async function bytesOf(total: number, seed = 0): Promise<Buffer> {
  return readBytes(stream(total, seed));
}

/** What one store sent, by command name (a middleware on the real client; nothing is faked). */
function recordCommands(store: S3ObjectStore): string[] {
  const sent: string[] = [];
  store.client.middlewareStack.add(
    (next, context) => async (args) => {
      sent.push(String(context.commandName).replace(/Command$/, ''));
      return next(args);
    },
    { step: 'initialize', name: 'recordCommandsForTest' },
  );
  return sent;
}

const WRITES = ['PutObject', 'CompleteMultipartUpload', 'DeleteObject', 'DeleteObjects', 'CopyObject'];

function register(target: AvailableS3Target): void {
  let admin: S3BucketAdmin;
  let bucket: string;
  let store: S3ObjectStore;
  let sent: string[];

  beforeAll(async () => {
    ({ admin, bucket } = await freshBucket(target, `integrity-${target.name}`));
    // 5 MiB threshold and parts: a 3 MiB stream is one PutObject, a 12 MiB one three parts.
    store = new S3ObjectStore(
      storeConfig(target, bucket, undefined, { multipartThreshold: 5 * MiB, partSize: 5 * MiB }),
    );
    sent = recordCommands(store);
  });
  afterAll(async () => {
    store?.destroy();
    if (admin !== undefined) await dropBucket(admin, bucket);
  });

  async function openUploads(key: string): Promise<string[]> {
    const out = await store.client.send(new ListMultipartUploadsCommand({ Bucket: bucket, Prefix: key }));
    return (out.Uploads ?? []).filter((u) => u.Key === key).map((u) => u.UploadId ?? '');
  }

  const sizes = [
    ['single-part', 3 * MiB],
    ['multipart', 12 * MiB],
  ] as const;
  for (const [label, size] of sizes) {
    const cases: Array<[string, (bytes: Buffer) => PutOptions]> = [
      ['a wrong sha256', () => ({ sha256: sha256Hex('something else') })],
      ['a contentLength one byte too large', (b) => ({ contentLength: b.length + 1 })],
      ['a contentLength one byte too small', (b) => ({ contentLength: b.length - 1 })],
      [
        'a wrong sha256 and the right contentLength',
        (b) => ({ contentLength: b.length, sha256: sha256Hex('x') }),
      ],
    ];
    for (const [what, options] of cases) {
      it(`${label} stream with ${what}: Integrity, the old object intact, nothing written or left`, async () => {
        const key = `verify/${label}/${what.replace(/\W+/g, '-')}`;
        const old = await bytesOf(64 * 1024, 7);
        await store.put(key, old);
        const body = await bytesOf(size, 1);
        sent.length = 0;
        const error = await expectStorageError(
          () => store.put(key, stream(size, 1), options(body)),
          'Integrity',
          { key, operation: 'put' },
        );
        expect(error.backend).toBe(store.name);
        expect(sent.filter((c) => WRITES.includes(c))).toEqual([]);
        if (size > store.config.multipartThreshold) {
          // Parts went up, but the upload was never completed, and it was aborted.
          expect(sent).toEqual(expect.arrayContaining(['CreateMultipartUpload', 'AbortMultipartUpload']));
        } else {
          expect(sent, 'verified in memory before any request').toEqual([]);
        }
        expect(sha256Hex(await readBytes(await store.get(key)))).toBe(sha256Hex(old));
        expect(await openUploads(key)).toEqual([]);
      });
    }

    it(`${label} stream with the right sha256: stored, and head reports that sha256`, async () => {
      const key = `verify/${label}/right`;
      const body = await bytesOf(size, 2);
      const sha256 = sha256Hex(body);
      const info = await store.put(key, stream(size, 2), { sha256, contentLength: size });
      expect(info.sha256).toBe(sha256);
      expect((await store.head(key)).sha256).toBe(sha256);
      expect(sha256Hex(await readBytes(await store.get(key)))).toBe(sha256);
    });
  }

  it('a multipart stream without an expected sha256: put reports the computed one, head cannot', async () => {
    // The metadata goes out with CreateMultipartUpload, before the body has been read; recording a
    // digest computed while streaming would take a server-side copy of the whole object.
    const key = 'verify/multipart/computed';
    const info = await store.put(key, stream(12 * MiB, 3));
    expect(info.sha256).toBe(sha256Hex(await bytesOf(12 * MiB, 3)));
    expect((await store.head(key)).sha256).toBeUndefined();
  });
}

describe('verification before the object materialises', () => {
  describeWithServer('seaweedfs', register);
  describeWithServer('moto', register);
});
