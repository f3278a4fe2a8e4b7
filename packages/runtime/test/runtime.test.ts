import { spawn } from 'node:child_process';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { isStorageError, NoopLogger, type StorageError } from '@stowage/core';
import type { HybridObjectStore } from '@stowage/hybrid';
import { PostgresDatabase, PostgresRolloutState } from '@stowage/postgres';
import { S3BucketAdmin } from '@stowage/s3';
import { describeWithServer, freshBucketAndDatabase } from '@stowage/testkit';
import { afterAll, describe, expect, it } from 'vitest';
import { createRuntime, type RuntimeConfig } from '../src/index.js';

const dirs: string[] = [];
async function tempDir(label: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), `stowage-rt-${label}-`));
  dirs.push(dir);
  return dir;
}
afterAll(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

async function failure(run: () => Promise<unknown>): Promise<StorageError> {
  try {
    await run();
  } catch (error) {
    if (isStorageError(error)) return error;
    throw error;
  }
  throw new Error('expected a StorageError');
}

const open = (overrides: RuntimeConfig, env: NodeJS.ProcessEnv = {}) =>
  createRuntime({ env, overrides, logger: new NoopLogger() });

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('runtime: configuration', () => {
  it('names a missing or bad setting and what is allowed, and opens nothing', async () => {
    expect((await failure(() => open({ mode: 's3' }))).message).toContain('s3.bucket: required in s3 mode');
    expect((await failure(() => open({ mode: 'ftp' as never }))).message).toMatch(/mode/);
    expect((await failure(() => open({ database: { kind: 'server' } }))).message).toContain('database.url');
    expect(
      (await failure(() => open({ mode: 'spaces', s3: { bucket: 'b', region: 'nyc3' } }))).message,
    ).toContain('Spaces needs its access keys');
    expect((await failure(() => open({}, { STOWAGE_MDOE: 'local' }))).message).toContain('STOWAGE_MDOE');
    expect(
      (await failure(() => open({ hybrid: { from: 'local', to: 'local' }, mode: 'hybrid' }))).message,
    ).toContain('hybrid.to');
  });

  it('never echoes a secret, in errors or in the configuration it shows', async () => {
    const secret = 'do-not-print-this-secret-0123';
    const error = await failure(() =>
      open(
        {},
        {
          STOWAGE_MODE: 's3',
          S3_SECRET_ACCESS_KEY: secret,
          S3_ACCESS_KEY_ID: 'AKIA',
          STOWAGE_S3_ENDPOINT: 'nope',
        },
      ),
    );
    expect(`${error.message} ${inspect(error)}`).not.toContain(secret);
    const dataDir = await tempDir('secrets');
    const runtime = await open({
      dataDir,
      mode: 'local',
      local: { signingSecret: secret },
      server: { port: 0 },
    });
    try {
      expect(inspect(runtime.config, { depth: 10 })).not.toContain(secret);
      expect(JSON.stringify(runtime.config)).not.toContain(secret);
    } finally {
      await runtime.close();
    }
  });
});

describe('runtime: local mode defaults', () => {
  it('keeps objects, database and a signing key under the data directory; URLs survive a restart', async () => {
    const dataDir = await tempDir('local');
    const port = await freePort();
    const settings: RuntimeConfig = { dataDir, server: { port } };
    let runtime = await open(settings);
    expect(runtime.mode).toBe('local');
    expect(runtime.database.kind).toBe('embedded');
    expect(runtime.files?.url).toBe(`http://127.0.0.1:${port}/`);
    await runtime.storage.put('docs/private.txt', 'only with a signature');
    await runtime.storage.put('img/public.txt', 'anyone', { visibility: 'public' });
    const signed = await runtime.storage.presignGet('docs/private.txt', { expiresIn: 600 });
    expect((await stat(join(dataDir, 'signing.key'))).mode & 0o777).toBe(0o600);
    expect((await stat(join(dataDir, 'db'))).isDirectory()).toBe(true);
    expect((await stat(join(dataDir, 'objects', 'docs', 'private.txt'))).isFile()).toBe(true);
    expect(await (await fetch(signed)).text()).toBe('only with a signature');
    expect((await fetch(`${runtime.files!.url}docs/private.txt`)).status).toBe(403);
    expect(await (await fetch(runtime.cdn!.publicUrl('img/public.txt'))).text()).toBe('anyone');
    await runtime.close();

    runtime = await open(settings);
    try {
      expect(await (await fetch(signed)).text()).toBe('only with a signature');
      expect(await runtime.storage.getText('docs/private.txt')).toBe('only with a signature');
    } finally {
      await runtime.close();
    }
  });

  it('refuses a second runtime on the same embedded database', async () => {
    const dataDir = await tempDir('locked');
    const first = await open({ dataDir, server: { port: 0 } });
    try {
      const second = await failure(() => open({ dataDir, server: { port: 0 } }));
      expect(second.message).toMatch(/already open/);
      // Nothing of the refused runtime stays behind: the first one works on.
      await first.storage.put('still/works', 'yes');
    } finally {
      await first.close();
    }
  });

  it('closes everything it opened: the process exits on its own', async () => {
    const dataDir = await tempDir('exit');
    const entry = new URL('../dist/index.js', import.meta.url).href;
    const script = `
      const { createRuntime } = await import(${JSON.stringify(entry)});
      const runtime = await createRuntime({ env: {}, overrides: { dataDir: ${JSON.stringify(dataDir)}, server: { port: 0 } } });
      await runtime.storage.put('a', 'b');
      await runtime.close();
      console.log('closed');
    `;
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, STOWAGE_LOG_LEVEL: 'silent' },
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
    });
    let err = '';
    child.stderr.on('data', (d: Buffer) => {
      err += d.toString();
    });
    const code = await new Promise<number | string>((resolve) => {
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        resolve('still running after 30 s');
      }, 30_000);
      child.on('exit', (c) => {
        clearTimeout(timer);
        resolve(c ?? -1);
      });
    });
    expect(code, err).toBe(0);
    expect(out).toContain('closed');
  }, 40_000);

  it('memory mode needs no database and serves presigned URLs', async () => {
    const runtime = await open({ mode: 'memory' });
    try {
      expect(runtime.database.kind).toBe('memory');
      await runtime.storage.put('m/a.txt', 'in memory');
      const url = await runtime.storage.presignGet('m/a.txt', { expiresIn: 60 });
      expect(await (await fetch(url)).text()).toBe('in memory');
    } finally {
      await runtime.close();
    }
  });
});

describeWithServer('seaweedfs', async (target) => {
  describe('runtime: hybrid mode across processes', () => {
    it('follows the shared rollout: a percentage set elsewhere reaches the running hybrid', async () => {
      const fresh = await freshBucketAndDatabase(
        target,
        'hybrid-rt',
        (connection) => new S3BucketAdmin({ provider: 'seaweedfs', ...connection }),
      );
      const dataDir = await tempDir('hybrid');
      const runtime = await open({
        mode: 'hybrid',
        dataDir,
        server: { port: 0 },
        hybrid: { from: 'local', to: 'seaweedfs', percentage: 20, rollout: 'rt-test' },
        s3: fresh.s3,
        database: { url: fresh.database.url },
      });
      const controller = await PostgresDatabase.open({ url: fresh.database.url, rolloutPollMs: 100 });
      const rollouts = new PostgresRolloutState(controller);
      try {
        const hybrid = runtime.store as HybridObjectStore;
        // Operations wait for the first rollout version; the configured percentage seeded it.
        await runtime.storage.put('h/zero.txt', 'first');
        expect(hybrid.percentage).toBe(20);
        expect((await rollouts.get('rt-test'))?.percentage).toBe(20);
        await rollouts.set('rt-test', 70);
        const deadline = Date.now() + 10_000;
        while (hybrid.percentage !== 70 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
        expect(hybrid.percentage).toBe(70);
        await runtime.storage.put('h/one.txt', 'routed');
        expect(await runtime.storage.getText('h/one.txt')).toBe('routed');
        // A resumable upload lives on its key's side and completes through the hybrid.
        const session = await runtime.uploadSessions.create('h/resumed.bin');
        await runtime.uploadSessions.uploadPart(session.id, 1, 'in one part');
        await runtime.uploadSessions.complete(session.id);
        expect(await runtime.storage.getText('h/resumed.bin')).toBe('in one part');
        expect(await hybrid.backend(hybrid.routeOf('h/resumed.bin')).exists('h/resumed.bin')).toBe(true);
      } finally {
        await rollouts.close();
        await controller.close();
        await runtime.close();
        await fresh.drop();
      }
    }, 60_000);
  });
});
