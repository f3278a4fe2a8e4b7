import { type ChildProcess, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ENV_SETTINGS } from '@stowage/runtime';
import { S3BucketAdmin } from '@stowage/s3';
import type { AvailableS3Target } from '@stowage/testkit';
import { afterAll } from 'vitest';

/** The built CLI: the tests run it as users do, in its own process. */
export const BIN = fileURLToPath(new URL('../dist/bin.js', import.meta.url));

export interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/**
 * The environment without any Stowage setting of the machine running the tests (a developer's
 * S3_BUCKET or DATABASE_URL must not leak into a test), plus `extra`.
 */
export function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const setting of ENV_SETTINGS) for (const name of setting.names) delete env[name];
  delete env.STOWAGE_CONFIG;
  delete env.STOWAGE_LOG_LEVEL;
  delete env.AWS_PROFILE;
  delete env.AWS_ACCESS_KEY_ID;
  delete env.AWS_SECRET_ACCESS_KEY;
  return { ...env, ...extra };
}

export interface RunOptions {
  env: NodeJS.ProcessEnv;
  cwd?: string;
  input?: string | Buffer;
  timeoutMs?: number;
}

/** Runs `stowage …` to completion. */
export function stowage(args: readonly string[], options: RunOptions): Promise<Run> {
  const child = spawnStowage(args, options);
  return finished(child, options.timeoutMs ?? 60_000);
}

export function spawnStowage(args: readonly string[], options: RunOptions): ChildProcess {
  const child = spawn(process.execPath, [BIN, ...args], {
    env: options.env,
    cwd: options.cwd ?? process.cwd(),
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  if (options.input !== undefined) child.stdin!.end(options.input);
  else child.stdin!.end();
  return child;
}

/** Runs a shell pipeline (`stowage` is a function calling the built CLI). */
export function shell(script: string, options: RunOptions): Promise<Run> {
  const child = spawn(
    'bash',
    ['-c', `set -o pipefail\nstowage() { "${process.execPath}" "${BIN}" "$@"; }\n${script}`],
    {
      env: options.env,
      cwd: options.cwd ?? process.cwd(),
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  return finished(child, options.timeoutMs ?? 60_000);
}

export function finished(child: ChildProcess, timeoutMs: number): Promise<Run> {
  let stdout = '';
  let stderr = '';
  child.stdout?.setEncoding('utf8').on('data', (d: string) => {
    stdout += d;
  });
  child.stderr?.setEncoding('utf8').on('data', (d: string) => {
    stderr += d;
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(
        new Error(`stowage did not finish within ${timeoutMs} ms\nstdout: ${stdout}\nstderr: ${stderr}`),
      );
    }, timeoutMs);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

/** `run` must have exited with `code`; the message shows what it printed. */
export function explain(run: Run): string {
  return `exit ${run.code}${run.signal === null ? '' : ` (${run.signal})`}\n--- stdout\n${run.stdout.slice(0, 4000)}\n--- stderr\n${run.stderr.slice(0, 4000)}`;
}

export function json<T = Record<string, unknown>>(run: Run): T {
  return JSON.parse(run.stdout) as T;
}

export function ndjson<T = Record<string, unknown>>(run: Run): T[] {
  return run.stdout
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as T);
}

const dirs: string[] = [];
afterAll(async () => {
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
});

export async function tempDir(label: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), `stowage-cli-${label}-`));
  dirs.push(dir);
  return dir;
}

export async function writeFiles(root: string, files: Record<string, string | Buffer>): Promise<void> {
  for (const [name, content] of Object.entries(files)) {
    const path = join(root, name);
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, content);
  }
}

export function sha256(data: string | Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

export async function fileSha256(path: string): Promise<string> {
  return sha256(await readFile(path));
}

/** The environment that points the CLI at a bucket on a test S3 server. */
export function s3Env(target: AvailableS3Target, bucket: string, mode = 'seaweedfs'): Record<string, string> {
  return {
    STOWAGE_MODE: mode,
    STOWAGE_S3_BUCKET: bucket,
    STOWAGE_S3_ENDPOINT: target.endpoint,
    STOWAGE_S3_REGION: target.region,
    STOWAGE_S3_ACCESS_KEY_ID: target.accessKeyId,
    STOWAGE_S3_SECRET_ACCESS_KEY: target.secretAccessKey,
    STOWAGE_S3_FORCE_PATH_STYLE: 'true',
  };
}

export function bucketAdmin(
  target: AvailableS3Target,
  provider: 'seaweedfs' | 'generic' = 'seaweedfs',
): S3BucketAdmin {
  return new S3BucketAdmin({
    provider,
    endpoint: target.endpoint,
    region: target.region,
    forcePathStyle: true,
    credentials: { accessKeyId: target.accessKeyId, secretAccessKey: target.secretAccessKey },
  });
}
