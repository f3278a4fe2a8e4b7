import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, realpath, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isCommonPrefix, isStorageError, readBytes } from '@stowage/core';
import { collect, expectStorageError } from '@stowage/testkit';
import fc from 'fast-check';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { LocalObjectStore } from './local-object-store.js';
import { type ListeningLocalServer, listenLocalServer } from './local-server.js';

let base: string;

beforeAll(async () => {
  base = await realpath(await mkdtemp(join(tmpdir(), 'stowage-local-sec-')));
});
afterAll(async () => {
  await rm(base, { recursive: true, force: true });
});

/** Every file below `dir`, as paths relative to it. */
async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries.filter((e) => !e.isDirectory()).map((e) => join(e.parentPath, e.name).slice(dir.length + 1));
}

const hostilePiece = fc.constantFrom(
  '..',
  '.',
  '/',
  '//',
  '\\',
  '..\\',
  '\u0000',
  '\n',
  '%2e%2e',
  '%2F',
  '%00',
  '..%2f',
  '.stowage-tmp-x',
  '.stowage-meta-y.json',
  '.stowage-',
  '~',
  'é',
  'e\u0301',
  '😀',
  '\ud800',
  ' ',
  'a',
  'b/c',
  '/etc/passwd',
  'C:',
  '\u202e',
  '\uFFFD',
);
const hostileKey = fc.oneof(
  fc
    .array(fc.oneof(hostilePiece, fc.string({ maxLength: 6 })), { minLength: 1, maxLength: 8 })
    .map((p) => p.join('')),
  fc.string({ unit: 'binary', minLength: 1, maxLength: 40 }),
  fc.string({ unit: 'grapheme', minLength: 1, maxLength: 20 }),
);

describe('hostile keys (property-based)', () => {
  it('every key is either InvalidKey or written inside the root, at its natural path', async () => {
    const root = join(base, 'fuzz-root');
    const outside = join(base, 'fuzz-outside');
    await mkdir(outside, { recursive: true });
    const store = new LocalObjectStore({ root, fsync: false });
    let accepted = 0;
    let refused = 0;
    await fc.assert(
      fc.asyncProperty(hostileKey, async (key) => {
        let info: Awaited<ReturnType<LocalObjectStore['put']>>;
        try {
          info = await store.put(key, 'payload');
        } catch (error) {
          expect(isStorageError(error), String(error)).toBe(true);
          // A valid key may still clash with an earlier one on the filesystem (file vs folder).
          if (isStorageError(error, 'Conflict')) return;
          expect((error as { kind: string }).kind).toBe('InvalidKey');
          refused++;
          return;
        }
        accepted++;
        expect(info.key).toBe(key);
        const file = await realpath(join(root, key));
        expect(file.startsWith(`${await realpath(root)}/`)).toBe(true);
        expect(file).toBe(`${await realpath(root)}/${key}`);
        expect(await readFile(file, 'utf8')).toBe('payload');
        expect((await readBytes(await store.get(key))).toString()).toBe('payload');
        await store.delete(key);
      }),
      { numRuns: 400, seed: 4242 },
    );
    expect(accepted).toBeGreaterThan(20);
    expect(refused).toBeGreaterThan(20);
    expect(await filesUnder(outside)).toEqual([]);
    expect(await filesUnder(base).then((f) => f.filter((p) => !p.startsWith('fuzz-root/')))).toEqual([]);
  });

  it('keys using the reserved ".stowage-" names are InvalidKey with a clear message', async () => {
    const store = new LocalObjectStore({ root: join(base, 'reserved'), fsync: false });
    for (const key of [
      '.stowage-tmp-0123',
      'a/.stowage-meta-x.json',
      '.stowage-/b',
      'x/.stowage-anything/y',
    ]) {
      const error = await expectStorageError(() => store.put(key, 'x'), 'InvalidKey', {
        key,
        operation: 'put',
      });
      expect(error.message).toContain('reserves');
      await expectStorageError(() => store.get(key), 'InvalidKey');
    }
    // A name merely containing the prefix elsewhere is fine.
    await store.put('a.stowage-tmp', 'ok');
    expect(await store.exists('a.stowage-tmp')).toBe(true);
  });
});

describe('special files planted inside the root', () => {
  it('a FIFO as a key or as a sidecar is refused at once instead of blocking forever', async () => {
    const root = join(base, 'fifo-root');
    const store = new LocalObjectStore({ root });
    await store.put('real.txt', 'body', { metadata: { m: '1' } });
    const sidecar = (await readdir(root)).find((n) => n.startsWith('.stowage-meta-'))!;
    await rm(join(root, sidecar));
    execFileSync('mkfifo', [join(root, 'pipe.txt'), join(root, sidecar)]);
    // Without O_NONBLOCK each of these would hang a threadpool thread (and the test) for good.
    await expectStorageError(() => store.get('pipe.txt'), 'NotFound');
    await expectStorageError(() => store.head('pipe.txt'), 'NotFound');
    expect(await store.exists('pipe.txt')).toBe(false);
    await expectStorageError(() => store.put('pipe.txt', 'x'), 'Conflict');
    // A fresh store must read the FIFO sidecar: it is ignored, the body gets defaults.
    const fresh = new LocalObjectStore({ root });
    expect(await fresh.head('real.txt')).toMatchObject({ size: 4, metadata: {} });
    expect((await collect(fresh.list())).map((e) => (isCommonPrefix(e) ? e.prefix : e.key))).toEqual([
      'real.txt',
    ]);
  });
});

describe('symlinks planted inside the root are never followed', () => {
  let root: string;
  let outside: string;
  let store: LocalObjectStore;

  beforeEach(async () => {
    const dir = await mkdtemp(join(base, 'links-'));
    root = join(dir, 'root');
    outside = join(dir, 'outside');
    await mkdir(join(root, 'real'), { recursive: true });
    await mkdir(join(outside, 'sub'), { recursive: true });
    await writeFile(join(outside, 'secret.txt'), 'TOP SECRET');
    await writeFile(join(outside, 'sub', 'deep.txt'), 'DEEP SECRET');
    await symlink(outside, join(root, 'linkdir'));
    await symlink(join(outside, 'secret.txt'), join(root, 'linkfile'));
    await symlink(outside, join(root, 'real', 'nested'));
    await symlink(join(root, 'real'), join(root, 'inside-alias')); // even one pointing inside
    store = new LocalObjectStore({ root });
    await store.put('real/ok.txt', 'fine');
  });

  async function outsideUnchanged(): Promise<void> {
    expect((await filesUnder(outside)).sort()).toEqual(['secret.txt', 'sub/deep.txt']);
    expect(await readFile(join(outside, 'secret.txt'), 'utf8')).toBe('TOP SECRET');
  }

  it('reads through a symlinked directory or file are PermissionDenied', async () => {
    for (const key of [
      'linkdir/secret.txt',
      'linkdir/sub/deep.txt',
      'linkfile',
      'real/nested/secret.txt',
      'inside-alias/ok.txt',
    ]) {
      await expectStorageError(() => store.get(key), 'PermissionDenied', { key, operation: 'get' });
      await expectStorageError(() => store.head(key), 'PermissionDenied', { key });
      await expectStorageError(() => store.exists(key), 'PermissionDenied', { key });
      await expectStorageError(() => store.copy(key, 'real/copied.txt'), 'PermissionDenied');
      await expectStorageError(() => store.move(key, 'real/moved.txt'), 'PermissionDenied');
    }
    expect(await store.exists('real/copied.txt')).toBe(false);
    await outsideUnchanged();
  });

  it('writes through a symlinked directory or onto a symlinked file are PermissionDenied and touch nothing outside', async () => {
    for (const key of [
      'linkdir/new.txt',
      'linkdir/sub/new.txt',
      'linkdir/fresh/dir/new.txt',
      'real/nested/new.txt',
      'linkfile',
      'inside-alias/x.txt',
    ]) {
      await expectStorageError(() => store.put(key, 'pwned'), 'PermissionDenied', { key, operation: 'put' });
      await expectStorageError(() => store.put(key, 'pwned', { ifNoneMatch: '*' }), 'PermissionDenied');
      await expectStorageError(() => store.copy('real/ok.txt', key), 'PermissionDenied');
      await expectStorageError(() => store.delete(key), 'PermissionDenied');
    }
    await expectStorageError(() => store.move('real/ok.txt', 'linkdir/moved.txt'), 'PermissionDenied');
    expect(await store.exists('real/ok.txt')).toBe(true);
    await outsideUnchanged();
  });

  it('listing skips symlinks and never descends through them', async () => {
    const all = (await collect(store.list())).map((e) => (isCommonPrefix(e) ? e.prefix : e.key));
    expect(all).toEqual(['real/ok.txt']);
    const folders = await store.listPage({ delimiter: '/' });
    expect(folders).toEqual({ items: [], prefixes: ['real/'] });
    for (const prefix of [
      'linkdir/',
      'linkdir/sub/',
      'linkdir',
      'real/nested/',
      'inside-alias/',
      'linkfile',
    ]) {
      expect(await collect(store.list({ prefix })), prefix).toEqual([]);
    }
  });

  it('the local server does not serve through symlinks or escape the root by path tricks', async () => {
    let server: ListeningLocalServer | undefined;
    try {
      server = await listenLocalServer({ store, secret: 'x'.repeat(32) });
      await store.put('pub/ok.txt', 'public', { visibility: 'public' });
      const origin = server.url.slice(0, -1);
      expect(await (await fetch(`${origin}/pub/ok.txt`)).text()).toBe('public');
      for (const path of [
        '/linkdir/secret.txt',
        '/linkfile',
        '/real/nested/secret.txt',
        '/..%2Foutside%2Fsecret.txt',
        '/%2e%2e/%2e%2e/outside/secret.txt',
        '/pub/..%2F..%2Flinkfile',
        '/pub%2F..%2F..%2Foutside%2Fsecret.txt',
        '/%00',
      ]) {
        const res = await fetch(origin + path);
        const text = await res.text();
        expect(res.status, path).toBeGreaterThanOrEqual(400);
        expect(text).not.toContain('SECRET');
      }
    } finally {
      await server?.close();
    }
  });
});
