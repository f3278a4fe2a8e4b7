// S3ObjectStore under network faults, against a real SeaweedFS with a FaultProxy as the SDK
// endpoint. Each test gets a fresh proxy and store (no pooled sockets from earlier tests).
import { createHash } from 'node:crypto';
import { AbortMultipartUploadCommand, CreateMultipartUploadCommand } from '@aws-sdk/client-s3';
import { isStorageError } from '@stowage/core';
import {
  describeWithServer,
  deterministicBytes,
  deterministicStream,
  sha256OfStream,
} from '@stowage/testkit';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  createFaultBench,
  describeError,
  type FaultBench,
  failureOf,
  readOutcome,
  unlessHung,
} from './fault-bench.js';

const KiB = 1024;
const MiB = 1024 * KiB;
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

describeWithServer('seaweedfs', (target) => {
  let bench: FaultBench;
  beforeAll(async () => {
    bench = await createFaultBench(target, 's3-faults');
  });
  afterEach(async () => {
    await bench.release();
  });
  afterAll(async () => {
    await bench?.drop();
  });

  describe('get whose connection is cut', () => {
    it('mid-body: the consumer stream errors, never ends short', async () => {
      const data = deterministicBytes(2 * MiB, 11);
      await bench.direct.put('cut/body', data);
      const { proxy, store } = await bench.proxied();
      proxy.set({ cutAfterBytes: { downstream: 256 * KiB } });
      const { info, body } = await store.get('cut/body');
      expect(info.size).toBe(data.length);
      const outcome = await readOutcome(body);
      expect(outcome.ok).toBe(false);
      if (outcome.ok) return;
      expect(outcome.bytes).toBeLessThan(256 * KiB);
      expect(proxy.stats.cuts).toBe(1);
    });

    it('mid-body: the stream error is a retryable StorageError (Unavailable) with context', async () => {
      await bench.direct.put('cut/kind', deterministicBytes(2 * MiB, 12));
      const { proxy, store } = await bench.proxied();
      proxy.set({ cutAfterBytes: { downstream: 256 * KiB } });
      const { body } = await store.get('cut/kind');
      const outcome = await readOutcome(body);
      expect(outcome.ok).toBe(false);
      if (outcome.ok) return;
      expect(describeError(outcome.error)).toMatchObject({
        name: 'StorageError',
        kind: 'Unavailable',
        retryable: true,
      });
      expect(isStorageError(outcome.error, 'Unavailable')).toBe(true);
      expect(outcome.error).toMatchObject({ operation: 'get', key: 'cut/kind', backend: store.name });
    });

    it('mid-range: a ranged read errors the same way', async () => {
      await bench.direct.put('cut/range', deterministicBytes(3 * MiB, 13));
      const { proxy, store } = await bench.proxied();
      proxy.set({ cutAfterBytes: { downstream: 100 * KiB } });
      const { body, range } = await store.get('cut/range', { range: { start: MiB, end: 2 * MiB - 1 } });
      expect(range).toEqual({ start: MiB, end: 2 * MiB - 1 });
      const outcome = await readOutcome(body);
      expect(outcome.ok).toBe(false);
    });

    it('inside the response headers: the SDK retries, then get rejects with a retryable StorageError', async () => {
      await bench.direct.put('cut/headers', 'small');
      const { proxy, store } = await bench.proxied({ maxAttempts: 3 });
      proxy.set({ cutAfterBytes: { downstream: 20 } });
      const error = await failureOf(store.get('cut/headers'));
      expect(describeError(error)).toMatchObject({ name: 'StorageError', retryable: true });
      expect(error).toMatchObject({ operation: 'get', key: 'cut/headers', backend: store.name });
      // One cut per attempt: the SDK retried a connection closed before the response.
      expect(proxy.stats.cuts).toBe(3);
    });

    it('a transient cut inside the headers is recovered by the SDK retry', async () => {
      const data = deterministicBytes(100 * KiB, 14);
      await bench.direct.put('cut/transient', data);
      const { proxy, store } = await bench.proxied({ maxAttempts: 3 });
      proxy.set({ cutAfterBytes: { downstream: 20, times: 1 } });
      const { body } = await store.get('cut/transient');
      const outcome = await readOutcome(body);
      expect(outcome.ok && outcome.data.equals(data)).toBe(true);
      expect(proxy.stats.cuts).toBe(1);
    });
  });

  describe('put whose connection resets mid-way', () => {
    async function expectRetryableFailure(promise: Promise<unknown>, key: string, backend: string) {
      const error = await failureOf(promise);
      expect(describeError(error)).toMatchObject({ name: 'StorageError', retryable: true });
      expect(error).toMatchObject({ operation: 'put', key, backend });
      return error;
    }

    it('single PutObject (in-memory body): rejects retryable, the previous version is intact', async () => {
      const v1 = deterministicBytes(300 * KiB, 21);
      await bench.direct.put('reset/single', v1);
      const { proxy, store } = await bench.proxied({ maxAttempts: 3 });
      proxy.set({ resetAfterBytes: { upstream: 512 * KiB } });
      await expectRetryableFailure(
        store.put('reset/single', deterministicBytes(2 * MiB, 22)),
        'reset/single',
        store.name,
      );
      expect(proxy.stats.resets).toBe(3); // every SDK attempt was reset
      const { info, body } = await bench.direct.get('reset/single');
      expect(info.size).toBe(v1.length);
      expect((await sha256OfStream(body)).sha256).toBe(sha(v1));
    });

    it('single PutObject (unknown-length stream below the threshold): rejects retryable, previous version intact', async () => {
      const v1 = deterministicBytes(100 * KiB, 23);
      await bench.direct.put('reset/stream-small', v1);
      const { proxy, store } = await bench.proxied({ maxAttempts: 2 });
      proxy.set({ resetAfterBytes: { upstream: 256 * KiB } });
      await expectRetryableFailure(
        store.put('reset/stream-small', deterministicStream(3 * MiB, 24)),
        'reset/stream-small',
        store.name,
      );
      expect(proxy.stats.resets).toBe(2);
      const { body } = await bench.direct.get('reset/stream-small');
      expect((await sha256OfStream(body)).sha256).toBe(sha(v1));
    });

    it('single PutObject whose request is cut (clean FIN) mid-body: the server stores nothing of it', async () => {
      const v1 = deterministicBytes(200 * KiB, 28);
      await bench.direct.put('cut/put', v1);
      const { proxy, store } = await bench.proxied({ maxAttempts: 2 });
      proxy.set({ cutAfterBytes: { upstream: 700 * KiB } });
      await expectRetryableFailure(
        store.put('cut/put', deterministicBytes(2 * MiB, 29)),
        'cut/put',
        store.name,
      );
      expect(proxy.stats.cuts).toBe(2);
      const { info, body } = await bench.direct.get('cut/put');
      expect(info.size).toBe(v1.length);
      expect((await sha256OfStream(body)).sha256).toBe(sha(v1));
    });

    it('(the leftover check can see an open multipart upload on this server)', async () => {
      const created = await bench.raw.send(
        new CreateMultipartUploadCommand({ Bucket: bench.bucket, Key: 'reset/probe-upload' }),
      );
      try {
        expect(await bench.openUploads('reset/probe-upload')).toEqual([created.UploadId]);
      } finally {
        await bench.raw.send(
          new AbortMultipartUploadCommand({
            Bucket: bench.bucket,
            Key: 'reset/probe-upload',
            UploadId: created.UploadId,
          }),
        );
      }
      expect(await bench.openUploads('reset/probe-upload')).toEqual([]);
    });

    it('multipart (unknown-length stream): rejects retryable, previous version intact, no upload left behind', async () => {
      const v1 = deterministicBytes(64 * KiB, 25);
      await bench.direct.put('reset/multipart', v1);
      const { proxy, store } = await bench.proxied({
        maxAttempts: 2,
        multipartThreshold: 5 * MiB,
        partSize: 5 * MiB,
        queueSize: 2,
      });
      // Every connection that carries a part is reset after 1 MiB; the small control requests
      // (create, abort) fit well under that, so the adapter can still clean up.
      proxy.set({ resetAfterBytes: { upstream: MiB } });
      await expectRetryableFailure(
        store.put('reset/multipart', deterministicStream(16 * MiB, 26)),
        'reset/multipart',
        store.name,
      );
      expect(proxy.stats.resets).toBeGreaterThanOrEqual(2);
      expect(await bench.openUploads('reset/multipart')).toEqual([]);
      const { body } = await bench.direct.get('reset/multipart');
      expect((await sha256OfStream(body)).sha256).toBe(sha(v1));
    });

    it('multipart: a part whose connection resets once is retried by the SDK and the object is whole', async () => {
      const { proxy, store } = await bench.proxied({
        maxAttempts: 3,
        multipartThreshold: 5 * MiB,
        partSize: 5 * MiB,
        queueSize: 2,
      });
      proxy.set({ resetAfterBytes: { upstream: 2 * MiB, times: 1 } });
      const info = await store.put('reset/multipart-transient', deterministicStream(12 * MiB, 27));
      expect(proxy.stats.resets).toBe(1);
      expect(info.size).toBe(12 * MiB);
      const expected = await sha256OfStream(deterministicStream(12 * MiB, 27));
      expect(info.sha256).toBe(expected.sha256);
      const { body } = await bench.direct.get('reset/multipart-transient');
      expect(await sha256OfStream(body)).toEqual(expected);
      expect(await bench.openUploads('reset/multipart-transient')).toEqual([]);
    });
  });

  describe('blackhole (the server never answers)', () => {
    // `requestTimeout` is the adapter's option ("socket inactivity before a request fails"). A
    // blackholed request must end as Timeout; the guard only turns a hang into a clear failure.
    const GUARD_MS = 8_000;

    it('the configured requestTimeout surfaces as Timeout (retryable) on head, get and put', async () => {
      await bench.direct.put('hole/a', 'x');
      const { proxy, store } = await bench.proxied({ requestTimeout: 300, maxAttempts: 1 });
      proxy.set({ blackhole: true });
      const calls = { head: store.head('hole/a'), get: store.get('hole/a'), put: store.put('hole/a', 'y') };
      const errors = await unlessHung(
        Promise.all(Object.values(calls).map((p) => failureOf(p as Promise<unknown>))),
        GUARD_MS,
        'requestTimeout: 300 did not end blackholed requests',
      );
      Object.keys(calls).forEach((op, i) => {
        expect(describeError(errors[i]), op).toMatchObject({
          name: 'StorageError',
          kind: 'Timeout',
          retryable: true,
        });
        expect(errors[i]).toMatchObject({ operation: op, key: 'hole/a', backend: store.name });
      });
      expect(proxy.stats.blackholed).toBe(3);
      const { body } = await bench.direct.get('hole/a');
      expect((await sha256OfStream(body)).sha256).toBe(sha(Buffer.from('x')));
    });

    it('with SDK retries, every attempt times out and the call still ends as Timeout', async () => {
      const { proxy, store } = await bench.proxied({ requestTimeout: 200, maxAttempts: 3 });
      proxy.set({ blackhole: true });
      const error = await unlessHung(
        failureOf(store.head('hole/b')),
        GUARD_MS,
        'requestTimeout: 200 did not end a blackholed head',
      );
      expect(describeError(error)).toMatchObject({ kind: 'Timeout', retryable: true });
      expect(proxy.stats.blackholed).toBe(3);
    });

    it('a body that stalls mid-stream errors with Timeout instead of hanging', async () => {
      const data = deterministicBytes(4 * MiB, 31);
      await bench.direct.put('hole/stall', data);
      const { proxy, store } = await bench.proxied({ requestTimeout: 300, maxAttempts: 1 });
      // Throttle so that little is in flight, then stop answering once the body has started.
      proxy.set({ bandwidthBytesPerSec: 2 * MiB });
      const { body } = await store.get('hole/stall');
      const first = await new Promise<Buffer>((resolve) => body.once('data', resolve));
      proxy.set({ blackhole: true });
      const outcome = await unlessHung(
        readOutcome(body),
        GUARD_MS,
        'requestTimeout: 300 did not end a stalled body',
      );
      expect(outcome.ok).toBe(false);
      if (outcome.ok) return;
      expect(first.length + outcome.bytes).toBeLessThan(data.length);
      expect(describeError(outcome.error)).toMatchObject({
        name: 'StorageError',
        kind: 'Timeout',
        retryable: true,
      });
    });
  });

  describe('a signal that times out mid-request (the SDK aborts) is Timeout, retryable; a plain abort is Aborted', () => {
    // No idle timeout and one attempt: only the signal can end a blackholed request.
    const GUARD_MS = 8_000;

    it('head, get, put, list, copy and deleteMany under AbortSignal.timeout', async () => {
      await bench.direct.put('sig/a', 'x');
      const { proxy, store } = await bench.proxied({ requestTimeout: 0, maxAttempts: 1 });
      proxy.set({ blackhole: true });
      const signal = () => AbortSignal.timeout(300);
      const calls: Record<string, () => Promise<unknown>> = {
        head: () => store.head('sig/a', { signal: signal() }),
        get: () => store.get('sig/a', { signal: signal() }),
        put: () => store.put('sig/a', 'y', { signal: signal() }),
        listPage: () => store.listPage({ prefix: 'sig/', signal: signal() }),
        copy: () => store.copy('sig/a', 'sig/b', { signal: signal() }),
        deleteMany: () => store.deleteMany(['sig/a'], { signal: signal() }),
      };
      for (const [op, call] of Object.entries(calls)) {
        const error = await unlessHung(failureOf(call()), GUARD_MS, `${op} under a timed-out signal`);
        expect(describeError(error), op).toMatchObject({
          name: 'StorageError',
          kind: 'Timeout',
          retryable: true,
        });
        expect(error, op).toMatchObject({ operation: op, backend: store.name });
      }
      const controller = new AbortController();
      setTimeout(() => controller.abort(new Error('user cancelled')), 300);
      const aborted = await unlessHung(
        failureOf(store.head('sig/a', { signal: controller.signal })),
        GUARD_MS,
        'head under an aborted signal',
      );
      expect(describeError(aborted)).toMatchObject({ kind: 'Aborted', retryable: false });
      const { body } = await bench.direct.get('sig/a');
      expect((await sha256OfStream(body)).sha256).toBe(sha(Buffer.from('x')));
    });

    it('a body that stalls until its signal times out errors with Timeout', async () => {
      const data = deterministicBytes(4 * MiB, 32);
      await bench.direct.put('sig/stall', data);
      const { proxy, store } = await bench.proxied({ requestTimeout: 0, maxAttempts: 1 });
      proxy.set({ bandwidthBytesPerSec: 2 * MiB });
      const { body } = await store.get('sig/stall', { signal: AbortSignal.timeout(1_000) });
      await new Promise<Buffer>((resolve) => body.once('data', resolve));
      proxy.set({ blackhole: true });
      const outcome = await unlessHung(
        readOutcome(body),
        GUARD_MS,
        'a stalled body under a timed-out signal',
      );
      expect(outcome.ok).toBe(false);
      if (outcome.ok) return;
      expect(describeError(outcome.error)).toMatchObject({
        name: 'StorageError',
        kind: 'Timeout',
        retryable: true,
      });
    });
  });

  describe('a server that trickles (bytes keep flowing, so the socket is never idle)', () => {
    const GUARD_MS = 8_000;

    it('responseTimeout ends a put that takes too long as Timeout; the previous version is intact', async () => {
      const v1 = deterministicBytes(10 * KiB, 61);
      await bench.direct.put('trickle/put', v1);
      const { proxy, store } = await bench.proxied({
        requestTimeout: 5_000,
        responseTimeout: 400,
        maxAttempts: 1,
      });
      proxy.set({ bandwidthBytesPerSec: 256 * KiB });
      const error = await unlessHung(
        failureOf(store.put('trickle/put', deterministicBytes(2 * MiB, 62))),
        GUARD_MS,
        'responseTimeout: 400 did not end a trickling put',
      );
      expect(describeError(error)).toMatchObject({ name: 'StorageError', kind: 'Timeout', retryable: true });
      expect(error).toMatchObject({ operation: 'put', key: 'trickle/put', backend: store.name });
      proxy.set({ bandwidthBytesPerSec: undefined });
      const { body } = await bench.direct.get('trickle/put');
      expect((await sha256OfStream(body)).sha256).toBe(sha(v1));
    });
  });

  describe('refused and reset connections are Unavailable (retryable), not Timeout', () => {
    it('refuse: head, get and put reject with Unavailable after the SDK retries', async () => {
      const { proxy, store } = await bench.proxied({ maxAttempts: 2 });
      proxy.set({ refuse: true });
      const calls = {
        head: store.head('refused/a'),
        get: store.get('refused/a'),
        put: store.put('refused/a', 'data'),
      };
      const errors = await Promise.all(Object.values(calls).map((p) => failureOf(p as Promise<unknown>)));
      expect(proxy.stats.refused).toBe(6); // two attempts each
      expect(await bench.direct.exists('refused/a')).toBe(false);
      Object.keys(calls).forEach((op, i) => {
        expect(errors[i]).toMatchObject({ operation: op, key: 'refused/a', backend: store.name });
        expect(describeError(errors[i]), op).toMatchObject({
          name: 'StorageError',
          kind: 'Unavailable',
          retryable: true,
        });
      });
    });

    it('nothing listening (ECONNREFUSED): Unavailable', async () => {
      const { proxy, store } = await bench.proxied({ maxAttempts: 1 });
      await proxy.close();
      const error = await failureOf(store.head('refused/b'));
      expect(describeError(error)).toMatchObject({
        kind: 'Unavailable',
        retryable: true,
        causeCode: 'ECONNREFUSED',
      });
    });

    it('a put whose upload is reset: Unavailable', async () => {
      const { proxy, store } = await bench.proxied({ maxAttempts: 1 });
      proxy.set({ resetAfterBytes: { upstream: 64 * KiB } });
      const error = await failureOf(store.put('reset/kind', deterministicBytes(MiB, 51)));
      expect(proxy.stats.resets).toBe(1);
      expect(describeError(error)).toMatchObject({ kind: 'Unavailable', retryable: true });
    });

    it('a get whose connection closes before the response: Unavailable', async () => {
      await bench.direct.put('cut/kind-headers', 'small');
      const { proxy, store } = await bench.proxied({ maxAttempts: 1 });
      proxy.set({ cutAfterBytes: { downstream: 20 } });
      const error = await failureOf(store.get('cut/kind-headers'));
      expect(proxy.stats.cuts).toBe(1);
      expect(describeError(error)).toMatchObject({ kind: 'Unavailable', retryable: true });
    });
  });

  describe('SDK retries (maxAttempts) recover from a transient reset', () => {
    it('failConnections: 1 — a small get and a small put succeed', async () => {
      const data = deterministicBytes(10 * KiB, 41);
      await bench.direct.put('retry/get', data);
      {
        const { proxy, store } = await bench.proxied({ maxAttempts: 3 });
        proxy.set({ failConnections: 1 });
        const { body } = await store.get('retry/get');
        const outcome = await readOutcome(body);
        expect(outcome.ok && outcome.data.equals(data)).toBe(true);
        expect(proxy.stats.failed).toBe(1);
      }
      {
        const { proxy, store } = await bench.proxied({ maxAttempts: 3 });
        proxy.set({ failConnections: 1 });
        const info = await store.put('retry/put', data);
        expect(info.size).toBe(data.length);
        expect(proxy.stats.failed).toBe(1);
        const { body } = await bench.direct.get('retry/put');
        expect((await sha256OfStream(body)).sha256).toBe(sha(data));
      }
    });

    it('failConnections: 1 — a small unknown-length stream put succeeds too (it is buffered, so replayable)', async () => {
      const { proxy, store } = await bench.proxied({ maxAttempts: 3 });
      proxy.set({ failConnections: 1 });
      const info = await store.put('retry/stream', deterministicStream(200 * KiB, 42));
      expect(proxy.stats.failed).toBe(1);
      const { body } = await bench.direct.get('retry/stream');
      expect((await sha256OfStream(body)).sha256).toBe(info.sha256);
    });

    it('maxAttempts bounds it: one failure fewer than attempts succeeds, as many fails retryable', async () => {
      await bench.direct.put('retry/bound', 'v');
      {
        const { proxy, store } = await bench.proxied({ maxAttempts: 3 });
        proxy.set({ failConnections: 2 });
        expect((await store.head('retry/bound')).size).toBe(1);
        expect(proxy.stats.failed).toBe(2);
      }
      {
        const { proxy, store } = await bench.proxied({ maxAttempts: 3 });
        proxy.set({ failConnections: 3 });
        const error = await failureOf(store.head('retry/bound'));
        expect(describeError(error)).toMatchObject({ name: 'StorageError', retryable: true });
        expect(proxy.stats.failed).toBe(3);
      }
      {
        const { proxy, store } = await bench.proxied({ maxAttempts: 1 });
        proxy.set({ failConnections: 1 });
        const error = await failureOf(store.head('retry/bound'));
        expect(describeError(error)).toMatchObject({ name: 'StorageError', retryable: true });
        expect(proxy.stats.failed).toBe(1);
      }
    });
  });
});
