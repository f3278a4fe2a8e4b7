import { Readable } from 'node:stream';
import { readBytes } from '@stowage/core';
import { expect } from 'vitest';
import { deterministicStream } from '../../helpers/deterministic-stream.js';
import { expectStorageError, getText } from '../assertions.js';
import type { Harness } from '../harness.js';

const KiB = 1024;

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
      // The cause is the caller's stream, not the backend; any StorageError kind except success is fine.
      await expectStorageError(
        () => store.put(k, body),
        ['Unexpected', 'InvalidInput', 'Integrity', 'Aborted', 'Unavailable'],
      );
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
      await expect(store.put(k, body)).rejects.toThrow();
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
    await expect(store.put(k, body)).rejects.toThrow();
    expect(await store.exists(k)).toBe(false);
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
