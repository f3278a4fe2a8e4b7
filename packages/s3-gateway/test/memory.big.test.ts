import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningGateway, startGateway } from './support.js';

const run = promisify(execFile);
const BIG = process.env.STOWAGE_GATEWAY_BIG === '1';
const BYTES = 1024 ** 3;
const LIMIT = 64 * 1024 * 1024;

/**
 * A 1 GiB object streamed through the gateway (over local mode) each way, by a client in a
 * process of its own: the gateway's process may grow by less than 64 MiB. Behind
 * STOWAGE_GATEWAY_BIG=1 (it writes and reads a gibibyte; not for every CI run).
 */
describe.skipIf(!BIG)('streaming 1 GiB through the gateway', () => {
  let gw: RunningGateway;
  beforeAll(async () => {
    gw = await startGateway('local');
    await gw.gateway.buckets.create('big');
  });
  afterAll(async () => {
    await gw?.close();
  });

  async function measure(op: 'put' | 'get', bytes = BYTES, key = 'one-gib.bin') {
    (globalThis as { gc?: () => void }).gc?.();
    const baseline = process.memoryUsage().rss;
    let peak = baseline;
    const timer = setInterval(() => {
      peak = Math.max(peak, process.memoryUsage().rss);
    }, 50);
    try {
      const { stdout } = await run(
        process.execPath,
        [join(import.meta.dirname, 'big-client.mjs'), op, gw.url, 'big', key, String(bytes)],
        {
          env: {
            ...process.env,
            AWS_ACCESS_KEY_ID: gw.accessKeyId,
            AWS_SECRET_ACCESS_KEY: gw.secretAccessKey,
          },
          maxBuffer: 1024 * 1024,
        },
      );
      const result = JSON.parse(stdout.trim());
      const growth = peak - baseline;
      console.log(
        `${(bytes / 1048576).toFixed(0)} MiB ${op}: ${result.mibPerSecond.toFixed(0)} MiB/s; gateway RSS ${(baseline / 1048576).toFixed(0)} → peak ${(peak / 1048576).toFixed(0)} MiB (+${(growth / 1048576).toFixed(1)} MiB)`,
      );
      return growth;
    } finally {
      clearInterval(timer);
    }
  }

  it('a 1 GiB put grows RSS by less than 64 MiB', async () => {
    // Warm-up: one-time costs (the local store's hashing worker thread, the SDK's first
    // request, JIT) are paid by a 32 MiB object, so the gibibyte measures what streaming costs.
    await measure('put', 32 * 1024 * 1024, 'warm-up.bin');
    await measure('get', 32 * 1024 * 1024, 'warm-up.bin');
    expect(await measure('put')).toBeLessThan(LIMIT);
    const info = await (await gw.gateway.buckets.get('big'))!.store.head('one-gib.bin');
    expect(info.size).toBe(BYTES);
  }, 600_000);

  it('a 1 GiB get grows RSS by less than 64 MiB', async () => {
    expect(await measure('get')).toBeLessThan(LIMIT);
  }, 600_000);
});
