// `stowage sync` vs `aws s3 sync` (awscli from the repo's .venv) vs `rclone copy` (Debian's
// rclone), each uploading the same trees to a fresh SeaweedFS bucket, in one run: 1,000 small
// files, the same 1,000 again with nothing changed, and one 1 GiB file. Each tool runs with its
// own default concurrency (stowage 16, aws 10 requests, rclone 4 transfers / 8 checkers).
// Not in CI, and not part of a plain `pnpm bench`: it writes 1 GiB and takes minutes. Run it with
//   STOWAGE_BENCH_CLI_SYNC=1 pnpm bench cli-sync
// after `pnpm build` (it runs apps/cli/dist/bin.js) and with the servers up
// (bash tooling/servers/start.sh seaweedfs && . tooling/servers/env.sh).
// Env: STOWAGE_BENCH_HUGE_BYTES (default 1 GiB), STOWAGE_BENCH_ROUNDS (default 2; best of).

import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createWriteStream, existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import { S3BucketAdmin } from '@stowage/s3';
import { type AvailableS3Target, s3TestTarget } from '@stowage/testkit';
import { deterministicStream, MiB } from './bench-utils.ts';

if (process.env.STOWAGE_BENCH_CLI_SYNC !== '1') {
  console.log(
    'cli-sync: skipped (writes 1 GiB and takes minutes); run with STOWAGE_BENCH_CLI_SYNC=1 pnpm bench cli-sync',
  );
  process.exit(0);
}

const repo = fileURLToPath(new URL('../../../', import.meta.url));
const STOWAGE = join(repo, 'apps/cli/dist/bin.js');
const AWS = join(repo, '.venv/bin/aws');
const HUGE = Number(process.env.STOWAGE_BENCH_HUGE_BYTES ?? 1024 * MiB);
const ROUNDS = Number(process.env.STOWAGE_BENCH_ROUNDS ?? 2);

const probed = await s3TestTarget('seaweedfs');
if (!probed.available) {
  console.error(
    `${probed.reason}\nStart the servers: bash tooling/servers/start.sh seaweedfs && . tooling/servers/env.sh`,
  );
  process.exit(1);
}
const target: AvailableS3Target = probed;
for (const [tool, path] of [
  ['stowage (pnpm build)', STOWAGE],
  ['aws (bash tooling/servers/install.sh)', AWS],
] as const) {
  if (!existsSync(path)) {
    console.error(`cli-sync: ${tool} missing at ${path}`);
    process.exit(1);
  }
}
if (spawnSync('rclone', ['version']).status !== 0) {
  console.error('cli-sync: rclone missing (apt-get install -y rclone)');
  process.exit(1);
}

const admin = new S3BucketAdmin({
  provider: 'seaweedfs',
  endpoint: target.endpoint,
  region: target.region,
  forcePathStyle: true,
  credentials: { accessKeyId: target.accessKeyId, secretAccessKey: target.secretAccessKey },
});

const work = await mkdtemp(join(tmpdir(), 'stowage-cli-bench-'));
const small = join(work, 'small');
const huge = join(work, 'huge');
for (let i = 0; i < 1000; i++) {
  const dir = join(small, `d${i % 20}`);
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, `f${i}.bin`), randomBytes(1024 + ((i * 7919) % (15 * 1024))));
}
await mkdir(huge, { recursive: true });
await pipeline(deterministicStream(HUGE, 1), createWriteStream(join(huge, 'one.bin')));

const baseEnv: NodeJS.ProcessEnv = Object.fromEntries(
  Object.entries(process.env).filter(([k]) => !/^(STOWAGE_(?!SEAWEED)|S3_|AWS_|RCLONE_)/.test(k)),
);
type Tool = 'stowage' | 'aws' | 'rclone';
const TOOLS: Tool[] = ['stowage', 'aws', 'rclone'];

function command(
  tool: Tool,
  dir: string,
  bucket: string,
): { file: string; args: string[]; env: NodeJS.ProcessEnv } {
  if (tool === 'stowage') {
    return {
      file: process.execPath,
      args: [STOWAGE, 'sync', dir, `seaweedfs://${bucket}/`, '--quiet', '--progress', 'none'],
      env: {
        ...baseEnv,
        STOWAGE_MODE: 'seaweedfs',
        STOWAGE_S3_BUCKET: bucket,
        STOWAGE_S3_ENDPOINT: target.endpoint,
        STOWAGE_S3_REGION: target.region,
        STOWAGE_S3_ACCESS_KEY_ID: target.accessKeyId,
        STOWAGE_S3_SECRET_ACCESS_KEY: target.secretAccessKey,
        STOWAGE_DATA_DIR: join(work, 'stowage-data'),
      },
    };
  }
  if (tool === 'aws') {
    return {
      file: AWS,
      args: ['s3', 'sync', dir, `s3://${bucket}/`, '--endpoint-url', target.endpoint, '--only-show-errors'],
      env: {
        ...baseEnv,
        AWS_ACCESS_KEY_ID: target.accessKeyId,
        AWS_SECRET_ACCESS_KEY: target.secretAccessKey,
        AWS_DEFAULT_REGION: target.region,
      },
    };
  }
  return {
    file: 'rclone',
    args: [
      'copy',
      dir,
      `:s3:${bucket}/`,
      '--s3-provider',
      'SeaweedFS',
      '--s3-endpoint',
      target.endpoint,
      '--s3-access-key-id',
      target.accessKeyId,
      '--s3-secret-access-key',
      target.secretAccessKey,
      '--s3-region',
      target.region,
      '--s3-force-path-style',
    ],
    env: baseEnv,
  };
}

function timed(tool: Tool, dir: string, bucket: string): number {
  const { file, args, env } = command(tool, dir, bucket);
  const start = process.hrtime.bigint();
  const result = spawnSync(file, args, { env, stdio: ['ignore', 'ignore', 'pipe'], maxBuffer: 16 * MiB });
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  if (result.status !== 0)
    throw new Error(`${tool} failed (${result.status}): ${result.stderr.toString().slice(0, 2000)}`);
  return seconds;
}

const results: Record<string, Record<Tool, number>> = {
  '1,000 small files (11 MiB)': { stowage: Infinity, aws: Infinity, rclone: Infinity },
  '1,000 unchanged (re-sync)': { stowage: Infinity, aws: Infinity, rclone: Infinity },
  [`1 file of ${HUGE / MiB} MiB`]: { stowage: Infinity, aws: Infinity, rclone: Infinity },
};
const [smallRow, resyncRow, hugeRow] = Object.keys(results) as [string, string, string];
try {
  for (let round = 0; round < ROUNDS; round++) {
    // Tools take turns in each round, so drift in the machine's load spreads over all of them.
    for (const tool of TOOLS) {
      const bucket = `bench-cli-${tool}-${round}-${Date.now().toString(36)}`;
      await admin.createBucket(bucket);
      try {
        results[smallRow]![tool] = Math.min(results[smallRow]![tool], timed(tool, small, bucket));
        results[resyncRow]![tool] = Math.min(results[resyncRow]![tool], timed(tool, small, bucket));
        results[hugeRow]![tool] = Math.min(results[hugeRow]![tool], timed(tool, huge, bucket));
      } finally {
        await admin.deleteBucket(bucket, { force: true });
      }
      console.error(`round ${round + 1}/${ROUNDS}: ${tool} done`);
    }
  }
} finally {
  admin.destroy();
  await rm(work, { recursive: true, force: true });
}

console.log('\nsync to SeaweedFS: seconds (best of %d), and how many times faster stowage is', ROUNDS);
const header = ['scenario', 'stowage s', 'aws s', 'rclone s', 'aws/stowage', 'rclone/stowage'];
const rows = Object.entries(results).map(([name, r]) => [
  name,
  r.stowage.toFixed(2),
  r.aws.toFixed(2),
  r.rclone.toFixed(2),
  `${(r.aws / r.stowage).toFixed(2)}x`,
  `${(r.rclone / r.stowage).toFixed(2)}x`,
]);
const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
for (const row of [header, widths.map((w) => '-'.repeat(w)), ...rows]) {
  console.log(row.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  '));
}
console.log(
  `1 GiB throughput: stowage ${(HUGE / MiB / results[hugeRow]!.stowage).toFixed(0)} MiB/s, aws ${(HUGE / MiB / results[hugeRow]!.aws).toFixed(0)} MiB/s, rclone ${(HUGE / MiB / results[hugeRow]!.rclone).toFixed(0)} MiB/s`,
);
