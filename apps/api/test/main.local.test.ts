import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, expect, it } from 'vitest';
import { freePort } from './api-harness.js';

const run = promisify(execFile);
let child: ChildProcess | undefined;
let dataDir = '';
afterAll(async () => {
  child?.kill('SIGKILL');
  if (dataDir !== '') await rm(dataDir, { recursive: true, force: true });
});

it('the README command starts local mode and its printed curl examples work as printed; SIGTERM ends it cleanly', async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'stowage-main-'));
  const port = await freePort();
  child = spawn(process.execPath, [new URL('../dist/main.js', import.meta.url).pathname], {
    env: { ...process.env, STOWAGE_DATA_DIR: dataDir, STOWAGE_PORT: String(port), STOWAGE_LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => {
    out += d.toString();
  });
  const deadline = Date.now() + 60_000;
  while (!out.includes('Stop with Ctrl-C.') && Date.now() < deadline)
    await new Promise((r) => setTimeout(r, 100));
  expect(out).toContain(`listening on http://127.0.0.1:${port}/`);
  const curls = out
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line.startsWith('curl '))
    .map((line) => line.replace(/\s+#.*$/, ''));
  expect(curls).toHaveLength(4);
  const results: string[] = [];
  for (const command of curls) results.push((await run('sh', ['-c', command])).stdout);
  expect(JSON.parse(results[0]!)).toMatchObject({
    key: 'notes/hello.txt',
    size: 14,
    contentType: expect.stringMatching(/^text\/plain/),
  });
  expect(results[1]).toBe('hello, stowage');
  expect(JSON.parse(results[2]!).items.map((i: { key: string }) => i.key)).toEqual(['notes/hello.txt']);
  expect(results[3]).toBe('hello, stowage');
  const exited = new Promise<number | null>((resolve) => child!.once('exit', resolve));
  child.kill('SIGTERM');
  expect(await exited).toBe(0);
}, 90_000);
