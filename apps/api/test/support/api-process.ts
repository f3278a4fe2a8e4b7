import { type ChildProcess, spawn } from 'node:child_process';
import type { RuntimeConfig } from '@stowage/runtime';

export interface ApiProcess {
  /** Base URL, ending in "/". */
  url: string;
  adminToken: string;
  pid: number;
  child: ChildProcess;
  /** Peak resident set size of the process, sampled from /proc (bytes). */
  peakRss(): number;
  stop(): Promise<void>;
}

/**
 * The service (built `dist/`) in a child process on `config`. Resolves once it listens.
 * Samples the process's RSS every 100 ms while `sampleRss` is set.
 */
export async function startApiProcess(
  config: RuntimeConfig,
  options: { sampleRss?: boolean } = {},
): Promise<ApiProcess> {
  const child = spawn(process.execPath, [new URL('./serve-api.mjs', import.meta.url).pathname], {
    env: { ...process.env, STOWAGE_TEST_CONFIG: JSON.stringify(config) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout!.on('data', (d: Buffer) => {
    out += d.toString();
  });
  child.stderr!.on('data', (d: Buffer) => {
    err += d.toString();
  });
  const line = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the service did not start in 60 s: ${err}`)), 60_000);
    const check = () => {
      const ready = out.split('\n').find((l) => l.startsWith('READY '));
      if (ready !== undefined) {
        clearTimeout(timer);
        resolve(ready);
      }
    };
    child.stdout!.on('data', check);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the service exited (${code}): ${err}`));
    });
  });
  const [, url, adminToken, pid] = line.split(' ');
  let peak = 0;
  const { readFile } = await import('node:fs/promises');
  const sample = async () => {
    const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => '');
    const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
    peak = Math.max(peak, kb * 1024);
  };
  const timer = options.sampleRss ? setInterval(() => void sample(), 100) : undefined;
  return {
    url: url!,
    adminToken: adminToken!,
    pid: Number(pid),
    child,
    peakRss: () => peak,
    stop: async () => {
      if (timer !== undefined) clearInterval(timer);
      if (child.exitCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      const forced = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(forced);
    },
  };
}

/** A key with `scopes`, made through the admin route of `api`. */
export async function makeKey(api: ApiProcess, scopes: string[]): Promise<{ id: string; token: string }> {
  const response = await fetch(`${api.url}v1/admin/keys`, {
    method: 'POST',
    headers: { 'x-api-key': api.adminToken, 'content-type': 'application/json' },
    body: JSON.stringify({ name: `test ${scopes.join('+')}`, scopes }),
  });
  if (response.status !== 201 && response.status !== 200)
    throw new Error(`key creation: ${response.status} ${await response.text()}`);
  return (await response.json()) as { id: string; token: string };
}
