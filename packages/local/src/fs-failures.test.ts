import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isStorageError } from '@stowage/core';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { LocalObjectStore } from './local-object-store.js';
import { type ListeningLocalServer, listenLocalServer } from './local-server.js';

// Failures the test machine cannot produce on demand (tests run as root, so permissions do
// not fail): `open` is made to fail the way Node reports it, path in the message included.
// What reaches the caller and an HTTP client must name the errno, never the path.

const fail = vi.hoisted(() => ({ nameEndsWith: undefined as string | undefined, code: 'EACCES' }));

vi.mock('node:fs/promises', async (importOriginal) => {
  const real = await importOriginal<typeof import('node:fs/promises')>();
  const messages: Record<string, [number, string]> = {
    EACCES: [-13, 'permission denied'],
    EMFILE: [-24, 'too many open files'],
    EIO: [-5, 'i/o error'],
  };
  const open: typeof real.open = (async (path: Parameters<typeof real.open>[0], ...rest: unknown[]) => {
    const target = String(path);
    if (fail.nameEndsWith !== undefined && target.endsWith(fail.nameEndsWith)) {
      const [errno, text] = messages[fail.code]!;
      throw Object.assign(new Error(`${fail.code}: ${text}, open '${target}'`), {
        errno,
        code: fail.code,
        syscall: 'open',
        path: target,
      });
    }
    return (real.open as (...a: unknown[]) => ReturnType<typeof real.open>)(path, ...rest);
  }) as typeof real.open;
  return { ...real, open, default: { ...real, open } };
});

let root: string;
let server: ListeningLocalServer;
let store: LocalObjectStore;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'stowage-local-fsfail-'));
  let current: LocalObjectStore | undefined;
  server = await listenLocalServer({ store: () => current });
  store = new LocalObjectStore({
    root,
    fsync: false,
    signing: { secret: 'fs-failures-secret-0123456789', baseUrl: server.url },
  });
  current = store;
  await store.put('locked/file.txt', 'contents', { visibility: 'public' });
});
afterAll(async () => {
  fail.nameEndsWith = undefined;
  await server?.close();
  await rm(root, { recursive: true, force: true });
});

describe.each([
  ['EACCES', 403, 'PermissionDenied'],
  ['EMFILE', 503, 'Unavailable'],
  ['EIO', 503, 'Unavailable'],
] as const)('open failing with %s', (code, status, kind) => {
  it('reaches an HTTP client as its kind, naming the errno and not the path', async () => {
    fail.code = code;
    fail.nameEndsWith = 'locked/file.txt';
    try {
      for (const url of [
        `${server.url}locked/file.txt`,
        await store.presignGet('locked/file.txt', { expiresIn: 60 }),
      ]) {
        const res = await fetch(url);
        const text = await res.text();
        expect(res.status, url).toBe(status);
        expect(JSON.parse(text)).toMatchObject({ error: { kind } });
        expect(text).toContain(code);
        expect(text).not.toContain(root);
        expect(text).not.toContain('file.txt');
      }
    } finally {
      fail.nameEndsWith = undefined;
    }
  });

  it('is a StorageError of that kind with the key in context and the path only in its cause', async () => {
    fail.code = code;
    fail.nameEndsWith = 'locked/file.txt';
    try {
      for (const attempt of [() => store.get('locked/file.txt'), () => store.head('locked/file.txt')]) {
        const error = await attempt().then(
          () => undefined,
          (e: unknown) => e,
        );
        expect(isStorageError(error, kind), String(error)).toBe(true);
        expect(error).toMatchObject({ key: 'locked/file.txt', backend: 'local' });
        expect((error as Error).message).toContain(`${code}`);
        expect((error as Error).message).toContain('(open)');
        expect((error as Error).message).not.toContain(root);
        // The operator still finds the file in the cause.
        expect(String(((error as Error).cause as Error).message)).toContain(root);
      }
    } finally {
      fail.nameEndsWith = undefined;
    }
  });
});
