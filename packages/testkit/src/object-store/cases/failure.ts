import { Readable, Transform } from 'node:stream';
import { readBytes } from '@stowage/core';
import { expect } from 'vitest';
import { deterministicBytes, deterministicStream } from '../../helpers/deterministic-stream.js';
import { expectStorageError, getBytes, getText } from '../assertions.js';
import type { Harness } from '../harness.js';

const KiB = 1024;
const MiB = KiB * KiB;

/**
 * A body of `total` bytes in 64 KiB chunks that calls `onPulled(bytes)` as it is read, so a
 * test can abort or fail the write part-way through.
 */
function instrumentedBody(total: number, onPulled: (bytes: number, stream: Readable) => void): Readable {
  let sent = 0;
  const chunk = Buffer.alloc(64 * KiB, 0x61);
  return new Readable({
    highWaterMark: 64 * KiB,
    read() {
      if (sent >= total) {
        this.push(null);
        return;
      }
      const n = Math.min(chunk.length, total - sent);
      sent += n;
      // Yield to the event loop between chunks so an abort can land mid-stream.
      setImmediate(() => {
        if (this.destroyed) return;
        this.push(chunk.subarray(0, n));
        onPulled(sent, this);
      });
    },
  });
}

/** Kinds a put may reject with when the caller's body fails: the cause is the stream, not the backend. */
const BODY_FAILURE_KINDS = ['Unexpected', 'InvalidInput', 'Integrity', 'Aborted', 'Unavailable'] as const;

/** `total` bytes that error with `message` once `failAt` bytes were pushed; one 64 KiB chunk in memory. */
function failingBody(total: number, failAt: number, message: string): Readable {
  return instrumentedBody(total, (sent, stream) => {
    if (sent >= failAt && !stream.destroyed) stream.destroy(new Error(message));
  });
}

/** A pass-through Transform fed by `source.pipe`, forwarding the source's error (a common wrapper). */
function piped(source: Readable): Readable {
  const through = new Transform({
    transform(chunk, _encoding, callback) {
      callback(null, chunk);
    },
  });
  source.on('error', (error) => through.destroy(error));
  return source.pipe(through);
}

/** Lets a stream's queued error and close events fire before the stream is handed over. */
const nextTick = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Runs `run`, failing the case with `message` instead of hanging when it does not settle in time. */
async function settlesWithin<T>(ms: number, run: () => Promise<T>, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${message} within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([run(), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Asserts the put failed because of the body, with the body's message in the StorageError's. */
async function expectBodyFailure(run: () => Promise<unknown>, key: string, message: string): Promise<void> {
  const error = await expectStorageError(run, BODY_FAILURE_KINDS, { key });
  expect(error.message, "the StorageError carries the stream's message").toContain(message);
}

export function registerFailureCases(h: Harness): void {
  h.case(
    'a put aborted mid-stream is Aborted and stores nothing',
    { timeout: 60_000 },
    async ({ store, key }) => {
      const k = key('aborted');
      const controller = new AbortController();
      const body = instrumentedBody(16 * 1024 * KiB, (sent) => {
        if (sent >= 256 * KiB && !controller.signal.aborted) controller.abort(new Error('user cancelled'));
      });
      await expectStorageError(() => store.put(k, body, { signal: controller.signal }), 'Aborted', {
        key: k,
      });
      expect(await store.exists(k)).toBe(false);
    },
  );

  h.case(
    'a put aborted mid-stream keeps the old object intact',
    { timeout: 60_000 },
    async ({ store, key }) => {
      const k = key('aborted-over');
      await store.put(k, 'old content');
      const controller = new AbortController();
      const body = instrumentedBody(16 * 1024 * KiB, (sent) => {
        if (sent >= 256 * KiB && !controller.signal.aborted) controller.abort();
      });
      await expectStorageError(() => store.put(k, body, { signal: controller.signal }), 'Aborted');
      expect(await getText(store, k)).toBe('old content');
    },
  );

  h.case(
    'a put whose body stream errors fails and stores nothing',
    { timeout: 60_000 },
    async ({ store, key }) => {
      const k = key('broken-stream');
      const body = instrumentedBody(16 * 1024 * KiB, (sent, stream) => {
        if (sent >= 256 * KiB) stream.destroy(new Error('disk read failed'));
      });
      await expectBodyFailure(() => store.put(k, body), k, 'disk read failed');
      expect(await store.exists(k)).toBe(false);
    },
  );

  h.case(
    'a put whose body stream errors keeps the old object intact',
    { timeout: 60_000 },
    async ({ store, key }) => {
      const k = key('broken-over');
      await store.put(k, 'survivor');
      const body = instrumentedBody(4 * 1024 * KiB, (sent, stream) => {
        if (sent >= 128 * KiB) stream.destroy(new Error('socket hang up'));
      });
      await expectBodyFailure(() => store.put(k, body), k, 'socket hang up');
      expect(await getText(store, k)).toBe('survivor');
    },
  );

  h.case('a web stream that errors fails the put and stores nothing', async ({ store, key }) => {
    const k = key('broken-web');
    let n = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (n++ < 3) controller.enqueue(new Uint8Array(1024).fill(1));
        else controller.error(new Error('upstream failed'));
      },
    });
    await expectBodyFailure(() => store.put(k, body), k, 'upstream failed');
    expect(await store.exists(k)).toBe(false);
  });

  // The cases above fail within the first 256 KiB, where adapters that buffer before choosing
  // a single request or a multipart upload (s3: up to its threshold) meet the error. These fail
  // half-way through the large-object size: past any such threshold, with parts already sent.
  h.case(
    'a put whose body stream errors past half the large-object size stores nothing',
    { timeout: 240_000 },
    async ({ store, caps, key, options }) => {
      const size = options.largeObjectBytes ?? 64 * MiB;
      const k = key('broken-late');
      const message = 'disk read failed half-way';
      const where = caps.multipart ? 'after multipart parts were uploaded' : 'late in the body';
      await expectBodyFailure(() => store.put(k, failingBody(size, size / 2, message)), k, message);
      expect(await store.exists(k), `a body failing ${where} left an object`).toBe(false);
    },
  );

  h.case(
    'a put whose body stream errors past half the large-object size keeps the old object intact',
    { timeout: 240_000 },
    async ({ store, caps, key, options }) => {
      const size = options.largeObjectBytes ?? 64 * MiB;
      const k = key('broken-late-over');
      const old = deterministicBytes(256 * KiB, 17);
      await store.put(k, old);
      const before = await store.head(k);
      const message = 'socket hang up half-way';
      const where = caps.multipart ? 'after multipart parts were uploaded' : 'late in the body';
      await expectBodyFailure(() => store.put(k, failingBody(size, size / 2, message)), k, message);
      const after = await getBytes(store, k);
      expect(after.length, `a body failing ${where} changed the old object's size`).toBe(old.length);
      expect(after.equals(old), `a body failing ${where} changed the old object's bytes`).toBe(true);
      expect((await store.head(k)).etag, 'the old etag').toBe(before.etag);
    },
  );

  h.case(
    'a Node stream that failed before put was called is rejected with its error and stores nothing',
    async ({ store, key }) => {
      const k = key('failed-early');
      const message = 'source failed before put';
      const body = failingBody(4 * MiB, 4 * MiB, message);
      // The error fires before anyone reads the stream: without a listener it is an uncaught
      // exception in any program.
      body.on('error', () => {});
      body.destroy(new Error(message));
      await nextTick();
      await expectBodyFailure(() => store.put(k, body), k, message);
      expect(await store.exists(k)).toBe(false);
    },
  );

  h.case(
    'a piped Transform whose source failed before put was called is rejected with its error and stores nothing',
    async ({ store, key }) => {
      const k = key('failed-early-piped');
      const message = 'piped source failed before put';
      const source = failingBody(4 * MiB, 4 * MiB, message);
      const body = piped(source);
      body.on('error', () => {});
      source.destroy(new Error(message));
      await nextTick();
      expect(body.destroyed, 'the wrapper saw its source fail').toBe(true);
      await expectBodyFailure(() => store.put(k, body), k, message);
      expect(await store.exists(k)).toBe(false);
    },
  );

  for (const [where, bytes] of [
    ['after 1 MiB', () => MiB],
    [
      'past the multipart threshold',
      (o: { largeObjectBytes?: number }) => Math.floor((o.largeObjectBytes ?? 64 * MiB) / 2),
    ],
  ] as const) {
    h.case(
      `a put waiting on a stream stalled ${where} settles as Aborted, destroys the stream and leaves the key usable`,
      { timeout: 120_000 },
      async ({ store, key, options }) => {
        const k = key('stalled');
        await store.put(k, 'old');
        // Some bytes, then nothing: the stream neither ends nor errors, as a hung upload would.
        const total = bytes(options);
        let pushed = 0;
        const body = new Readable({
          read() {
            if (pushed >= total) return;
            const n = Math.min(256 * KiB, total - pushed);
            pushed += n;
            this.push(Buffer.alloc(n, 0x62));
          },
        });
        const controller = new AbortController();
        const started = Date.now();
        const timer = setInterval(() => {
          // Abort once the store has taken everything there is, or after 20 s at the latest.
          if (pushed >= total || Date.now() - started > 20_000) {
            clearInterval(timer);
            setTimeout(() => controller.abort(new Error('user cancelled')), 100);
          }
        }, 20);
        const settled = (what: string, run: () => Promise<unknown>) =>
          settlesWithin(30_000, run, `${what} did not settle`);
        try {
          await settled('the aborted put', () =>
            expectStorageError(() => store.put(k, body, { signal: controller.signal }), 'Aborted', {
              key: k,
            }),
          );
        } finally {
          clearInterval(timer);
        }
        await settled('the stream being destroyed', async () => {
          while (!body.destroyed) await new Promise((r) => setTimeout(r, 10));
        });
        expect(await settled('a read after the abort', () => getText(store, k))).toBe('old');
        await settled('delete after the abort', () => store.delete(k));
        expect(await settled('exists after the delete', () => store.exists(k))).toBe(false);
        await settled('a new put after the abort', () => store.put(k, 'new'));
        expect(await getText(store, k)).toBe('new');
      },
    );
  }

  h.case('a timed-out signal is Timeout (retryable), on every operation', async ({ store, key }) => {
    const k = key('timed-out');
    await store.put(k, 'here');
    const signal = AbortSignal.timeout(1);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(signal.aborted).toBe(true);
    for (const [what, run] of [
      ['put', () => store.put(k, 'new', { signal })],
      ['get', () => store.get(k, { signal })],
      ['head', () => store.head(k, { signal })],
      ['delete', () => store.delete(k, { signal })],
      ['list', () => store.listPage({ prefix: k, signal })],
    ] as const) {
      const error = await expectStorageError(run, 'Timeout');
      expect(error.retryable, `${what}: Timeout is retryable`).toBe(true);
    }
    expect(await getText(store, k)).toBe('here');
  });

  h.case('a pre-aborted signal is Aborted before any I/O', async ({ store, key }) => {
    const k = key('pre-aborted');
    await store.put(key('existing'), 'here');
    const signal = AbortSignal.abort();
    let read = false;
    const body = new Readable({
      read() {
        read = true;
        this.push(null);
      },
    });
    await expectStorageError(() => store.put(k, body, { signal }), 'Aborted', { key: k });
    expect(read, 'the body was not read').toBe(false);
    body.destroy();
    await expectStorageError(() => store.put(k, 'text', { signal }), 'Aborted');
    expect(await store.exists(k)).toBe(false);
    await expectStorageError(() => store.get(key('existing'), { signal }), 'Aborted');
    await expectStorageError(() => store.head(key('existing'), { signal }), 'Aborted');
    await expectStorageError(() => store.delete(key('existing'), { signal }), 'Aborted');
    expect(await store.exists(key('existing')), 'aborted delete left the object').toBe(true);
  });

  h.case('aborting after get resolved fails the body instead of delivering it', async ({ store, key }) => {
    const k = key('read-abort');
    await store.put(k, deterministicStream(2 * 1024 * KiB, 3));
    const controller = new AbortController();
    const result = await store.get(k, { signal: controller.signal });
    controller.abort();
    const error = await readBytes(result.body).then(
      (bytes) => expect.fail(`the aborted body delivered ${bytes.length} bytes`),
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(Error);
    const kindOrName = (error as { kind?: string }).kind ?? (error as Error).name;
    expect(['Aborted', 'AbortError']).toContain(kindOrName);
  });

  h.case(
    'aborting a get whose body nobody reads yet is no crash; a later read sees Aborted',
    async ({ store, key }) => {
      const k = key('read-abort-unread');
      await store.put(k, Buffer.alloc(512 * KiB, 5));
      const controller = new AbortController();
      const result = await store.get(k, { signal: controller.signal });
      controller.abort();
      // Let the destroy's 'error' event fire with no listener attached (it must not be unhandled).
      await nextTick();
      await nextTick();
      const error = await readBytes(result.body).then(
        (bytes) => expect.fail(`the aborted body delivered ${bytes.length} bytes`),
        (e: unknown) => e,
      );
      const kindOrName = (error as { kind?: string }).kind ?? (error as Error).name;
      expect(['Aborted', 'AbortError']).toContain(kindOrName);
    },
  );

  h.case('aborting one read does not disturb another read of the same object', async ({ store, key }) => {
    const k = key('two-readers');
    await store.put(k, Buffer.alloc(512 * KiB, 7));
    const controller = new AbortController();
    const [aborted, healthy] = await Promise.all([store.get(k, { signal: controller.signal }), store.get(k)]);
    controller.abort();
    await expect(readBytes(aborted.body)).rejects.toThrow();
    expect((await readBytes(healthy.body)).length).toBe(512 * KiB);
  });
}
