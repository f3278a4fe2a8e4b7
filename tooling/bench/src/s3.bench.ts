// S3ObjectStore vs the raw AWS SDK v3, both against the same SeaweedFS (tooling/servers), in one run.
// Both clients are configured alike (path style, checksums WHEN_REQUIRED as the seaweedfs profile,
// keep-alive agent with 64 sockets) so the ratio is the adapter's own overhead: key checks,
// sha256 of in-memory bodies, metadata mapping, ObjectInfo building.
// Env: the STOWAGE_SEAWEED_* variables of tooling/servers/env.sh; STOWAGE_BENCH_SMALL_OPS,
// STOWAGE_BENCH_LARGE_BYTES (default 256 MiB), STOWAGE_BENCH_HUGE_BYTES (default 1 GiB).
// Runnable on its own: node --experimental-transform-types --expose-gc --import ./register-ts-hooks.mjs s3.bench.ts

import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { Agent } from 'node:http';
import type { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import * as sdk from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { S3BucketAdmin, S3ObjectStore } from '@stowage/s3';
import { s3TestTarget } from '@stowage/testkit';
import {
  best,
  deterministicBuffer,
  deterministicStream,
  drain,
  KiB,
  MiB,
  peakRssGrowth,
  printTable,
  type Row,
  runOps,
} from './bench-utils.ts';

const SMALL = 4 * KiB;
const SMALL_OPS = Number(process.env.STOWAGE_BENCH_SMALL_OPS ?? 2000);
const CONCURRENCY = 16;
const LARGE = Number(process.env.STOWAGE_BENCH_LARGE_BYTES ?? 256 * MiB);
const LIST_KEYS = 10_000;
const HUGE = Number(process.env.STOWAGE_BENCH_HUGE_BYTES ?? 1024 * MiB);
const ROUNDS = 3;
// Part size and queue: the adapter's defaults unless overridden; the raw Upload uses the same.
const DEFAULTS = new S3ObjectStore({ provider: 'seaweedfs', bucket: 'defaults-only' });
DEFAULTS.destroy();
const PART =
  process.env.STOWAGE_BENCH_PART_MIB === undefined
    ? DEFAULTS.config.partSize
    : Number(process.env.STOWAGE_BENCH_PART_MIB) * MiB;
const QUEUE = Number(process.env.STOWAGE_BENCH_QUEUE ?? DEFAULTS.config.queueSize);
/** Fresh processes per 1 GiB RSS measurement: one sample swings by ±30 MiB with GC timing. */
const RSS_RUNS = Number(process.env.STOWAGE_BENCH_RSS_RUNS ?? 3);

const target = await s3TestTarget('seaweedfs');
if (!target.available) {
  console.error(
    `${target.reason}\nStart the servers: bash tooling/servers/start.sh seaweedfs && . tooling/servers/env.sh`,
  );
  process.exit(1);
}
const credentials = { accessKeyId: target.accessKeyId, secretAccessKey: target.secretAccessKey };
const connection = {
  provider: 'seaweedfs' as const,
  endpoint: target.endpoint,
  region: target.region,
  credentials,
};

function rawClient() {
  return new sdk.S3Client({
    endpoint: connection.endpoint,
    region: connection.region,
    credentials,
    forcePathStyle: true,
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    requestHandler: new NodeHttpHandler({ httpAgent: new Agent({ keepAlive: true, maxSockets: 64 }) }),
  });
}

// Child mode: one 1 GiB put and get, report peak RSS growth, exit.
const childArg = process.argv.find((a) => a.startsWith('--rss-child='));
if (childArg !== undefined) {
  const which = childArg.slice('--rss-child='.length);
  const childBucket = process.argv.at(-1)!;
  const key = `huge/${which}`;
  const childStore = new S3ObjectStore({
    ...connection,
    bucket: childBucket,
    partSize: PART,
    queueSize: QUEUE,
  });
  const childRaw = rawClient();
  const put = await peakRssGrowth(async () => {
    const t = performance.now();
    if (which === 'stowage') await childStore.put(key, deterministicStream(HUGE, 3));
    else {
      await new Upload({
        client: childRaw,
        params: { Bucket: childBucket, Key: key, Body: deterministicStream(HUGE, 3) },
        partSize: PART,
        queueSize: QUEUE,
      }).done();
    }
    return (performance.now() - t) / 1000;
  });
  const get = await peakRssGrowth(async () => {
    const t = performance.now();
    const body =
      which === 'stowage'
        ? (await childStore.get(key)).body
        : ((await childRaw.send(new sdk.GetObjectCommand({ Bucket: childBucket, Key: key })))
            .Body as Readable);
    const hash = createHash('sha256');
    for await (const chunk of body) hash.update(chunk as Buffer);
    hash.digest('hex');
    return (performance.now() - t) / 1000;
  });
  console.log(
    `RSS ${JSON.stringify({ put: put.growth, get: get.growth, putSeconds: put.result, getSeconds: get.result })}`,
  );
  childStore.destroy();
  childRaw.destroy();
  process.exit(0);
}

const admin = new S3BucketAdmin(connection);
const bucket = `bench-s3-${Date.now().toString(36)}`;
await admin.createBucket(bucket);

const store = new S3ObjectStore({ ...connection, bucket, partSize: PART, queueSize: QUEUE });
const raw = rawClient();

const small = deterministicBuffer(SMALL, 1);
const rows: Row[] = [];
const columns = ['stowage', 'raw sdk'];

// ---------------------------------------------------------------- 4 KiB ops, concurrency 16
const rawPutSmall = (key: string) =>
  raw.send(
    new sdk.PutObjectCommand({
      Bucket: bucket,
      Key: key,
      Body: small,
      ContentType: 'application/octet-stream',
    }),
  );
// Both read the objects stowage wrote (they carry its sha256 metadata header, which costs the
// server and the SDK's header parsing something): the ratio is then the get path's own overhead.
const rawGet = async (key: string) => {
  const out = await raw.send(new sdk.GetObjectCommand({ Bucket: bucket, Key: key }));
  return drain(out.Body as Readable);
};

const cpuRows: Row[] = [];
const smallResults: Record<string, Record<string, number>> = { put: {}, get: {}, head: {} };
for (const [op, stowage, baseline] of [
  ['put', (i: number) => store.put(`small/s-${i}`, small), (i: number) => rawPutSmall(`small/r-${i}`)],
  [
    'get',
    async (i: number) => drain((await store.get(`small/s-${i}`)).body),
    (i: number) => rawGet(`small/s-${i}`),
  ],
  [
    'head',
    (i: number) => store.head(`small/s-${i}`),
    (i: number) => raw.send(new sdk.HeadObjectCommand({ Bucket: bucket, Key: `small/s-${i}` })),
  ],
] as const) {
  // Interleaved rounds, best of each: fairest on a shared machine. Wall-clock throughput also
  // measures the server and everything else on the machine; this process's CPU time per op is
  // the client-side cost alone, so it is reported beside it (as ops per CPU-second).
  let s = Number.POSITIVE_INFINITY;
  let r = Number.POSITIVE_INFINITY;
  let sCpu = Number.POSITIVE_INFINITY;
  let rCpu = Number.POSITIVE_INFINITY;
  const cpuSeconds = async (fn: (i: number) => Promise<unknown>) => {
    const before = process.cpuUsage();
    const wall = await runOps(SMALL_OPS, CONCURRENCY, fn);
    const used = process.cpuUsage(before);
    return { wall, cpu: (used.user + used.system) / 1e6 };
  };
  for (let round = 0; round < ROUNDS; round++) {
    const mine = await cpuSeconds(stowage);
    const theirs = await cpuSeconds(baseline);
    s = Math.min(s, mine.wall);
    r = Math.min(r, theirs.wall);
    sCpu = Math.min(sCpu, mine.cpu);
    rCpu = Math.min(rCpu, theirs.cpu);
  }
  smallResults[op] = { stowage: SMALL_OPS / s, raw: SMALL_OPS / r };
  rows.push({
    scenario: `${op} 4 KiB x${SMALL_OPS}, concurrency ${CONCURRENCY}`,
    unit: 'ops/s',
    values: { stowage: SMALL_OPS / s, 'raw sdk': SMALL_OPS / r },
  });
  cpuRows.push({
    scenario: `${op} 4 KiB, client CPU`,
    unit: 'ops/cpu-s',
    values: { stowage: SMALL_OPS / sCpu, 'raw sdk': SMALL_OPS / rCpu },
  });
}
rows.push(...cpuRows);

// ---------------------------------------------------------------- 256 MiB streamed put and get
const largeMiB = LARGE / MiB;
let sPut = Number.POSITIVE_INFINITY;
let rPut = Number.POSITIVE_INFINITY;
for (let round = 0; round < 2; round++) {
  sPut = Math.min(
    sPut,
    await best(1, async () => {
      const t = performance.now();
      await store.put('large/s', deterministicStream(LARGE, 2));
      return (performance.now() - t) / 1000;
    }),
  );
  rPut = Math.min(
    rPut,
    await best(1, async () => {
      const t = performance.now();
      await new Upload({
        client: raw,
        params: {
          Bucket: bucket,
          Key: 'large/r',
          Body: deterministicStream(LARGE, 2),
          ContentType: 'application/octet-stream',
        },
        partSize: PART,
        queueSize: QUEUE,
      }).done();
      return (performance.now() - t) / 1000;
    }),
  );
}
rows.push({
  scenario: `put ${largeMiB} MiB stream`,
  unit: 'MiB/s',
  values: { stowage: largeMiB / sPut, 'raw sdk': largeMiB / rPut },
});

let sGet = Number.POSITIVE_INFINITY;
let rGet = Number.POSITIVE_INFINITY;
for (let round = 0; round < 2; round++) {
  let t = performance.now();
  if ((await drain((await store.get('large/s')).body)) !== LARGE) throw new Error('short read');
  sGet = Math.min(sGet, (performance.now() - t) / 1000);
  t = performance.now();
  if ((await rawGet('large/r')) !== LARGE) throw new Error('short read');
  rGet = Math.min(rGet, (performance.now() - t) / 1000);
}
rows.push({
  scenario: `get ${largeMiB} MiB stream`,
  unit: 'MiB/s',
  values: { stowage: largeMiB / sGet, 'raw sdk': largeMiB / rGet },
});

// ---------------------------------------------------------------- listing 10k keys
await runOps(LIST_KEYS, 32, (i) =>
  raw.send(
    new sdk.PutObjectCommand({ Bucket: bucket, Key: `list/${String(i).padStart(5, '0')}`, Body: 'x' }),
  ),
);
let sList = Number.POSITIVE_INFINITY;
let rList = Number.POSITIVE_INFINITY;
for (let round = 0; round < ROUNDS; round++) {
  let t = performance.now();
  let n = 0;
  for await (const _ of store.list({ prefix: 'list/' })) n++;
  if (n !== LIST_KEYS) throw new Error(`stowage listed ${n}`);
  sList = Math.min(sList, (performance.now() - t) / 1000);
  t = performance.now();
  n = 0;
  let token: string | undefined;
  do {
    const out = await raw.send(
      new sdk.ListObjectsV2Command({ Bucket: bucket, Prefix: 'list/', ContinuationToken: token }),
    );
    n += out.Contents?.length ?? 0;
    token = out.IsTruncated ? out.NextContinuationToken : undefined;
  } while (token !== undefined);
  if (n !== LIST_KEYS) throw new Error(`raw listed ${n}`);
  rList = Math.min(rList, (performance.now() - t) / 1000);
}
rows.push({
  scenario: `list ${LIST_KEYS} keys (pages of 1000)`,
  unit: 'keys/s',
  values: { stowage: LIST_KEYS / sList, 'raw sdk': LIST_KEYS / rList },
});

printTable(
  `S3ObjectStore vs raw @aws-sdk/client-s3 on SeaweedFS ${target.endpoint}`,
  columns,
  rows,
  'stowage',
  'raw sdk',
);

// ---------------------------------------------------------------- 1 GiB streamed, peak RSS
// Each measurement runs in a fresh process (this file with --rss-child=…), so neither inherits
// the other's grown heap.
const hugeMiB = HUGE / MiB;
function rssChild(which: string): { put: number; get: number; putSeconds: number; getSeconds: number } {
  const child = spawnSync(
    process.execPath,
    [...process.execArgv, fileURLToPath(import.meta.url), `--rss-child=${which}`, bucket],
    {
      encoding: 'utf8',
      env: process.env,
    },
  );
  const line = child.stdout.split('\n').find((l) => l.startsWith('RSS '));
  if (child.status !== 0 || line === undefined) throw new Error(`RSS child ${which} failed: ${child.stderr}`);
  return JSON.parse(line.slice(4));
}
type RssSample = ReturnType<typeof rssChild>;
function median(samples: RssSample[], field: keyof RssSample): number {
  const sorted = samples.map((x) => x[field]).sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}
function range(samples: RssSample[], field: 'put' | 'get'): string {
  const v = samples.map((x) => x[field] / MiB);
  return `${Math.min(...v).toFixed(0)}–${Math.max(...v).toFixed(0)}`;
}
const mineRuns: RssSample[] = [];
const theirRuns: RssSample[] = [];
for (let run = 0; run < RSS_RUNS; run++) {
  mineRuns.push(rssChild('stowage'));
  theirRuns.push(rssChild('raw'));
}
const summary = (runs: RssSample[]): RssSample => ({
  put: median(runs, 'put'),
  get: median(runs, 'get'),
  putSeconds: median(runs, 'putSeconds'),
  getSeconds: median(runs, 'getSeconds'),
});
const mine = summary(mineRuns);
const theirs = summary(theirRuns);
console.log(
  `\nStreaming ${hugeMiB} MiB (parts of ${PART / MiB} MiB x${QUEUE}), each in a fresh process, median of ${RSS_RUNS} (range)`,
);
console.log(
  `  stowage put: ${(hugeMiB / mine.putSeconds).toFixed(0)} MiB/s (sha256 while streaming), peak RSS growth ${(mine.put / MiB).toFixed(1)} MiB (${range(mineRuns, 'put')})`,
);
console.log(
  `  stowage get: ${(hugeMiB / mine.getSeconds).toFixed(0)} MiB/s, peak RSS growth ${(mine.get / MiB).toFixed(1)} MiB (${range(mineRuns, 'get')})`,
);
console.log(
  `  raw lib-storage Upload put: ${(hugeMiB / theirs.putSeconds).toFixed(0)} MiB/s, peak RSS growth ${(theirs.put / MiB).toFixed(1)} MiB (${range(theirRuns, 'put')})`,
);
console.log(
  `  raw GetObject get: ${(hugeMiB / theirs.getSeconds).toFixed(0)} MiB/s, peak RSS growth ${(theirs.get / MiB).toFixed(1)} MiB (${range(theirRuns, 'get')})`,
);

console.log('\nTargets');
for (const row of rows) {
  const ratio = row.values.stowage! / row.values['raw sdk']!;
  console.log(`  ${ratio >= 0.95 ? 'met   ' : 'MISSED'} ${row.scenario} >= 0.95x raw (${ratio.toFixed(2)}x)`);
}
const growth = Math.max(mine.put, mine.get);
console.log(
  `  ${growth < 100 * MiB ? 'met   ' : 'MISSED'} RSS growth < 100 MiB (put ${(mine.put / MiB).toFixed(1)}, get ${(mine.get / MiB).toFixed(1)})`,
);

store.destroy();
raw.destroy();
await admin.deleteBucket(bucket, { force: true });
admin.destroy();
