import { getBytes, isStorageError, readBytes } from '@stowage/core';
import { describeWithServer } from '@stowage/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { S3BucketAdmin } from '../src/index.js';
import { dropBucket, freshBucket, S3ObjectStore, storeConfig } from './support.js';

const KiB = 1024;
const MiB = 1024 * KiB;
/** The socket pool's size (the default `maxSockets`). */
const SOCKETS = 64;
/** A short idle limit, so the test takes seconds; the default (two minutes) works the same way. */
const IDLE_MS = 1_500;

async function settleWithin<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const guard = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: still pending after ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, guard]);
  } finally {
    clearTimeout(timer);
  }
}

describeWithServer('seaweedfs', (target) => {
  describe('forgotten bodies: 64 unread gets do not hold the pool forever', () => {
    let admin: S3BucketAdmin | undefined;
    let bucket = '';
    let store: S3ObjectStore;
    const small = Buffer.alloc(1 * KiB, 7);
    const large = Buffer.alloc(8 * MiB, 9);

    beforeAll(async () => {
      ({ admin, bucket } = await freshBucket(target, 'forgotten'));
      store = new S3ObjectStore(storeConfig(target, bucket, undefined, { requestTimeout: IDLE_MS }));
      await store.put('small', small);
      await store.put('large', large);
    });
    afterAll(async () => {
      store?.destroy();
      if (admin !== undefined) await dropBucket(admin, bucket);
    });

    it('get #65 completes once the idle limit frees the sockets of unread bodies; no crash, nothing lost', async () => {
      expect(store.config.maxSockets).toBe(SOCKETS);
      // Half small (the whole answer already arrived), half large (the socket is mid-body).
      const forgotten = await Promise.all(
        Array.from({ length: SOCKETS }, (_, i) => store.get(i % 2 === 0 ? 'small' : 'large')),
      );
      const started = Date.now();
      const next = await settleWithin(getBytes(store, 'small'), 15_000, 'get #65 with 64 bodies unread');
      expect(next.equals(small)).toBe(true);
      expect(Date.now() - started).toBeLessThan(15_000);
      // The forgotten bodies: a complete one still reads whole; one cut mid-body fails with a
      // retryable Timeout when read (it never crashed the process while nobody listened).
      for (const [i, { body }] of forgotten.entries()) {
        if (i % 2 === 0) {
          expect((await readBytes(body)).equals(small)).toBe(true);
        } else {
          const outcome = await readBytes(body).then(
            (bytes) => ({ ok: true as const, bytes }),
            (error: unknown) => ({ ok: false as const, error }),
          );
          if (outcome.ok) expect(outcome.bytes.equals(large)).toBe(true);
          else {
            expect(isStorageError(outcome.error, 'Timeout'), String(outcome.error)).toBe(true);
            expect((outcome.error as { retryable: boolean }).retryable).toBe(true);
          }
        }
      }
    }, 60_000);

    it('without an idle limit (requestTimeout: 0, the old default) get #65 waits until a body is destroyed', async () => {
      const unbounded = new S3ObjectStore(storeConfig(target, bucket, undefined, { requestTimeout: 0 }));
      try {
        const forgotten = await Promise.all(Array.from({ length: SOCKETS }, () => unbounded.get('small')));
        let done = false;
        const next = getBytes(unbounded, 'small').finally(() => {
          done = true;
        });
        await new Promise((resolve) => setTimeout(resolve, 3 * IDLE_MS));
        expect(done, 'get #65 found a socket although every one is held').toBe(false);
        // The rule: consume or destroy every body. Destroying one frees its socket at once.
        forgotten[0]!.body.destroy();
        expect((await settleWithin(next, 10_000, 'get #65 after a destroy')).equals(small)).toBe(true);
        for (const { body } of forgotten.slice(1)) body.destroy();
      } finally {
        unbounded.destroy();
      }
    }, 60_000);
  });
});
