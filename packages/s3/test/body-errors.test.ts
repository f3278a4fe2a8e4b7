// A body stream that fails must make put() reject promptly with a StorageError that carries the
// stream's error, whatever phase the upload is in, and leave the previous object and no upload
// behind. The conformance suite's broken-stream cases fail within the first 256 KiB, i.e. always
// inside the buffered single-PutObject phase; these also cover the multipart phase and
// streams that failed before put() was called.
import { Readable, Transform } from 'node:stream';
import { ListMultipartUploadsCommand } from '@aws-sdk/client-s3';
import { type Body, isStorageError, readBytes } from '@stowage/core';
import { sha256Hex } from '@stowage/kit';
import { type AvailableS3Target, describeWithServer } from '@stowage/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { S3BucketAdmin } from '../src/index.js';
import { dropBucket, freshBucket, S3ObjectStore, storeConfig } from './support.js';

const KiB = 1024;
const MiB = KiB * KiB;
const HANG_GUARD_MS = 15_000;

/** `total` bytes in 64 KiB chunks that errors with `message` once `failAt` bytes were pushed. */
function failingStream(total: number, failAt: number, message: string): Readable {
  let sent = 0;
  const chunk = Buffer.alloc(64 * KiB, 0x61);
  return new Readable({
    highWaterMark: 64 * KiB,
    read() {
      if (sent >= total) return void this.push(null);
      const n = Math.min(chunk.length, total - sent);
      sent += n;
      setImmediate(() => {
        if (this.destroyed) return;
        this.push(chunk.subarray(0, n));
        if (sent >= failAt) this.destroy(new Error(message));
      });
    },
  });
}

function failingWebStream(chunks: number, message: string): ReadableStream<Uint8Array> {
  let n = 0;
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      if (n++ < chunks) controller.enqueue(new Uint8Array(1024).fill(1));
      else controller.error(new Error(message));
    },
  });
}

/** An eager pipe into a pass-through Transform that forwards the source's error (a common wrapper). */
function piped(source: Readable): Readable {
  const through = new Transform({
    transform(chunk, _encoding, callback) {
      callback(null, chunk);
    },
  });
  source.on('error', (error) => through.destroy(error));
  return source.pipe(through);
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 50));

const SHAPES: Array<[string, (message: string) => Body | Promise<Body>]> = [
  ['a Node stream failing in the single-PutObject phase', (m) => failingStream(4 * MiB, 128 * KiB, m)],
  [
    'a Node stream failing just past the multipart threshold',
    (m) => failingStream(24 * MiB, 5 * MiB + 64 * KiB, m),
  ],
  ['a Node stream failing after parts went up', (m) => failingStream(24 * MiB, 16 * MiB, m)],
  ['a web stream failing early', (m) => failingWebStream(3, m)],
  [
    'a piped Transform whose source fails after parts went up',
    (m) => piped(failingStream(24 * MiB, 12 * MiB, m)),
  ],
  [
    'a piped web stream that failed before put was called',
    async (m) => {
      const body = piped(Readable.fromWeb(failingWebStream(3, m) as never));
      // The error fires before anyone has the stream: without a listener it would be an
      // uncaught exception in any program, not only here.
      body.on('error', () => {});
      await settle();
      return body;
    },
  ],
  [
    'a Node stream destroyed with an error before put was called',
    async (m) => {
      const body = failingStream(4 * MiB, 0, m);
      body.on('error', () => {});
      body.destroy(new Error(m));
      await settle();
      return body;
    },
  ],
];

function register(target: AvailableS3Target): void {
  let admin: S3BucketAdmin;
  let bucket: string;
  let store: S3ObjectStore;

  beforeAll(async () => {
    ({ admin, bucket } = await freshBucket(target, `body-errors-${target.name}`));
    store = new S3ObjectStore(
      storeConfig(target, bucket, undefined, { multipartThreshold: 5 * MiB, partSize: 5 * MiB }),
    );
  });
  afterAll(async () => {
    store?.destroy();
    if (admin !== undefined) await dropBucket(admin, bucket);
  });

  for (const [what, make] of SHAPES) {
    it(`${what}: put rejects with the stream's error, the old object and no upload remain`, async () => {
      const key = `broken/${what.replace(/\W+/g, '-')}`;
      const old = Buffer.from(`old content of ${key}`);
      await store.put(key, old);
      const message = `source failed (${what})`;
      let timer: NodeJS.Timeout | undefined;
      const outcome = await Promise.race([
        Promise.resolve(make(message))
          .then((body) => store.put(key, body))
          .then(
            () => ({ settled: 'resolved' as const }),
            (error: unknown) => ({ settled: 'rejected' as const, error }),
          ),
        new Promise<{ settled: 'hung' }>((resolve) => {
          timer = setTimeout(() => resolve({ settled: 'hung' }), HANG_GUARD_MS);
        }),
      ]);
      clearTimeout(timer);
      expect(outcome.settled).toBe('rejected');
      if (outcome.settled !== 'rejected') return;
      expect(isStorageError(outcome.error)).toBe(true);
      expect(outcome.error).toMatchObject({ operation: 'put', key, backend: store.name });
      expect(String((outcome.error as Error).message)).toContain(message);
      expect(sha256Hex(await readBytes(await store.get(key)))).toBe(sha256Hex(old));
      const uploads = await store.client.send(
        new ListMultipartUploadsCommand({ Bucket: bucket, Prefix: key }),
      );
      expect((uploads.Uploads ?? []).filter((u) => u.Key === key)).toEqual([]);
    });
  }
}

describe('a put whose body stream fails', () => {
  describeWithServer('seaweedfs', register);
  describeWithServer('moto', register);
});
