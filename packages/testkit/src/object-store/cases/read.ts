import { readBytes } from '@stowage/core';
import { expect } from 'vitest';
import { expectObjectInfo, expectStorageError, getBytes, getText } from '../assertions.js';
import type { Harness } from '../harness.js';

export function registerReadCases(h: Harness): void {
  h.case('get returns the bytes and info of a stored object', async ({ store, key }) => {
    const k = key('bytes.bin');
    const body = Buffer.from([0, 1, 2, 253, 254, 255]);
    await store.put(k, body);
    const result = await store.get(k);
    expectObjectInfo(result.info, k, body.length);
    expect(result.range).toBeUndefined();
    expect(await readBytes(result.body)).toEqual(body);
  });

  h.case('get returns text as UTF-8', async ({ store, key }) => {
    const k = key('text');
    const text = 'héllo wörld — 日本語 😀';
    await store.put(k, text);
    expect(await getText(store, k)).toBe(text);
  });

  h.case('head reports size, quoted etag, lastModified, metadata and visibility', async ({ store, key }) => {
    const k = key('head');
    const put = await store.put(k, 'hello');
    const info = await store.head(k);
    expectObjectInfo(info, k, 5);
    expect(info.etag).toBe(put.etag);
    expect(info.metadata).toEqual({});
    expect(info.visibility).toBe('private');
    expect(put.key).toBe(k);
    expect(put.size).toBe(5);
  });

  h.case('put returns the same info head reports', async ({ store, key }) => {
    const k = key('put-info');
    const put = await store.put(k, 'same', { contentType: 'text/plain' });
    const info = await store.head(k);
    expect(put.etag).toBe(info.etag);
    expect(put.size).toBe(info.size);
    expect(put.contentType).toBe(info.contentType);
    // Backends report whole seconds and a put may read its own clock: allow rounding and small skew.
    expect(Math.abs(put.lastModified.getTime() - info.lastModified.getTime())).toBeLessThan(5000);
  });

  h.case('get reports the same info as head', async ({ store, key, caps }) => {
    const k = key('same-info.txt');
    await store.put(k, 'info', {
      contentType: 'text/plain',
      ...(caps.userMetadata ? { metadata: { m: 'v' } } : {}),
      ...(caps.contentHeaders ? { cacheControl: 'no-cache' } : {}),
    });
    const head = await store.head(k);
    const got = await store.get(k);
    got.body.resume();
    expect(got.info.etag).toBe(head.etag);
    expect(got.info.size).toBe(head.size);
    expect(got.info.contentType).toBe(head.contentType);
    expect(got.info.metadata).toEqual(head.metadata);
    expect(got.info.cacheControl).toBe(head.cacheControl);
    expect(got.info.visibility).toBe(head.visibility);
  });

  h.case(
    'content type defaults to application/octet-stream for a key without extension',
    async ({ store, key }) => {
      const k = key('no-extension');
      await store.put(k, Buffer.from([7, 7, 7, 7]));
      expect((await store.head(k)).contentType).toBe('application/octet-stream');
    },
  );

  h.case(
    'content type of an unlabelled .json key is octet-stream or inferred as JSON',
    async ({ store, key }) => {
      const k = key('doc.json');
      await store.put(k, '{"a":1}');
      const type = (await store.head(k)).contentType;
      expect(type === 'application/octet-stream' || type.startsWith('application/json'), type).toBe(true);
    },
  );

  h.case('exists is true for a stored object and false for a missing one', async ({ store, key }) => {
    const k = key('here');
    await store.put(k, 'x');
    expect(await store.exists(k)).toBe(true);
    expect(await store.exists(key('not-here'))).toBe(false);
  });

  h.case('get of a missing key is NotFound with kind, key, operation and backend', async ({ store, key }) => {
    const k = key('missing');
    await expectStorageError(() => store.get(k), 'NotFound', { key: k, operation: 'get' });
  });

  h.case(
    'head of a missing key is NotFound with kind, key, operation and backend',
    async ({ store, key }) => {
      const k = key('missing');
      await expectStorageError(() => store.head(k), 'NotFound', { key: k, operation: 'head' });
    },
  );

  h.case('NotFound is not retryable', async ({ store, key }) => {
    const error = await expectStorageError(() => store.head(key('missing')), 'NotFound');
    expect(error.retryable).toBe(false);
  });

  h.case('a "folder" (a prefix of stored keys) is not an object', async ({ store, key }) => {
    await store.put(key('dir/file.txt'), 'inside');
    const folder = key('dir');
    await expectStorageError(() => store.get(folder), 'NotFound', { key: folder });
    await expectStorageError(() => store.head(folder), 'NotFound', { key: folder });
    expect(await store.exists(folder)).toBe(false);
  });

  h.case('two concurrent reads of one object both get all the bytes', async ({ store, key }) => {
    const k = key('shared');
    const body = Buffer.alloc(256 * 1024, 'abcdefgh');
    await store.put(k, body);
    const [a, b] = await Promise.all([store.get(k), store.get(k)]);
    const [bytesA, bytesB] = await Promise.all([readBytes(a.body), readBytes(b.body)]);
    expect(bytesA.equals(body)).toBe(true);
    expect(bytesB.equals(body)).toBe(true);
  });

  h.case('get body can be destroyed unread and the object read again', async ({ store, key }) => {
    const k = key('destroy');
    await store.put(k, Buffer.alloc(128 * 1024, 1));
    const first = await store.get(k);
    first.body.destroy();
    expect((await getBytes(store, k)).length).toBe(128 * 1024);
  });
}
