// The S3 gateway over local mode vs SeaweedFS's own S3 port, the same client against each, in
// one run: AWS SDK v3 with its default checksum settings (CRC32 trailers), a keep-alive agent
// with 64 sockets. 4 KiB put/get ops/s at concurrency 16; 256 MiB put (lib-storage multipart,
// 8 MiB parts, 4 in flight — what SDK users run) and get (one stream) in MiB/s.
// The gateway runs as its own process (`stowage-s3-gateway`, built first when dist is missing) on
// a local-mode runtime (PGlite, fsync off like SeaweedFS's default); SeaweedFS is `weed mini`
// from tooling/servers. Env: STOWAGE_BENCH_SMALL_OPS (2000),
// STOWAGE_BENCH_LARGE_BYTES (256 MiB), STOWAGE_BENCH_GATEWAY_FSYNC=1 to fsync every local write.
// Runnable on its own: node --experimental-transform-types --expose-gc --import ./register-ts-hooks.mjs s3-gateway.bench.ts

import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { Agent } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import * as sdk from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { s3TestTarget } from '@stowage/testkit';
import {
  deterministicBuffer,
  deterministicStream,
  drain,
  KiB,
  MiB,
  printTable,
  type Row,
  runOps,
} from './bench-utils.ts';

const SMALL = 4 * KiB;
const SMALL_OPS = Number(process.env.STOWAGE_BENCH_SMALL_OPS ?? 2000);
const CONCURRENCY = 16;
const LARGE = Number(process.env.STOWAGE_BENCH_LARGE_BYTES ?? 256 * MiB);
const ROUNDS = 3;

const target = await s3TestTarget('seaweedfs');
if (!target.available) {
  console.error(`${target.reason}\nStart the servers: bash tooling/servers/start.sh seaweedfs`);
  process.exit(1);
}

const repo = join(import.meta.dirname, '../../..');
const bin = join(repo, 'packages/s3-gateway/dist/bin.js');
if (!existsSync(bin)) {
  spawnSync('pnpm', ['exec', 'turbo', 'run', 'build', '--filter=@stowage/s3-gateway'], {
    cwd: repo,
    stdio: 'inherit',
  });
}
const dataDir = await mkdtemp(join(tmpdir(), 'bench-s3-gateway-'));
const { child, url: gatewayUrl, key } = await startGateway();

/** Runs the gateway's bin on a free port with a fresh key; resolves once it prints its endpoint. */
function startGateway(): Promise<{ child: ChildProcess; url: string; key: { id: string; secret: string } }> {
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: process.env.HOME };
  Object.assign(env, {
    STOWAGE_MODE: 'local',
    STOWAGE_DATA_DIR: dataDir,
    STOWAGE_LOCAL_FSYNC: process.env.STOWAGE_BENCH_GATEWAY_FSYNC === '1' ? 'true' : 'false',
    STOWAGE_LOG_LEVEL: 'warn',
  });
  const child = spawn(process.execPath, [bin, '--port', '0', '--create-key', 'bench'], {
    env,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    let out = '';
    const early = (code: number | null) =>
      reject(new Error(`the gateway exited (${code}) before listening:\n${out}`));
    child.once('exit', early);
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const url = /listening on (http:\/\/\S+)/.exec(out)?.[1];
      const id = /AWS_ACCESS_KEY_ID=(\S+)/.exec(out)?.[1];
      const secret = /AWS_SECRET_ACCESS_KEY=(\S+)/.exec(out)?.[1];
      if (url !== undefined && id !== undefined && secret !== undefined) {
        child.off('exit', early);
        resolve({ child, url, key: { id, secret } });
      }
    });
  });
}

function client(endpoint: string, accessKeyId: string, secretAccessKey: string) {
  return new sdk.S3Client({
    endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: { accessKeyId, secretAccessKey },
    requestHandler: new NodeHttpHandler({ httpAgent: new Agent({ keepAlive: true, maxSockets: 64 }) }),
  });
}

const sides = {
  gateway: client(gatewayUrl, key.id, key.secret),
  seaweedfs: client(target.endpoint, target.accessKeyId, target.secretAccessKey),
} as const;
type Side = keyof typeof sides;
const bucket = `bench-gw-${Date.now().toString(36)}`;
for (const c of Object.values(sides)) await c.send(new sdk.CreateBucketCommand({ Bucket: bucket }));

const small = deterministicBuffer(SMALL, 1);
const rows: Row[] = [];
const columns: Side[] = ['gateway', 'seaweedfs'];
const measure = async (
  scenario: string,
  unit: string,
  run: (side: Side, round: number) => Promise<number>,
) => {
  const values: Record<string, number> = {};
  // Alternate the sides round by round so drift on a shared machine hits both alike.
  const bestOf: Record<Side, number> = {
    gateway: Number.POSITIVE_INFINITY,
    seaweedfs: Number.POSITIVE_INFINITY,
  };
  for (let round = 0; round < ROUNDS; round++) {
    for (const side of columns) bestOf[side] = Math.min(bestOf[side], await run(side, round));
  }
  for (const side of columns)
    values[side] = unit === 'ops/s' ? SMALL_OPS / bestOf[side] : LARGE / MiB / bestOf[side];
  rows.push({ scenario, unit, values });
};

await measure('put 4 KiB, c16', 'ops/s', (side, round) =>
  runOps(SMALL_OPS, CONCURRENCY, (i) =>
    sides[side].send(new sdk.PutObjectCommand({ Bucket: bucket, Key: `small/${round}/${i}`, Body: small })),
  ),
);
await measure('get 4 KiB, c16', 'ops/s', (side, round) =>
  runOps(SMALL_OPS, CONCURRENCY, async (i) => {
    const got = await sides[side].send(
      new sdk.GetObjectCommand({ Bucket: bucket, Key: `small/${round}/${i}` }),
    );
    await drain(got.Body as Readable);
  }),
);
await measure(`put ${LARGE / MiB} MiB (multipart)`, 'MiB/s', async (side) => {
  const t = performance.now();
  await new Upload({
    client: sides[side],
    params: { Bucket: bucket, Key: 'large.bin', Body: deterministicStream(LARGE, 2) },
    partSize: 8 * MiB,
    queueSize: 4,
  }).done();
  return (performance.now() - t) / 1000;
});
await measure(`get ${LARGE / MiB} MiB`, 'MiB/s', async (side) => {
  const t = performance.now();
  const got = await sides[side].send(new sdk.GetObjectCommand({ Bucket: bucket, Key: 'large.bin' }));
  const bytes = await drain(got.Body as Readable);
  if (bytes !== LARGE) throw new Error(`${side}: got ${bytes} bytes`);
  return (performance.now() - t) / 1000;
});

printTable(
  `S3 gateway over local mode vs SeaweedFS's S3 port (AWS SDK v3 defaults, best of ${ROUNDS})`,
  columns,
  rows,
  'gateway',
  'seaweedfs',
);

// Clean up: SeaweedFS's bucket, then the gateway and its data.
const weed = sides.seaweedfs;
for (;;) {
  const page = await weed.send(new sdk.ListObjectsV2Command({ Bucket: bucket }));
  const keys = (page.Contents ?? []).map((c) => ({ Key: c.Key! }));
  if (keys.length === 0) break;
  await weed.send(new sdk.DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: keys } }));
}
await weed.send(new sdk.DeleteBucketCommand({ Bucket: bucket }));
for (const c of Object.values(sides)) c.destroy();
child.kill('SIGTERM');
await new Promise((r) => child.once('exit', r));
await rm(dataDir, { recursive: true, force: true });
