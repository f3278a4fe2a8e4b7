import { sha256Hex } from '@stowage/kit';
import { expect } from 'vitest';
import { deterministicBytes, deterministicStream } from '../../helpers/deterministic-stream.js';
import { sha256OfStream } from '../../helpers/sha256-of-stream.js';
import { expectObjectInfo, expectStorageError, getText } from '../assertions.js';
import type { Harness, Requirement } from '../harness.js';

const USER_METADATA: Requirement = ['userMetadata', 'user metadata is not stored'];
const IF_NONE_MATCH: Requirement = [
  'writeIfNoneMatch',
  "create-only writes (ifNoneMatch: '*') are not available",
];
const VISIBILITY: Requirement = ['visibility', 'per-object visibility is not available'];
const READ_IF_MATCH: Requirement = ['readIfMatch', 'conditional reads (ifMatch) are not available'];

export function registerCopyMoveCases(h: Harness): void {
  h.case('copy duplicates content, content type and metadata', async ({ store, key, caps }) => {
    const from = key('src');
    const to = key('dst');
    const metadata = caps.userMetadata ? { origin: 'copy-test' } : undefined;
    const src = await store.put(from, 'copy me', {
      contentType: 'text/x-copied',
      ...(metadata ? { metadata } : {}),
    });
    const copied = await store.copy(from, to);
    expectObjectInfo(copied, to, src.size);
    expect(await getText(store, to)).toBe('copy me');
    const head = await store.head(to);
    expect(head.contentType).toBe('text/x-copied');
    expect(head.metadata).toEqual(metadata ?? {});
    expect(await getText(store, from), 'source untouched').toBe('copy me');
  });

  h.case(
    'copy with new metadata replaces the metadata',
    { requires: [USER_METADATA] },
    async ({ store, key }) => {
      const from = key('src');
      const to = key('dst');
      await store.put(from, 'body', { metadata: { old: '1', keep: 'no' }, contentType: 'text/plain' });
      const copied = await store.copy(from, to, { metadata: { fresh: '2' }, contentType: 'text/markdown' });
      expect(copied.metadata).toEqual({ fresh: '2' });
      const head = await store.head(to);
      expect(head.metadata).toEqual({ fresh: '2' });
      expect(head.contentType).toBe('text/markdown');
      expect((await store.head(from)).metadata).toEqual({ old: '1', keep: 'no' });
    },
  );

  h.case(
    'copy replacing only metadata keeps the content headers',
    { requires: [USER_METADATA] },
    async ({ store, key, caps }) => {
      const headers = caps.contentHeaders
        ? { cacheControl: 'max-age=120', contentDisposition: 'inline' }
        : {};
      await store.put(key('src'), 'body', { contentType: 'image/x-kept', metadata: { a: '1' }, ...headers });
      await store.copy(key('src'), key('dst'), { metadata: { b: '2' } });
      const head = await store.head(key('dst'));
      expect(head.metadata).toEqual({ b: '2' });
      expect(head.contentType).toBe('image/x-kept');
      if (caps.contentHeaders) {
        expect(head.cacheControl).toBe('max-age=120');
        expect(head.contentDisposition).toBe('inline');
      }
    },
  );

  h.case(
    'copy keeps a public object public unless told otherwise',
    { requires: [VISIBILITY] },
    async ({ store, key }) => {
      await store.put(key('src'), 'shared', { visibility: 'public' });
      expect((await store.copy(key('src'), key('kept'))).visibility).toBe('public');
      expect((await store.head(key('kept'))).visibility).toBe('public');
      await store.copy(key('src'), key('private'), { visibility: 'private' });
      expect((await store.head(key('private'))).visibility).toBe('private');
      await store.move(key('src'), key('moved'));
      expect((await store.head(key('moved'))).visibility).toBe('public');
    },
  );

  h.case(
    'copying a key onto itself with new metadata updates the metadata',
    { requires: [USER_METADATA] },
    async ({ store, key }) => {
      const k = key('self');
      await store.put(k, 'unchanged body', { metadata: { version: '1' }, contentType: 'text/x-self' });
      await store.copy(k, k, { metadata: { version: '2' } });
      const head = await store.head(k);
      expect(head.metadata).toEqual({ version: '2' });
      expect(head.contentType).toBe('text/x-self');
      expect(await getText(store, k)).toBe('unchanged body');
    },
  );

  h.case('copy overwrites an existing destination', async ({ store, key }) => {
    await store.put(key('src'), 'new content');
    await store.put(key('dst'), 'old content');
    await store.copy(key('src'), key('dst'));
    expect(await getText(store, key('dst'))).toBe('new content');
  });

  h.case('copy of a missing source is NotFound and creates nothing', async ({ store, key }) => {
    const from = key('missing');
    await expectStorageError(() => store.copy(from, key('dst')), 'NotFound', {
      key: from,
      operation: 'copy',
    });
    expect(await store.exists(key('dst'))).toBe(false);
  });

  h.case(
    "copy with ifNoneMatch '*' onto an existing destination is AlreadyExists",
    { requires: [IF_NONE_MATCH] },
    async ({ store, key }) => {
      await store.put(key('src'), 'source');
      await store.put(key('dst'), 'kept');
      await expectStorageError(
        () => store.copy(key('src'), key('dst'), { ifNoneMatch: '*' }),
        'AlreadyExists',
      );
      expect(await getText(store, key('dst'))).toBe('kept');
      await store.copy(key('src'), key('fresh'), { ifNoneMatch: '*' });
      expect(await getText(store, key('fresh'))).toBe('source');
    },
  );

  h.case(
    'copy with a stale source ifMatch is PreconditionFailed',
    { requires: [READ_IF_MATCH] },
    async ({ store, key }) => {
      const first = await store.put(key('src'), 'one');
      const second = await store.put(key('src'), 'two');
      await expectStorageError(
        () => store.copy(key('src'), key('dst'), { ifMatch: first.etag }),
        'PreconditionFailed',
      );
      expect(await store.exists(key('dst'))).toBe(false);
      await store.copy(key('src'), key('dst'), { ifMatch: second.etag });
      expect(await getText(store, key('dst'))).toBe('two');
    },
  );

  h.case('copy of an 8 MiB object is intact', { timeout: 120_000 }, async ({ store, key }) => {
    const size = 8 * 1024 * 1024 + 1;
    await store.put(key('big'), deterministicStream(size, 8));
    const info = await store.copy(key('big'), key('big-copy'));
    expect(info.size).toBe(size);
    const got = await sha256OfStream((await store.get(key('big-copy'))).body);
    expect(got).toEqual({ sha256: sha256Hex(deterministicBytes(size, 8)), bytes: size });
  });

  h.case('move puts the object at the destination and removes the source', async ({ store, key, caps }) => {
    const metadata = caps.userMetadata ? { moved: 'yes' } : undefined;
    await store.put(key('from'), 'moving', {
      contentType: 'text/x-moved',
      ...(metadata ? { metadata } : {}),
    });
    const info = await store.move(key('from'), key('to'));
    expect(info.key).toBe(key('to'));
    expect(await getText(store, key('to'))).toBe('moving');
    expect(await store.exists(key('from'))).toBe(false);
    const head = await store.head(key('to'));
    expect(head.contentType).toBe('text/x-moved');
    expect(head.metadata).toEqual(metadata ?? {});
  });

  h.case('move overwrites an existing destination', async ({ store, key }) => {
    await store.put(key('from'), 'newer');
    await store.put(key('to'), 'older');
    await store.move(key('from'), key('to'));
    expect(await getText(store, key('to'))).toBe('newer');
    expect(await store.exists(key('from'))).toBe(false);
  });

  h.case(
    'move of a missing source is NotFound and leaves the destination untouched',
    async ({ store, key }) => {
      await store.put(key('to'), 'untouched');
      await expectStorageError(() => store.move(key('missing'), key('to')), 'NotFound', {
        key: key('missing'),
      });
      expect(await getText(store, key('to'))).toBe('untouched');
    },
  );

  h.case(
    "move with ifNoneMatch '*' onto an existing destination keeps both",
    { requires: [IF_NONE_MATCH] },
    async ({ store, key }) => {
      await store.put(key('from'), 'source');
      await store.put(key('to'), 'destination');
      await expectStorageError(
        () => store.move(key('from'), key('to'), { ifNoneMatch: '*' }),
        'AlreadyExists',
      );
      expect(await getText(store, key('from'))).toBe('source');
      expect(await getText(store, key('to'))).toBe('destination');
    },
  );
}
