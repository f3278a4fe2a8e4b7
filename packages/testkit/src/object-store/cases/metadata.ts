import { Readable } from 'node:stream';
import { expect } from 'vitest';
import { expectStorageError } from '../assertions.js';
import type { Harness, Requirement } from '../harness.js';

const USER_METADATA: Requirement = ['userMetadata', 'user metadata is not stored'];
const CONTENT_HEADERS: Requirement = [
  'contentHeaders',
  'cache-control and content-disposition are not stored',
];
const VISIBILITY: Requirement = ['visibility', 'per-object visibility is not available'];

/** A body that records whether anything read it, to show a rejection happened before any I/O. */
function watchedBody(): { body: Readable; wasRead: () => boolean } {
  let read = false;
  const body = new Readable({
    read() {
      read = true;
      this.push(Buffer.from('payload'));
      this.push(null);
    },
  });
  return { body, wasRead: () => read };
}

export function registerMetadataCases(h: Harness): void {
  h.case(
    'user metadata round-trips through put and head',
    { requires: [USER_METADATA] },
    async ({ store, key }) => {
      const k = key('meta');
      const metadata = {
        owner: 'alice',
        'trace-id': 'abc-123',
        spaced: 'a value with spaces',
        sym: '!#$%&*+.^_`|~=;',
      };
      const put = await store.put(k, 'x', { metadata });
      expect(put.metadata).toEqual(metadata);
      expect((await store.head(k)).metadata).toEqual(metadata);
      const got = await store.get(k);
      got.body.resume();
      expect(got.info.metadata).toEqual(metadata);
    },
  );

  h.case('an empty metadata value round-trips', { requires: [USER_METADATA] }, async ({ store, key }) => {
    const k = key('empty-value');
    await store.put(k, 'x', { metadata: { empty: '', full: 'yes' } });
    expect((await store.head(k)).metadata).toEqual({ empty: '', full: 'yes' });
  });

  h.case('user metadata names are lower-cased', { requires: [USER_METADATA] }, async ({ store, key }) => {
    const k = key('case');
    await store.put(k, 'x', { metadata: { 'X-Custom-Name': 'Value Kept', UPPER: 'Y' } });
    expect((await store.head(k)).metadata).toEqual({ 'x-custom-name': 'Value Kept', upper: 'Y' });
  });

  h.case(
    'invalid metadata names are InvalidInput before any I/O',
    { requires: [USER_METADATA] },
    async ({ store, key }) => {
      const k = key('bad-name');
      for (const name of ['has space', 'colon:name', 'ünïcode', '', 'slash/name', 'new\nline']) {
        const { body, wasRead } = watchedBody();
        await expectStorageError(() => store.put(k, body, { metadata: { [name]: 'v' } }), 'InvalidInput');
        expect(wasRead(), `body read before rejecting metadata name ${JSON.stringify(name)}`).toBe(false);
        body.destroy();
      }
      expect(await store.exists(k)).toBe(false);
    },
  );

  h.case(
    'non-ASCII or control characters in metadata values are InvalidInput',
    { requires: [USER_METADATA] },
    async ({ store, key }) => {
      const k = key('bad-value');
      await expectStorageError(() => store.put(k, 'x', { metadata: { name: 'naïve' } }), 'InvalidInput');
      await expectStorageError(
        () => store.put(k, 'x', { metadata: { name: 'line\nbreak' } }),
        'InvalidInput',
      );
      expect(await store.exists(k)).toBe(false);
    },
  );

  h.case(
    'metadata names equal ignoring case are InvalidInput',
    { requires: [USER_METADATA] },
    async ({ store, key }) => {
      const k = key('dupe');
      await expectStorageError(
        () => store.put(k, 'x', { metadata: { Name: 'a', name: 'b' } }),
        'InvalidInput',
      );
      expect(await store.exists(k)).toBe(false);
    },
  );

  h.case('metadata over 2 KiB is InvalidInput', { requires: [USER_METADATA] }, async ({ store, key }) => {
    const k = key('big-meta');
    await expectStorageError(
      () => store.put(k, 'x', { metadata: { big: 'v'.repeat(2100) } }),
      'InvalidInput',
    );
    expect(await store.exists(k)).toBe(false);
  });

  h.case('contentType round-trips exactly', async ({ store, key }) => {
    for (const [name, type] of [
      ['a', 'text/plain; charset=utf-8'],
      ['b', 'application/vnd.stowage.test+json'],
      ['c.png', 'text/csv'],
    ] as const) {
      const k = key(name);
      await store.put(k, 'x', { contentType: type });
      expect((await store.head(k)).contentType, k).toBe(type);
    }
  });

  h.case('a missing contentType is inferred alike on every store', async ({ store, key }) => {
    // By extension, then (for in-memory bodies) by magic bytes; a stream is typed by its key.
    const png = Buffer.from('89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489', 'hex');
    const cases: Array<[name: string, body: string | Buffer | Readable, type: string]> = [
      ['doc.json', '{"a":1}', 'application/json; charset=utf-8'],
      ['page.html', '<p>hi</p>', 'text/html; charset=utf-8'],
      ['style.css', Readable.from([Buffer.from('a{}')]), 'text/css; charset=utf-8'],
      ['image-without-extension', png, 'image/png'],
      ['unknown.zzq', 'x', 'application/octet-stream'],
      ['stream-without-extension', Readable.from([png]), 'application/octet-stream'],
    ];
    for (const [name, body, type] of cases) {
      const k = key(name);
      const put = await store.put(k, body);
      expect(put.contentType, `put ${name}`).toBe(type);
      expect((await store.head(k)).contentType, `head ${name}`).toBe(type);
    }
  });

  h.case(
    'cacheControl and contentDisposition round-trip',
    { requires: [CONTENT_HEADERS] },
    async ({ store, key }) => {
      const k = key('headers');
      const cacheControl = 'public, max-age=31536000, immutable';
      const contentDisposition = 'attachment; filename="report 2024.pdf"';
      const put = await store.put(k, 'x', { cacheControl, contentDisposition });
      expect(put.cacheControl).toBe(cacheControl);
      expect(put.contentDisposition).toBe(contentDisposition);
      const head = await store.head(k);
      expect(head.cacheControl).toBe(cacheControl);
      expect(head.contentDisposition).toBe(contentDisposition);
    },
  );

  h.case('objects are private unless asked otherwise', async ({ store, key }) => {
    const k = key('default-private');
    expect((await store.put(k, 'x')).visibility).toBe('private');
    expect((await store.head(k)).visibility).toBe('private');
  });

  h.case(
    'public visibility round-trips and can be set back to private',
    { requires: [VISIBILITY] },
    async ({ store, key }) => {
      const k = key('public');
      expect((await store.put(k, 'x', { visibility: 'public' })).visibility).toBe('public');
      expect((await store.head(k)).visibility).toBe('public');
      await store.put(k, 'y', { visibility: 'private' });
      expect((await store.head(k)).visibility).toBe('private');
    },
  );

  h.case('an unknown visibility is InvalidInput', async ({ store, key }) => {
    const k = key('bad-visibility');
    await expectStorageError(() => store.put(k, 'x', { visibility: 'world' as 'public' }), 'InvalidInput');
    expect(await store.exists(k)).toBe(false);
  });
}
