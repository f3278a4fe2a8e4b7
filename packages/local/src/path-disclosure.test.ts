import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, realpath, rm, symlink, writeFile } from 'node:fs/promises';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isStorageError } from '@stowage/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalObjectStore } from './local-object-store.js';
import { type ListeningLocalServer, listenLocalServer } from './local-server.js';

// Defect 2 of the audit: the local server answered a symlink or an errno failure with the
// absolute path of the file (`Refusing "<root>/link.txt"`, `EMFILE … open '<root>/small.txt'`).
// Errors that reach an HTTP client, and StorageError messages generally, name keys only.

const SECRET = 'path-disclosure-secret-0123456789';
let base: string;
let root: string;
let realRoot: string;
let server: ListeningLocalServer;
let store: LocalObjectStore;

beforeAll(async () => {
  base = await mkdtemp(join(tmpdir(), 'stowage-local-paths-'));
  root = join(base, 'root');
  const outside = join(base, 'outside');
  await mkdir(join(root, 'pub'), { recursive: true });
  await mkdir(outside, { recursive: true });
  await writeFile(join(outside, 'secret.txt'), 'TOP SECRET');
  await symlink(join(outside, 'secret.txt'), join(root, 'link.txt'));
  await symlink(outside, join(root, 'linkdir'));
  realRoot = await realpath(root);
  let current: LocalObjectStore | undefined;
  server = await listenLocalServer({ store: () => current });
  store = new LocalObjectStore({ root, signing: { secret: SECRET, baseUrl: server.url } });
  current = store;
  await store.put('pub/ok.txt', 'fine', { visibility: 'public' });
});
afterAll(async () => {
  await server?.close();
  await rm(base, { recursive: true, force: true });
});

/** Fails when `text` mentions where the root is on disk. */
function expectNoHostPath(text: string, what: string): void {
  for (const path of [base, root, realRoot, tmpdir()]) {
    expect(text.includes(path), `${what} names the host path ${path}: ${text}`).toBe(false);
  }
}

describe('symlinks answered over HTTP name the key, not the path', () => {
  it('public and signed GET/HEAD of a symlinked file or a key below a symlinked folder', async () => {
    for (const key of ['link.txt', 'linkdir/secret.txt']) {
      for (const url of [`${server.url}${key}`, await store.presignGet(key, { expiresIn: 60 })]) {
        for (const method of ['GET', 'HEAD']) {
          const res = await fetch(url, { method });
          const text = await res.text();
          expect(res.status, `${method} ${url}`).toBe(403);
          expect(text).not.toContain('SECRET');
          expectNoHostPath(text, `${method} ${key}`);
          if (method === 'GET') expect(JSON.parse(text).error.message).toContain(JSON.stringify(key));
        }
      }
    }
  });

  it('a signed PUT through a symlinked folder or onto a symlinked file', async () => {
    for (const key of ['linkdir/new.txt', 'link.txt']) {
      const req = await store.presignPut(key, { expiresIn: 60 });
      const res = await fetch(req.url, { method: 'PUT', body: 'pwned' });
      const text = await res.text();
      expect(res.status, key).toBe(403);
      expectNoHostPath(text, `PUT ${key}`);
    }
  });

  it('the store errors themselves carry the key in context and no path in the message', async () => {
    const attempts: Array<() => Promise<unknown>> = [
      () => store.get('link.txt'),
      () => store.head('linkdir/secret.txt'),
      () => store.exists('link.txt'),
      () => store.put('linkdir/x.txt', 'x'),
      () => store.put('link.txt', 'x', { ifNoneMatch: '*' }),
      () => store.copy('link.txt', 'pub/copy.txt'),
      () => store.copy('pub/ok.txt', 'linkdir/copy.txt'),
      () => store.move('pub/ok.txt', 'linkdir/moved.txt'),
      () => store.delete('link.txt'),
    ];
    for (const attempt of attempts) {
      const error = await attempt().then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(isStorageError(error, 'PermissionDenied'), String(error)).toBe(true);
      expectNoHostPath((error as Error).message, String(attempt));
    }
    const result = await store.deleteMany(['link.txt', 'linkdir/secret.txt']);
    expect(result.errors).toHaveLength(2);
    for (const { error } of result.errors) expectNoHostPath(error.message, 'deleteMany');
  });
});

const HAS_PRLIMIT = (() => {
  if (!existsSync('/proc/self/fd')) return false;
  try {
    execFileSync('prlimit', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

describe('a real errno failure answered over HTTP', () => {
  it.skipIf(!HAS_PRLIMIT)(
    'EMFILE (every descriptor in use) is 503 Unavailable naming the errno, not the file',
    async () => {
      const childRoot = join(base, 'emfile-root');
      const child = startChild(childRoot);
      const lines = lineReader(child);
      const agent = new Agent({ keepAlive: true, maxSockets: 1 });
      try {
        const url = (await lines.next('url ')).slice('url '.length);
        // A first request opens the one connection (the server has accepted it by the answer).
        expect(await getOn(agent, `${url}small.txt`)).toMatchObject({ status: 200, body: 'hello' });
        child.stdin!.write('exhaust\n');
        expect(Number((await lines.next('exhausted ')).split(' ')[1])).toBeGreaterThan(0);
        // Same connection, so nothing new needs a descriptor until the server opens the file.
        const failed = await getOn(agent, `${url}small.txt`);
        child.stdin!.write('release\n');
        await lines.next('released');
        expect(failed.status).toBe(503);
        expect(JSON.parse(failed.body)).toMatchObject({ error: { kind: 'Unavailable' } });
        expect(failed.body).toContain('EMFILE');
        expectNoHostPath(failed.body, 'EMFILE answer');
        expect(failed.body).not.toContain('small.txt'); // the path's tail neither
        // And the server recovers once descriptors are free again.
        expect(await getOn(agent, `${url}small.txt`)).toMatchObject({ status: 200 });
      } finally {
        agent.destroy();
        child.kill();
      }
    },
  );
});

const testDir = join(import.meta.dirname, '../test');

function startChild(dir: string): ChildProcess {
  return spawn(
    'prlimit',
    [
      '--nofile=256:256',
      process.execPath,
      '--experimental-transform-types',
      '--no-warnings',
      '--import',
      join(testDir, 'register-ts-hooks.mjs'),
      join(testDir, 'fd-exhaust-server.mjs'),
      dir,
    ],
    { stdio: ['pipe', 'pipe', 'inherit'] },
  );
}

/** Waits for lines of the child's stdout that start with a given text. */
function lineReader(child: ChildProcess): { next(prefix: string): Promise<string> } {
  const seen: string[] = [];
  const waiting: Array<{ prefix: string; resolve: (line: string) => void }> = [];
  let buffer = '';
  child.stdout!.setEncoding('utf8');
  child.stdout!.on('data', (text: string) => {
    buffer += text;
    const parts = buffer.split('\n');
    buffer = parts.pop()!;
    for (const line of parts) {
      const at = waiting.findIndex((w) => line.startsWith(w.prefix));
      if (at >= 0) waiting.splice(at, 1)[0]!.resolve(line);
      else seen.push(line);
    }
  });
  return {
    next: (prefix) =>
      new Promise((resolve, reject) => {
        const at = seen.findIndex((line) => line.startsWith(prefix));
        if (at >= 0) return resolve(seen.splice(at, 1)[0]!);
        waiting.push({ prefix, resolve });
        setTimeout(() => reject(new Error(`child never printed "${prefix}"`)), 15_000).unref();
      }),
  };
}

function getOn(agent: Agent, url: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { agent }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => {
        body += c;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}
