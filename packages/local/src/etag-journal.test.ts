import { createHash } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ObjectSummary } from '@stowage/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LocalObjectStore } from './local-object-store.js';
import { journalName } from './reserved-names.js';

// The journal is a cache of etags for listings in a fresh process: these tests prove a
// listing through it gives what put returned, and never trusts a record for other bytes.

let root: string;
beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'stowage-journal-'));
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

async function listAll(store: LocalObjectStore, prefix = ''): Promise<Map<string, ObjectSummary>> {
  const out = new Map<string, ObjectSummary>();
  for await (const entry of store.list({ prefix })) if ('key' in entry) out.set(entry.key, entry);
  return out;
}

/** Local etags are the first 128 bits of the body's sha256 (sha256-etag.ts). */
const etagOf = (bytes: string): string =>
  `"${createHash('sha256').update(bytes).digest('hex').slice(0, 32)}"`;

describe('etag journal', () => {
  it('a fresh store lists the etag and lastModified each put returned, from the journal', async () => {
    const writer = new LocalObjectStore({ root, fsync: false });
    const put = new Map<string, { etag: string; lastModified: number }>();
    for (let i = 0; i < 40; i++) {
      const key = `d${i % 3}/k${i}${i % 5 === 0 ? '.bin' : '.txt'}`;
      const body = i % 7 === 0 ? Buffer.alloc(100_000, i) : `body ${i}`;
      const info = await writer.put(key, body, i % 4 === 0 ? { metadata: { n: String(i) } } : {});
      put.set(key, { etag: info.etag, lastModified: info.lastModified.getTime() });
    }
    await writer.copy('d0/k0.bin', 'd1/copied.bin');
    await writer.move('d0/k3.txt', 'd2/moved.txt');
    for (const [to, from] of [
      ['d1/copied.bin', 'd0/k0.bin'],
      ['d2/moved.txt', 'd0/k3.txt'],
    ] as const) {
      const info = await writer.head(to);
      put.set(to, { etag: info.etag, lastModified: info.lastModified.getTime() });
      if (to === 'd2/moved.txt') put.delete(from);
    }
    // Let the journal appends (not awaited without fsync) land.
    await new Promise((resolve) => setTimeout(resolve, 50));
    for (const dir of ['d0', 'd1', 'd2']) expect(await readdir(join(root, dir))).toContain(journalName());

    const fresh = new LocalObjectStore({ root, fsync: false });
    const listed = await listAll(fresh);
    expect([...listed.keys()].sort()).toEqual([...put.keys()].sort());
    for (const [key, want] of put) {
      expect(listed.get(key)?.etag, key).toBe(want.etag);
      expect(listed.get(key)?.lastModified.getTime(), key).toBe(want.lastModified);
    }
  });

  it('a body replaced by hand is described from its bytes, not from the record of the old ones', async () => {
    const writer = new LocalObjectStore({ root, fsync: false });
    await writer.put('a/x.txt', 'original');
    await writer.put('a/y.txt', 'kept');
    await new Promise((resolve) => setTimeout(resolve, 50));
    // Same size, other bytes, written in place by something that is not Stowage.
    await writeFile(join(root, 'a/x.txt'), 'replaced');
    const listed = await listAll(new LocalObjectStore({ root, fsync: false }));
    expect(listed.get('a/x.txt')?.etag).toBe(etagOf('replaced'));
    expect(listed.get('a/y.txt')?.etag).toBe(etagOf('kept'));
  });

  it('a garbled journal is skipped line by line; the journal never shows up as a key', async () => {
    const writer = new LocalObjectStore({ root, fsync: false });
    await writer.put('b/one.txt', 'one');
    await new Promise((resolve) => setTimeout(resolve, 50));
    const path = join(root, 'b', journalName());
    const text = await readFile(path, 'latin1');
    await writeFile(path, `garbage line\n1:2:3 4 nothex\n${text}\0\0\0torn`);
    const listed = await listAll(new LocalObjectStore({ root, fsync: false }));
    expect([...listed.keys()]).toEqual(['b/one.txt']);
    expect(listed.get('b/one.txt')?.etag).toBe(etagOf('one'));
  });

  it('nothing of a put or a listing outlives it: the root can be removed at once, every time', async () => {
    for (let round = 0; round < 5; round++) {
      const dir = join(root, `r${round}`);
      const store = new LocalObjectStore({ root: dir, fsync: false });
      await Promise.all(Array.from({ length: 40 }, (_, i) => store.put(`f${i % 4}/k${i}.txt`, `v${i}`)));
      await writeFile(join(dir, 'f0', 'by-hand.txt'), 'no record yet');
      await listAll(new LocalObjectStore({ root: dir, fsync: false }));
      await rm(dir, { recursive: true }); // ENOTEMPTY if a journal write were still landing
    }
  });

  // Appends go through a descriptor held for up to a second (one write per batch): these
  // prove it never keeps writing to a journal that is no longer the directory's.
  const journalOf = (dir: string) => readFile(join(root, dir, journalName()), 'latin1').catch(() => '');
  const hexOf = (etag: string) => etag.slice(1, -1);

  it('a folder pruned and made again at once records its new bodies in its new journal', async () => {
    const store = new LocalObjectStore({ root, fsync: false });
    await store.put('p/old.txt', 'old');
    await store.delete('p/old.txt');
    expect(await readdir(root)).toEqual([]);
    const info = await store.put('p/new.txt', 'new');
    expect(await journalOf('p')).toContain(hexOf(info.etag));
  });

  it('records appended after a compaction land in the compacted journal', async () => {
    const store = new LocalObjectStore({ root, fsync: false });
    for (let i = 0; i < 100; i++) await store.put('c/same.txt', `v${i}`);
    const before = (await journalOf('c')).split('\n').length;
    // 100 lines, 1 live: a listing that reads the journal (a fresh store's) rewrites it.
    await listAll(new LocalObjectStore({ root, fsync: false }));
    expect((await journalOf('c')).split('\n').length).toBeLessThan(before);
    const info = await store.put('c/after.txt', 'after');
    expect(await journalOf('c')).toContain(hexOf(info.etag));
  });

  it('a journal removed behind the store is written again within a second', async () => {
    const store = new LocalObjectStore({ root, fsync: false });
    await store.put('r/one.txt', 'one');
    await rm(join(root, 'r', journalName())); // another process's compaction or prune
    await new Promise((resolve) => setTimeout(resolve, 1100));
    const info = await store.put('r/two.txt', 'two');
    expect(await journalOf('r')).toContain(hexOf(info.etag));
    const listed = await listAll(new LocalObjectStore({ root, fsync: false }));
    expect(listed.get('r/one.txt')?.etag).toBe(etagOf('one'));
    expect(listed.get('r/two.txt')?.etag).toBe(info.etag);
  });

  it('deleting the last object of a directory removes the directory, journal and all', async () => {
    const store = new LocalObjectStore({ root, fsync: true });
    await store.put('gone/deep/obj.txt', 'x');
    await store.delete('gone/deep/obj.txt');
    expect(await readdir(root)).toEqual([]);
  });
});
