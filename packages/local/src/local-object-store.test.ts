import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import {
  isCommonPrefix,
  isStorageError,
  type ListPageOptions,
  type ObjectStore,
  readBytes,
} from '@stowage/core';
import { md5Hex, sha256Hex } from '@stowage/kit';
import { ManualClock, MemoryObjectStore } from '@stowage/memory';
import { collect, expectStorageError } from '@stowage/testkit';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalObjectStore } from './local-object-store.js';

let base: string;
let n = 0;

beforeAll(async () => {
  base = await mkdtemp(join(tmpdir(), 'stowage-local-unit-'));
});
afterAll(async () => {
  await rm(base, { recursive: true, force: true });
});

/** The local store's etag: the quoted first 128 bits of the sha256. */
function sha256Etag(body: string): string {
  return `"${sha256Hex(body).slice(0, 32)}"`;
}

function freshRoot(): string {
  return join(base, `root-${n++}`);
}

async function reservedFilesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
  return entries.filter((e) => e.name.startsWith('.stowage-tmp-')).map((e) => e.name);
}

describe('options', () => {
  it('a root that is a file is ConfigInvalid on first use', async () => {
    const file = join(base, 'a-file');
    await writeFile(file, 'x');
    const store = new LocalObjectStore({ root: file });
    const error = await expectStorageError(() => store.put('k', 'v'), 'ConfigInvalid');
    expect(error.message).toContain('Invalid local configuration: root: is not a usable directory');
    // The message may reach an HTTP client of the local server: it names no path.
    expect(error.message).not.toContain(base);
  });

  it('declares presign only with signing, and fileFolderConflict', async () => {
    const plain = new LocalObjectStore({ root: freshRoot() });
    expect(plain.capabilities).toMatchObject({
      presignGet: false,
      presignPut: false,
      fileFolderConflict: true,
    });
    await expectStorageError(() => plain.presignGet('k', { expiresIn: 60 }), 'Unsupported');
    const signed = new LocalObjectStore({
      root: freshRoot(),
      signing: { secret: 's'.repeat(32), baseUrl: 'http://127.0.0.1:1/' },
    });
    expect(signed.capabilities).toMatchObject({ presignGet: true, presignPut: true, multipart: false });
  });
});

describe('layout on disk', () => {
  it('stores each object at its natural path, byte for byte, with a hidden sidecar', async () => {
    const root = freshRoot();
    const store = new LocalObjectStore({ root });
    await store.put('photos/2024/cat 🐱.jpg', 'meow', { metadata: { owner: 'ann' } });
    expect(await readFile(join(root, 'photos/2024/cat 🐱.jpg'), 'utf8')).toBe('meow');
    const names = await readdir(join(root, 'photos/2024'));
    expect(names.filter((x) => !x.startsWith('.'))).toEqual(['cat 🐱.jpg']);
    const sidecars = names.filter((x) => x.startsWith('.stowage-meta-'));
    expect(sidecars).toHaveLength(1);
    const sidecar = JSON.parse(await readFile(join(root, 'photos/2024', sidecars[0]!), 'utf8'));
    expect(sidecar.name).toBe('cat 🐱.jpg');
    expect(sidecar.entries[0]).toMatchObject({
      etag: sha256Etag('meow'),
      sha256: sha256Hex('meow'),
      metadata: { owner: 'ann' },
      visibility: 'private',
      id: { size: 4 },
    });
  });

  it("keeps the replaced body's entry beside the new one, so either body is described at every instant", async () => {
    const root = freshRoot();
    const store = new LocalObjectStore({ root });
    await store.put('k.txt', 'one', { metadata: { v: '1' } });
    await store.put('k.txt', 'two!', { metadata: { v: '2' } });
    const dirNames = await readdir(root);
    const sidecar = JSON.parse(
      await readFile(join(root, dirNames.find((x) => x.startsWith('.stowage-meta-'))!), 'utf8'),
    );
    expect(sidecar.entries.map((e: { metadata: { v: string } }) => e.metadata.v)).toEqual(['2', '1']);
  });
});

describe('sidecars that do not match their body are ignored', () => {
  it("a body replaced behind the store's back is reported with defaults and fresh hashes", async () => {
    const root = freshRoot();
    const clock = new ManualClock(new Date('2025-01-01T00:00:00Z'));
    const store = new LocalObjectStore({ root, clock });
    await store.put('doc.json', '{"a":1}', {
      contentType: 'application/x-old',
      metadata: { v: '1' },
      visibility: 'public',
    });
    expect((await store.head('doc.json')).metadata).toEqual({ v: '1' });
    // Same size, different bytes: only the identity check (inode, mtime) can tell.
    await writeFile(join(root, 'doc.json.new'), '{"a":2}');
    const { rename } = await import('node:fs/promises');
    await rename(join(root, 'doc.json.new'), join(root, 'doc.json'));
    for (const s of [store, new LocalObjectStore({ root, clock })]) {
      const info = await s.head('doc.json');
      expect(info.metadata).toEqual({});
      expect(info.visibility).toBe('private');
      expect(info.contentType).toBe('application/json; charset=utf-8');
      expect(info.etag).toBe(sha256Etag('{"a":2}'));
      expect(info.sha256).toBe(sha256Hex('{"a":2}'));
      expect((await readBytes(await s.get('doc.json'))).toString()).toBe('{"a":2}');
    }
    const page = await store.listPage({});
    expect(page.items[0]?.etag).toBe(sha256Etag('{"a":2}'));
  });

  it('a file dropped in by hand is an object: listed, typed by extension, sha256 etag', async () => {
    const root = freshRoot();
    const store = new LocalObjectStore({ root });
    await mkdir(join(root, 'notes'), { recursive: true });
    await writeFile(join(root, 'notes', 'todo.md'), '# todo');
    const info = await store.head('notes/todo.md');
    expect(info).toMatchObject({
      size: 6,
      etag: sha256Etag('# todo'),
      visibility: 'private',
      metadata: {},
    });
    expect(info.contentType).toContain('text/markdown');
    expect((await collect(store.list())).map((e) => (isCommonPrefix(e) ? e.prefix : e.key))).toEqual([
      'notes/todo.md',
    ]);
    // Its etag is stable, so conditional writes work on it.
    await store.put('notes/todo.md', '# done', { ifMatch: info.etag });
    await expectStorageError(
      () => store.put('notes/todo.md', 'x', { ifMatch: info.etag }),
      'PreconditionFailed',
    );
  });

  it('a corrupt sidecar is ignored', async () => {
    const root = freshRoot();
    const store = new LocalObjectStore({ root });
    await store.put('c.bin', 'abc', { metadata: { m: '1' } });
    const sidecar = (await readdir(root)).find((x) => x.startsWith('.stowage-meta-'))!;
    await writeFile(join(root, sidecar), '{ not json');
    const info = await new LocalObjectStore({ root }).head('c.bin');
    expect(info.metadata).toEqual({});
    expect(info.etag).toBe(sha256Etag('abc'));
  });
});

/** Names of the sidecars in `dir`. */
async function sidecarsIn(dir: string): Promise<string[]> {
  return (await readdir(dir)).filter((x) => x.startsWith('.stowage-meta-'));
}

describe('sidecars are written only where they carry something', () => {
  it('a small object with nothing but defaults has none, and reads back identically in a fresh store', async () => {
    const root = freshRoot();
    const store = new LocalObjectStore({ root });
    const put = await store.put('plain/a.txt', 'hello');
    expect(put).toMatchObject({
      etag: sha256Etag('hello'),
      sha256: sha256Hex('hello'),
      visibility: 'private',
    });
    expect(put.contentType).toContain('text/plain');
    expect(await sidecarsIn(join(root, 'plain'))).toEqual([]);
    // lastModified is the file's mtime, so it too survives without a sidecar.
    const mtimeMs = Number((await stat(join(root, 'plain/a.txt'), { bigint: true })).mtimeNs / 1_000_000n);
    expect(put.lastModified.getTime()).toBe(mtimeMs);
    const fresh = new LocalObjectStore({ root });
    expect(await fresh.head('plain/a.txt')).toEqual(put);
    const page = await fresh.listPage({});
    expect(page.items).toEqual([
      { key: 'plain/a.txt', size: 5, etag: put.etag, lastModified: put.lastModified },
    ]);
  });

  it('replacing an object that had metadata with a plain one removes the stale sidecar', async () => {
    const root = freshRoot();
    const store = new LocalObjectStore({ root });
    await store.put('k.txt', 'one', { metadata: { v: '1' }, visibility: 'public', cacheControl: 'no-store' });
    expect(await sidecarsIn(root)).toHaveLength(1);
    const plain = await store.put('k.txt', 'two');
    expect(await sidecarsIn(root)).toEqual([]);
    for (const s of [store, new LocalObjectStore({ root })]) {
      const info = await s.head('k.txt');
      expect(info).toEqual(plain);
      expect(info).toMatchObject({ metadata: {}, visibility: 'private', etag: sha256Etag('two') });
      expect(info.cacheControl).toBeUndefined();
    }
    // And back: metadata again gets a (durable) sidecar.
    await store.put('k.txt', 'three', { metadata: { v: '3' } });
    expect((await new LocalObjectStore({ root }).head('k.txt')).metadata).toEqual({ v: '3' });
  });

  it('a bigger plain object caches its hash in a sidecar, which is not needed for correctness', async () => {
    const root = freshRoot();
    const store = new LocalObjectStore({ root });
    const big = Buffer.alloc(200 * 1024, 7);
    const put = await store.put('big.bin', big);
    const [name] = await sidecarsIn(root);
    const sidecar = JSON.parse(await readFile(join(root, name!), 'utf8'));
    expect(sidecar).toMatchObject({ v: 2, name: 'big.bin', entries: [{ sha256: sha256Hex(big) }] });
    expect(await new LocalObjectStore({ root }).head('big.bin')).toEqual(put);
    await unlink(join(root, name!));
    expect(await new LocalObjectStore({ root }).head('big.bin')).toEqual(put);
  });

  it('with a clock other than the system clock every object has a sidecar (lastModified comes from it)', async () => {
    const root = freshRoot();
    const clock = new ManualClock(new Date('2025-01-01T00:00:00Z'));
    const put = await new LocalObjectStore({ root, clock }).put('c.txt', 'x');
    expect(put.lastModified).toEqual(clock.now());
    expect(await sidecarsIn(root)).toHaveLength(1);
    expect(await new LocalObjectStore({ root, clock }).head('c.txt')).toEqual(put);
  });

  it('format 1 sidecars (md5 etags) keep their metadata, with the etag recomputed from the sha256', async () => {
    const root = freshRoot();
    const store = new LocalObjectStore({ root });
    const put = await store.put('old.txt', 'legacy', { metadata: { m: '1' }, visibility: 'public' });
    const [name] = await sidecarsIn(root);
    const v2 = JSON.parse(await readFile(join(root, name!), 'utf8'));
    const entry = v2.entries[0];
    const v1 = { v: 1, name: 'old.txt', entries: [{ ...entry, etag: `"${md5Hex('legacy')}"` }] };
    await writeFile(join(root, name!), JSON.stringify(v1));
    expect(await new LocalObjectStore({ root }).head('old.txt')).toEqual(put);
    // An entry of either format without a valid sha256 is ignored: defaults, fresh hash.
    await writeFile(join(root, name!), JSON.stringify({ ...v1, entries: [{ ...entry, sha256: 'nope' }] }));
    const ignored = await new LocalObjectStore({ root }).head('old.txt');
    expect(ignored).toMatchObject({ metadata: {}, visibility: 'private', etag: sha256Etag('legacy') });
    await writeFile(join(root, name!), JSON.stringify({ ...v2, entries: [{ ...entry, etag: '"forged"' }] }));
    expect((await new LocalObjectStore({ root }).head('old.txt')).metadata).toEqual({});
  });
});

describe('large bodies are hashed on a worker thread', () => {
  it('gives the right sha256 for buffers and for streams of any chunking, also concurrently', async () => {
    const root = freshRoot();
    const store = new LocalObjectStore({ root, fsync: false });
    const bodies = [0, 1, 2, 3].map((i) => randomBytes(3 * 1024 * 1024 + 1000 * i + 1));
    const chunked = (bytes: Buffer, size: number) =>
      Readable.from(
        (function* () {
          for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, i + size);
        })(),
      );
    const infos = await Promise.all([
      store.put('w/0', bodies[0]!),
      store.put('w/1', chunked(bodies[1]!, 1000)),
      store.put('w/2', chunked(bodies[2]!, 5 * 1024 * 1024)),
      store.put('w/3', chunked(bodies[3]!, 300 * 1024 + 7)),
    ]);
    for (const [i, info] of infos.entries()) {
      expect(info.sha256, `body ${i}`).toBe(sha256Hex(bodies[i]!));
      expect(info.etag).toBe(`"${sha256Hex(bodies[i]!).slice(0, 32)}"`);
      expect((await readBytes(await store.get(`w/${i}`))).equals(bodies[i]!)).toBe(true);
    }
    // A wrong expected sha256 is caught after the worker finishes: Integrity, old object kept.
    await expectStorageError(
      () => store.put('w/0', chunked(bodies[1]!, 64 * 1024), { sha256: sha256Hex(bodies[0]!) }),
      'Integrity',
    );
    expect((await store.head('w/0')).sha256).toBe(sha256Hex(bodies[0]!));
    expect(await reservedFilesUnder(root)).toEqual([]);
  });
});

describe('files and folders', () => {
  it('a key cannot also be a folder: Conflict both ways, for put, copy and move', async () => {
    const store = new LocalObjectStore({ root: freshRoot(), fsync: false });
    await store.put('a', 'file');
    const e1 = await expectStorageError(() => store.put('a/b', 'x'), 'Conflict', {
      key: 'a/b',
      operation: 'put',
    });
    expect(e1.message).toContain('"a"');
    await store.put('x/y', 'file');
    const e2 = await expectStorageError(() => store.put('x', 'x'), 'Conflict', { key: 'x' });
    expect(e2.message).toContain('folder');
    await expectStorageError(() => store.put('x', 'x', { ifNoneMatch: '*' }), 'Conflict');
    await expectStorageError(() => store.copy('a', 'x'), 'Conflict');
    await expectStorageError(() => store.copy('x/y', 'a/z'), 'Conflict');
    await expectStorageError(() => store.move('a', 'x'), 'Conflict');
    expect(await store.exists('a')).toBe(true);
    expect(await store.exists('x')).toBe(false);
    await expectStorageError(() => store.get('x'), 'NotFound');
    await store.delete('x'); // a folder is not an object: deleting it is deleting nothing
    expect(await store.exists('x/y')).toBe(true);
  });

  it('deletes prune the directories they empty, so no ghost folders remain', async () => {
    const root = freshRoot();
    const store = new LocalObjectStore({ root });
    await store.put('p/q/r/s.txt', '1');
    await store.put('p/t.txt', '2');
    await store.delete('p/q/r/s.txt');
    expect(await readdir(join(root, 'p'))).not.toContain('q');
    expect((await store.listPage({ delimiter: '/', prefix: 'p/' })).prefixes).toEqual([]);
    await store.move('p/t.txt', 'other/t.txt');
    expect(await readdir(root)).toEqual(['other']);
    await store.put('p', 'now a file'); // the folder is gone, so the key is free
  });

  it('a directory holding no keys (debris) is neither listed nor in the way', async () => {
    const root = freshRoot();
    const store = new LocalObjectStore({ root });
    await mkdir(join(root, 'ghost/deeper'), { recursive: true });
    await writeFile(join(root, 'ghost/.stowage-tmp-deadbeef'), 'half a write');
    await store.put('real.txt', 'x');
    expect(await store.listPage({ delimiter: '/' })).toMatchObject({
      prefixes: [],
      items: [{ key: 'real.txt' }],
    });
    await store.put('ghost', 'a file now');
    expect((await readBytes(await store.get('ghost'))).toString()).toBe('a file now');
  });
});

describe('failed writes leave the old object and no temp files', () => {
  it('Integrity (sha256, contentLength) and Aborted keep the previous version', async () => {
    const root = freshRoot();
    const store = new LocalObjectStore({ root });
    await store.put('keep/me.txt', 'old', { metadata: { v: 'old' } });
    await expectStorageError(
      () => store.put('keep/me.txt', 'new', { sha256: sha256Hex('other') }),
      'Integrity',
    );
    await expectStorageError(
      () => store.put('keep/me.txt', Readable.from([Buffer.from('new')]), { contentLength: 10 }),
      'Integrity',
    );
    const controller = new AbortController();
    const body = new Readable({
      read() {
        this.push(Buffer.alloc(64 * 1024, 1));
        setTimeout(() => controller.abort(), 5);
      },
    });
    await expectStorageError(() => store.put('keep/me.txt', body, { signal: controller.signal }), 'Aborted');
    const failing = new Readable({
      read() {
        this.destroy(new Error('upstream broke'));
      },
    });
    await expectStorageError(() => store.put('keep/me.txt', failing), ['Unexpected', 'Unavailable']);
    expect((await readBytes(await store.get('keep/me.txt'))).toString()).toBe('old');
    expect((await store.head('keep/me.txt')).metadata).toEqual({ v: 'old' });
    expect(await reservedFilesUnder(root)).toEqual([]);
    // A failed first write into a new directory leaves no empty directory behind either.
    await expectStorageError(() => store.put('new/dir/x.txt', 'x', { sha256: sha256Hex('y') }), 'Integrity');
    expect(await readdir(root)).toEqual(['keep']);
  });
});

describe('conditional writes', () => {
  it('of N racing create-only puts exactly one wins, also across store instances (no shared lock)', async () => {
    const root = freshRoot();
    const stores = Array.from({ length: 4 }, () => new LocalObjectStore({ root }));
    for (let round = 0; round < 5; round++) {
      const key = `race/${round}.txt`;
      const results = await Promise.allSettled(
        Array.from({ length: 12 }, (_, i) =>
          stores[i % stores.length]!.put(key, `writer ${i}`, { ifNoneMatch: '*' }),
        ),
      );
      const won = results.filter((r) => r.status === 'fulfilled');
      expect(won).toHaveLength(1);
      for (const r of results) {
        if (r.status === 'rejected')
          expect(isStorageError(r.reason, 'AlreadyExists'), String(r.reason)).toBe(true);
      }
      const winner = (won[0] as PromiseFulfilledResult<{ etag: string }>).value;
      expect((await stores[0]!.head(key)).etag).toBe(winner.etag);
    }
    expect(await reservedFilesUnder(root)).toEqual([]);
  });

  it('compare-and-swap within one store: of N racing ifMatch puts exactly one wins', async () => {
    const store = new LocalObjectStore({ root: freshRoot() });
    const { etag } = await store.put('cas.txt', 'v0');
    const results = await Promise.allSettled(
      Array.from({ length: 10 }, (_, i) => store.put('cas.txt', `v${i + 1}`, { ifMatch: etag })),
    );
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
  });
});

describe('copy and move', () => {
  it('move renames the file and carries its metadata; copy onto itself replaces metadata', async () => {
    const root = freshRoot();
    const clock = new ManualClock();
    const store = new LocalObjectStore({ root, clock });
    await store.put('src/a.txt', 'abc', {
      metadata: { x: '1' },
      visibility: 'public',
      cacheControl: 'no-store',
    });
    const before = await stat(join(root, 'src/a.txt'));
    clock.advance(1000);
    const moved = await store.move('src/a.txt', 'dst/b.txt');
    expect(moved).toMatchObject({
      key: 'dst/b.txt',
      metadata: { x: '1' },
      visibility: 'public',
      cacheControl: 'no-store',
    });
    expect(moved.lastModified).toEqual(clock.now());
    expect((await stat(join(root, 'dst/b.txt'))).ino).toBe(before.ino); // renamed, not rewritten
    expect(await readdir(root)).toEqual(['dst']);
    const again = await store.copy('dst/b.txt', 'dst/b.txt', { metadata: { y: '2' }, visibility: 'private' });
    expect(again).toMatchObject({ metadata: { y: '2' }, visibility: 'private', etag: moved.etag });
    expect((await store.head('dst/b.txt')).metadata).toEqual({ y: '2' });
    await expectStorageError(
      () => store.move('dst/b.txt', 'dst/c.txt', { ifMatch: '"nope"' }),
      'PreconditionFailed',
    );
    await store.put('dst/c.txt', 'exists');
    await expectStorageError(
      () => store.move('dst/b.txt', 'dst/c.txt', { ifNoneMatch: '*' }),
      'AlreadyExists',
    );
    expect(await store.exists('dst/b.txt')).toBe(true);
  });
});

describe('listing walks the tree in byte order and matches the memory store exactly', () => {
  const segment = fc.constantFrom('a', 'b', 'a-b', 'a.b', 'ab', 'é', 'z', '0', '~', 'A', '😀', 'a b');
  const key = fc.array(segment, { minLength: 1, maxLength: 4 }).map((s) => s.join('/'));

  it('pages of every shape agree with MemoryObjectStore', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uniqueArray(key, { minLength: 1, maxLength: 25 }),
        fc.record({
          prefix: fc.option(fc.constantFrom('', 'a', 'a/', 'a-', 'b/a', 'é', 'a/b/'), { nil: undefined }),
          delimiter: fc.option(fc.constant('/' as const), { nil: undefined }),
          startAfter: fc.option(fc.constantFrom('a', 'a/', 'a/b', 'a-b', 'b/', 'z'), { nil: undefined }),
          limit: fc.integer({ min: 1, max: 7 }),
        }),
        async (keys, opts) => {
          const local = new LocalObjectStore({ root: freshRoot(), fsync: false });
          const memory = new MemoryObjectStore();
          const stored: string[] = [];
          for (const k of keys) {
            try {
              await local.put(k, k);
            } catch (error) {
              if (isStorageError(error, 'Conflict')) continue; // a file where a folder is (or vice versa)
              throw error;
            }
            await memory.put(k, k);
            stored.push(k);
          }
          const options: ListPageOptions = { limit: opts.limit };
          if (opts.prefix !== undefined) options.prefix = opts.prefix;
          if (opts.delimiter !== undefined) options.delimiter = opts.delimiter;
          if (opts.startAfter !== undefined) options.startAfter = opts.startAfter;
          expect(await allPages(local, options)).toEqual(await allPages(memory, options));
        },
      ),
      { numRuns: 120, seed: 7 },
    );
  });
});

/** Every page until the end: [keys, prefixes] per page; cursors are compared by what they continue. */
async function allPages(store: ObjectStore, options: ListPageOptions): Promise<Array<[string[], string[]]>> {
  const out: Array<[string[], string[]]> = [];
  let cursor: string | undefined;
  do {
    const page = await store.listPage({ ...options, ...(cursor !== undefined ? { cursor } : {}) });
    out.push([page.items.map((i) => i.key), page.prefixes]);
    cursor = page.cursor;
  } while (cursor !== undefined && out.length < 100);
  return out;
}
