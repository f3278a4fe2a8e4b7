// The benchmarks' regression guard, run by CI: a short run of the peers bench (Stowage and
// its raw baselines only, 3 interleaved rounds, small counts) that prints every ratio and
// fails only when one falls far below its band: about half of what bench/RESULTS.md shows,
// so noise on a shared 2-core runner passes and a 2x regression (or the cold listing's old
// 0.08x) does not. Timings are never asserted on their own, only as ratios to a baseline
// measured in the same rounds.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

interface Band {
  row: string;
  /** Ratio to raw in bench/RESULTS.md (the full run). */
  typical: number;
  /** Below this the guard fails. */
  floor: number;
}

// Typical ratios from bench/RESULTS.md and this guard's own runs on the 2-core machine.
const LOCAL: Band[] = [
  { row: 'local put 4 KiB c16', typical: 0.7, floor: 0.35 },
  { row: 'local get 4 KiB', typical: 1.05, floor: 0.45 },
  { row: 'local put 64 MiB', typical: 0.8, floor: 0.4 },
  // Raw lists with readdir + stat + a read per key for its etag; Stowage reads a journal
  // per directory. The old per-key hashing (0.08x) must fail this.
  { row: 'local cold list', typical: 3.5, floor: 1 },
];
const S3: Band[] = [
  { row: 'S3 put 4 KiB c16', typical: 1.0, floor: 0.5 },
  { row: 'S3 get 4 KiB c16', typical: 1.0, floor: 0.5 },
];

const haveS3 = process.env.STOWAGE_SEAWEED_S3_ENDPOINT !== undefined || process.env.CI === 'true';
const bands = [...LOCAL, ...(haveS3 ? S3 : [])];
const dir = mkdtempSync(join(tmpdir(), 'stowage-guard-'));
let ratios = new Map<string, number>();

beforeAll(() => {
  const json = join(dir, 'guard.json');
  const run = spawnSync(process.execPath, [join(import.meta.dirname, '../src/run.mjs'), 'peers'], {
    encoding: 'utf8',
    env: {
      ...process.env,
      STOWAGE_BENCH_JSON: json,
      STOWAGE_BENCH_PEERS_LIBS: 'stowage',
      STOWAGE_BENCH_PEERS_ROWS: bands.map((b) => b.row).join(','),
      ...(haveS3 ? {} : { STOWAGE_BENCH_PEERS_ONLY: 'local' }),
      STOWAGE_BENCH_ROUNDS: '3',
      STOWAGE_BENCH_RERUNS: '2',
      STOWAGE_BENCH_PEERS_C16_OPS: '400',
      STOWAGE_BENCH_PEERS_LOCAL_PUT_OPS: '400',
      STOWAGE_BENCH_PEERS_LOCAL_GET_OPS: '1000',
      STOWAGE_BENCH_PEERS_LIST_KEYS: '2000',
      STOWAGE_BENCH_DIR: dir,
    },
  });
  process.stdout.write(run.stdout);
  if (run.status !== 0)
    throw new Error(`the peers bench failed (exit ${run.status}): ${run.stderr.slice(-2000)}`);
  const report = JSON.parse(readFileSync(json, 'utf8')) as {
    results: { row: string; ratio: Record<string, number> }[];
  };
  ratios = new Map(report.results.map((r) => [r.row, r.ratio.stowage!]));
}, 600_000);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('benchmark regression guard (Stowage / raw, same rounds)', () => {
  const check = ({ row, floor }: Band) => {
    const found = [...ratios].find(([name]) => name.includes(row));
    expect(found, `row ${row} missing from the bench's report`).toBeDefined();
    expect(found![1]).toBeGreaterThanOrEqual(floor);
  };
  it.each(LOCAL)('$row: at least $floor (typically $typical)', check);
  describe.skipIf(!haveS3)('S3 on SeaweedFS (skipped without one: tooling/servers/start.sh)', () => {
    it.each(S3)('$row: at least $floor (typically $typical)', check);
  });
});
