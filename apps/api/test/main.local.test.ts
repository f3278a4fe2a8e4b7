import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { getBytes } from '@stowage/core';
import { S3ObjectStore } from '@stowage/s3';
import { afterAll, expect, it } from 'vitest';
import { freePort } from './api-harness.js';

const run = promisify(execFile);
let child: ChildProcess | undefined;
let dataDir = '';
afterAll(async () => {
  child?.kill('SIGKILL');
  if (dataDir !== '') await rm(dataDir, { recursive: true, force: true });
});

it('the README command starts local mode and its printed curl examples work as printed; the S3 gateway beside it serves the same objects; SIGTERM ends it cleanly', async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'stowage-main-'));
  const port = await freePort();
  const gatewayPort = await freePort();
  child = spawn(process.execPath, [new URL('../dist/main.js', import.meta.url).pathname], {
    env: {
      ...process.env,
      STOWAGE_DATA_DIR: dataDir,
      STOWAGE_PORT: String(port),
      STOWAGE_GATEWAY_PORT: String(gatewayPort),
      STOWAGE_GATEWAY_BUCKET: 'app-bucket',
      STOWAGE_LOG_LEVEL: 'warn',
    },
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

  // The printed aws line's credentials and endpoint, used by the s3 adapter (an S3 SDK client).
  const aws =
    /AWS_ACCESS_KEY_ID=(\S+) AWS_SECRET_ACCESS_KEY=(\S+) AWS_REGION=(\S+) aws --endpoint-url (\S+) s3 ls/.exec(
      out,
    );
  expect(aws, out).not.toBeNull();
  expect(aws![4]).toBe(`http://127.0.0.1:${gatewayPort}`);
  const s3 = new S3ObjectStore({
    provider: 'generic',
    endpoint: aws![4]!,
    region: aws![3]!,
    forcePathStyle: true,
    bucket: 'app-bucket',
    credentials: { accessKeyId: aws![1]!, secretAccessKey: aws![2]! },
  });
  expect((await getBytes(s3, 'notes/hello.txt')).toString()).toBe('hello, stowage');
  await s3.put('notes/from-s3.txt', 'via the gateway');
  const listed = await run('sh', ['-c', curls[2]!]);
  expect(JSON.parse(listed.stdout).items.map((i: { key: string }) => i.key)).toEqual([
    'notes/from-s3.txt',
    'notes/hello.txt',
  ]);
  const exited = new Promise<number | null>((resolve) => child!.once('exit', resolve));
  child.kill('SIGTERM');
  expect(await exited).toBe(0);
}, 90_000);
