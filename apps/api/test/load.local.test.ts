import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { bytes, MiB, sha } from './resumable-support.js';
import { type ApiProcess, makeKey, startApiProcess } from './support/api-process.js';

/**
 * A bounded load test on loopback: 32 clients upload and download small and 8 MiB objects
 * against the service (local mode, its own process) for STOWAGE_LOAD_SECONDS (default 10; the
 * issue's full run is 60). Every download is checked against the sha256 of what was uploaded;
 * any error or mismatch fails. Reports throughput, p50/p99 latency and the service's peak RSS.
 */
const SECONDS = Number(process.env.STOWAGE_LOAD_SECONDS ?? 10);
const CLIENTS = 32;
const LARGE = 8 * MiB;
/** One iteration in this many uploads an 8 MiB object; the others 1–64 KiB. */
const LARGE_EVERY = 6;

let api: ApiProcess;
let dataDir: string;
beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'stowage-load-'));
  api = await startApiProcess(
    {
      mode: 'local',
      dataDir,
      local: { fsync: false },
      api: { rateLimitPerMinute: 10_000_000, maxUploadBytes: 16 * MiB },
    },
    { sampleRss: true },
  );
}, 60_000);
afterAll(async () => {
  await api?.stop();
  if (dataDir !== undefined) await rm(dataDir, { recursive: true, force: true });
});

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

it(
  `${CLIENTS} clients upload and download small and 8 MiB objects for ${SECONDS} s: no error, every object verified`,
  async () => {
    const { token } = await makeKey(api, ['write']);
    const larges = [bytes(LARGE, 1001), bytes(LARGE, 1002), bytes(LARGE, 1003)].map((b) => ({
      b,
      sha: sha(b),
    }));
    const smalls = Array.from({ length: 64 }, (_, i) => bytes(1024 + ((i * 977) % 63) * 1024, 2000 + i)).map(
      (b) => ({ b, sha: sha(b) }),
    );
    const latency: Record<string, number[]> = {
      'put small': [],
      'get small': [],
      'put 8 MiB': [],
      'get 8 MiB': [],
    };
    let bytesUp = 0;
    let bytesDown = 0;
    let verified = 0;
    const errors: string[] = [];
    const deadline = Date.now() + SECONDS * 1000;
    const started = performance.now();

    const client = async (c: number) => {
      for (let i = 0; Date.now() < deadline; i++) {
        const large = (i + c) % LARGE_EVERY === 0;
        const payload = large ? larges[(i + c) % larges.length]! : smalls[(i * 7 + c) % smalls.length]!;
        const size = large ? '8 MiB' : 'small';
        // Each client owns its keys: one large slot, four small ones (the disk stays bounded).
        const url = `${api.url}v1/objects/load/c${c}/${large ? 'large' : `small-${i % 4}`}.bin`;
        try {
          let t = performance.now();
          const put = await fetch(url, {
            method: 'PUT',
            headers: { 'x-api-key': token, 'content-type': 'application/octet-stream' },
            body: payload.b,
          });
          const answer = (await put.json()) as { sha256?: string };
          latency[`put ${size}`]!.push(performance.now() - t);
          if (put.status !== 201) throw new Error(`PUT ${put.status} ${JSON.stringify(answer)}`);
          if (answer.sha256 !== payload.sha) throw new Error('the upload answered another sha256');
          bytesUp += payload.b.length;
          t = performance.now();
          const get = await fetch(url, { headers: { 'x-api-key': token } });
          const body = Buffer.from(await get.arrayBuffer());
          latency[`get ${size}`]!.push(performance.now() - t);
          if (get.status !== 200) throw new Error(`GET ${get.status}`);
          if (sha(body) !== payload.sha) throw new Error(`GET ${url}: sha256 mismatch`);
          bytesDown += body.length;
          verified++;
        } catch (error) {
          errors.push(`${url}: ${String(error)}`);
        }
      }
    };
    await Promise.all(Array.from({ length: CLIENTS }, (_, c) => client(c)));
    const elapsed = (performance.now() - started) / 1000;

    const all = Object.values(latency).flat();
    const lines = [
      `load (local mode, loopback, ${CLIENTS} clients, ${elapsed.toFixed(1)} s): ${all.length} requests (${(all.length / elapsed).toFixed(0)}/s), ${verified} objects uploaded, downloaded and verified by sha256, ${errors.length} errors`,
      `  throughput: up ${(bytesUp / MiB / elapsed).toFixed(1)} MiB/s, down ${(bytesDown / MiB / elapsed).toFixed(1)} MiB/s`,
      ...Object.entries(latency).map(([name, values]) => {
        const sorted = [...values].sort((x, y) => x - y);
        return `  ${name.padEnd(10)} n=${String(values.length).padStart(5)}  p50 ${percentile(sorted, 50).toFixed(1)} ms  p99 ${percentile(sorted, 99).toFixed(1)} ms`;
      }),
      `  service peak RSS: ${(api.peakRss() / MiB).toFixed(0)} MiB`,
    ];
    console.log(lines.join('\n'));
    expect(errors.slice(0, 5)).toEqual([]);
    expect(verified).toBeGreaterThan(CLIENTS);
    expect(latency['put 8 MiB']!.length).toBeGreaterThan(0);
    expect(api.peakRss()).toBeGreaterThan(0);
  },
  (SECONDS + 120) * 1000,
);
