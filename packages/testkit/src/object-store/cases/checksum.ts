import { Readable } from 'node:stream';
import { sha256Hex } from '@stowage/kit';
import { expect } from 'vitest';
import { expectStorageError, getText, QUOTED_ETAG } from '../assertions.js';
import type { Harness, Requirement } from '../harness.js';

const SHA256: Requirement = ['sha256', 'sha256 is neither verified on put nor reported on head'];

export function registerChecksumCases(h: Harness): void {
  // One key, written twice: a router over several backends (hybrid) may keep two keys on
  // backends whose etags differ, but one key always lands on one backend.
  h.case('rewriting the same content gives the same etag', async ({ store, key }) => {
    const k = key('same');
    const a = await store.put(k, 'identical content');
    const b = await store.put(k, 'identical content');
    expect(a.etag).toMatch(QUOTED_ETAG);
    expect(b.etag).toBe(a.etag);
    expect((await store.head(k)).etag).toBe(a.etag);
  });

  h.case('different content gets a different etag', async ({ store, key }) => {
    const k = key('changes');
    const a = await store.put(k, 'content one');
    const b = await store.put(k, 'content two');
    expect(b.etag).not.toBe(a.etag);
    expect((await store.head(k)).etag).toBe(b.etag);
  });

  h.case(
    'a correct sha256 is accepted and head reports it',
    { requires: [SHA256] },
    async ({ store, key }) => {
      const k = key('sha');
      const body = 'checksummed body';
      const sha256 = sha256Hex(body);
      const put = await store.put(k, body, { sha256 });
      expect(put.sha256).toBe(sha256);
      expect((await store.head(k)).sha256).toBe(sha256);
    },
  );

  h.case('a correct sha256 on a stream body is accepted', { requires: [SHA256] }, async ({ store, key }) => {
    const k = key('sha-stream');
    const parts = [Buffer.from('part one, '), Buffer.from('part two')];
    const sha256 = sha256Hex(Buffer.concat(parts));
    await store.put(k, Readable.from(parts), { sha256 });
    expect((await store.head(k)).sha256).toBe(sha256);
  });

  h.case('a wrong sha256 is Integrity and stores nothing', { requires: [SHA256] }, async ({ store, key }) => {
    const k = key('wrong');
    await expectStorageError(
      () => store.put(k, 'actual body', { sha256: sha256Hex('other body') }),
      'Integrity',
      { key: k },
    );
    expect(await store.exists(k)).toBe(false);
  });

  h.case(
    'a wrong sha256 on a stream is Integrity and keeps the old object',
    { requires: [SHA256] },
    async ({ store, key }) => {
      const k = key('wrong-over');
      await store.put(k, 'old body');
      await expectStorageError(
        () => store.put(k, Readable.from([Buffer.from('new body')]), { sha256: sha256Hex('something else') }),
        'Integrity',
        { key: k },
      );
      expect(await getText(store, k)).toBe('old body');
    },
  );

  h.case('a malformed sha256 is InvalidInput', async ({ store, key, caps }) => {
    const k = key('malformed');
    // Without the capability, refusing the option as Unsupported is also a correct answer.
    await expectStorageError(
      () => store.put(k, 'x', { sha256: 'not-hex' }),
      caps.sha256 ? 'InvalidInput' : ['InvalidInput', 'Unsupported'],
    );
    expect(await store.exists(k)).toBe(false);
  });
}
