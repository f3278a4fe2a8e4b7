import { readBytes } from '@stowage/core';
import { expect } from 'vitest';
import { expectStorageError, getText } from '../assertions.js';
import type { Harness, Requirement } from '../harness.js';

const IF_NONE_MATCH: Requirement = [
  'writeIfNoneMatch',
  "create-only writes (ifNoneMatch: '*') are not available",
];
const IF_MATCH: Requirement = ['writeIfMatch', 'compare-and-swap writes (ifMatch) are not available'];
const READ_IF_MATCH: Requirement = ['readIfMatch', 'conditional reads (ifMatch) are not available'];

export function registerConditionalCases(h: Harness): void {
  h.case(
    "ifNoneMatch '*' creates a missing object",
    { requires: [IF_NONE_MATCH] },
    async ({ store, key }) => {
      const k = key('create');
      await store.put(k, 'created', { ifNoneMatch: '*' });
      expect(await getText(store, k)).toBe('created');
    },
  );

  h.case(
    "ifNoneMatch '*' on an existing key is AlreadyExists and keeps the old content",
    { requires: [IF_NONE_MATCH] },
    async ({ store, key }) => {
      const k = key('exists');
      await store.put(k, 'original');
      await expectStorageError(() => store.put(k, 'replacement', { ifNoneMatch: '*' }), 'AlreadyExists', {
        key: k,
        operation: 'put',
      });
      expect(await getText(store, k)).toBe('original');
    },
  );

  h.case(
    "of 8 racing ifNoneMatch '*' creates exactly one wins and its body is stored",
    { requires: [IF_NONE_MATCH] },
    async ({ store, key }) => {
      const k = key('race');
      const bodies = Array.from({ length: 8 }, (_, i) => `writer-${i}`);
      const results = await Promise.allSettled(bodies.map((b) => store.put(k, b, { ifNoneMatch: '*' })));
      const winners = results.flatMap((r, i) => (r.status === 'fulfilled' ? [i] : []));
      expect(winners, 'exactly one create succeeds').toHaveLength(1);
      for (const r of results) {
        if (r.status === 'rejected') {
          // A backend may report a lost race as a conflict instead of "exists"; both say "you lost".
          await expectStorageError(() => Promise.reject(r.reason), ['AlreadyExists', 'Conflict']);
        }
      }
      expect(await getText(store, k)).toBe(bodies[winners[0]!]);
    },
  );

  h.case(
    'ifMatch with the current etag replaces the object',
    { requires: [IF_MATCH] },
    async ({ store, key }) => {
      const k = key('cas');
      const first = await store.put(k, 'v1');
      const second = await store.put(k, 'v2', { ifMatch: first.etag });
      expect(await getText(store, k)).toBe('v2');
      expect(second.etag).not.toBe(first.etag);
    },
  );

  h.case(
    'ifMatch with a stale etag is PreconditionFailed and keeps the content',
    { requires: [IF_MATCH] },
    async ({ store, key }) => {
      const k = key('stale');
      const first = await store.put(k, 'v1');
      await store.put(k, 'v2');
      await expectStorageError(() => store.put(k, 'v3', { ifMatch: first.etag }), 'PreconditionFailed', {
        key: k,
        operation: 'put',
      });
      expect(await getText(store, k)).toBe('v2');
    },
  );

  h.case(
    'ifMatch on a missing key is PreconditionFailed and creates nothing',
    { requires: [IF_MATCH] },
    async ({ store, key }) => {
      const k = key('missing');
      await expectStorageError(
        () => store.put(k, 'v', { ifMatch: '"0123456789abcdef0123456789abcdef"' }),
        'PreconditionFailed',
        {
          key: k,
        },
      );
      expect(await store.exists(k)).toBe(false);
    },
  );

  h.case(
    'ifMatch accepts the etag with or without quotes',
    { requires: [IF_MATCH] },
    async ({ store, key }) => {
      const k = key('unquoted');
      const first = await store.put(k, 'v1');
      const bare = first.etag.replace(/^"|"$/g, '');
      await store.put(k, 'v2', { ifMatch: bare });
      expect(await getText(store, k)).toBe('v2');
    },
  );

  h.case(
    'of 6 racing compare-and-swaps from one etag exactly one wins',
    { requires: [IF_MATCH] },
    async ({ store, key }) => {
      const k = key('cas-race');
      const base = await store.put(k, 'base');
      const bodies = Array.from({ length: 6 }, (_, i) => `swap-${i}`);
      const results = await Promise.allSettled(bodies.map((b) => store.put(k, b, { ifMatch: base.etag })));
      const winners = results.flatMap((r, i) => (r.status === 'fulfilled' ? [i] : []));
      expect(winners, 'exactly one swap succeeds').toHaveLength(1);
      for (const r of results) {
        if (r.status === 'rejected')
          await expectStorageError(() => Promise.reject(r.reason), ['PreconditionFailed', 'Conflict']);
      }
      expect(await getText(store, k)).toBe(bodies[winners[0]!]);
    },
  );

  h.case(
    'an empty or blank ifMatch is InvalidInput on put, get and copy, and writes nothing',
    async ({ store, key }) => {
      // A blank etag would reach a server as `If-Match: ""` (matching nothing, or anything).
      const k = key('blank-etag');
      const original = await store.put(k, 'original');
      for (const etag of ['', '   ']) {
        await expectStorageError(() => store.put(k, 'replaced', { ifMatch: etag }), 'InvalidInput', {
          key: k,
          operation: 'put',
        });
        await expectStorageError(() => store.get(k, { ifMatch: etag }), 'InvalidInput', {
          operation: 'get',
        });
        await expectStorageError(() => store.copy(k, key('blank-copy'), { ifMatch: etag }), 'InvalidInput', {
          operation: 'copy',
        });
      }
      expect((await store.head(k)).etag).toBe(original.etag);
      expect(await store.exists(key('blank-copy'))).toBe(false);
    },
  );

  h.case("ifNoneMatch combined with ifMatch, or other than '*', is InvalidInput", async ({ store, key }) => {
    const k = key('both');
    await expectStorageError(() => store.put(k, 'x', { ifNoneMatch: '*', ifMatch: '"abc"' }), 'InvalidInput');
    await expectStorageError(() => store.put(k, 'x', { ifNoneMatch: '"abc"' as '*' }), 'InvalidInput');
    expect(await store.exists(k)).toBe(false);
  });

  h.case(
    'get with ifMatch of the current etag reads the object',
    { requires: [READ_IF_MATCH] },
    async ({ store, key }) => {
      const k = key('read');
      const info = await store.put(k, 'read me');
      expect((await readBytes(await store.get(k, { ifMatch: info.etag }))).toString()).toBe('read me');
    },
  );

  h.case(
    'get with a stale ifMatch is PreconditionFailed',
    { requires: [READ_IF_MATCH] },
    async ({ store, key }) => {
      const k = key('read-stale');
      const first = await store.put(k, 'one');
      await store.put(k, 'two');
      await expectStorageError(() => store.get(k, { ifMatch: first.etag }), 'PreconditionFailed', {
        key: k,
        operation: 'get',
      });
    },
  );
}
