// Stowage against peer libraries, in one run, on one SeaweedFS and one directory:
//   S3:    Stowage (S3ObjectStore, seaweedfs profile), raw @aws-sdk/client-s3 + lib-storage,
//          @flystorage/aws-s3, flydrive 1.x (S3 driver), OpenDAL's Node binding (s3 service).
//   local: Stowage (LocalObjectStore, fsync on and off), raw node:fs at three durabilities,
//          @flystorage/local-fs, flydrive 1.x (fs driver), OpenDAL (fs service).
// Every row runs its libraries interleaved in rounds (rotating order); a round during which
// other processes used the CPU is rerun (paired.ts); medians and within-round ratios to raw.
//
// The SDK-based libraries (raw, flystorage, flydrive) share one client configuration: path
// style, checksums only when required (as Stowage's seaweedfs profile), the SDK's default
// keep-alive agent. Raw multipart is lib-storage's Upload with its defaults, as a user
// would write it.
//
// Durability (local): each library's small put is run once under
// `strace -f -y -e trace=fsync,fdatasync,rename,renameat,renameat2,link,linkat` and the calls
// on the bench directory are counted; each library is compared with the raw variant of the
// same durability.
//
// Env: STOWAGE_SEAWEED_* (tooling/servers/env.sh); STOWAGE_BENCH_DIR (local rows' directory);
//   STOWAGE_BENCH_PEERS_ONLY=s3|local; STOWAGE_BENCH_PEERS_ROWS=<substring,...> (rows to run);
//   STOWAGE_BENCH_PEERS_LIBS=<name,...> (contenders, raw always kept);
//   STOWAGE_BENCH_PEERS_BIG=1 (adds 256 MiB put/get and the 1 GiB RSS runs, each in a fresh
//   process after a 24 MiB put and get to warm the client up);
//   STOWAGE_BENCH_ROUNDS (default 5); STOWAGE_BENCH_NOISE_CORES (threshold, default 0.25);
//   STOWAGE_BENCH_RERUNS (default 3); STOWAGE_BENCH_QUIET_WAIT_MS (default 3000);
//   STOWAGE_BENCH_PEERS_LIST_KEYS (default 10000); STOWAGE_BENCH_PEERS_C16_OPS, _C1_OPS,
//   _LOCAL_PUT_OPS, _LOCAL_GET_OPS (operations per timed run);
//   STOWAGE_BENCH_JSON=<file> writes the results as JSON.
// Runnable alone: `pnpm bench peers`.
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createReadStream, existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { lstat, mkdir, mkdtemp, open, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import * as sdk from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { AwsS3StorageAdapter } from '@flystorage/aws-s3';
import { FileStorage } from '@flystorage/file-storage';
import { LocalStorageAdapter } from '@flystorage/local-fs';
import { getBytes } from '@stowage/core';
import { LocalObjectStore } from '@stowage/local';
import { S3BucketAdmin, S3ObjectStore } from '@stowage/s3';
import { s3TestTarget } from '@stowage/testkit';
import { Disk } from 'flydrive';
import { FSDriver } from 'flydrive/drivers/fs';
import { S3Driver } from 'flydrive/drivers/s3';
import { deterministicBuffer, deterministicStream, drain, KiB, MiB, peakRssGrowth } from './bench-utils.ts';
import { CORES, type Contender, formatRate, median, pairedRow, pidsNamed, type RowResult } from './paired.ts';

const env = process.env;
const ROUNDS = Number(env.STOWAGE_BENCH_ROUNDS ?? 5);
const BIG = env.STOWAGE_BENCH_PEERS_BIG === '1';
const ONLY = env.STOWAGE_BENCH_PEERS_ONLY;
const ROW_FILTER = env.STOWAGE_BENCH_PEERS_ROWS?.split(',').filter((s) => s !== '');
const LIB_FILTER = env.STOWAGE_BENCH_PEERS_LIBS?.split(',').filter((s) => s !== '');
const OPTIONS = {
  rounds: ROUNDS,
  threshold: Number(env.STOWAGE_BENCH_NOISE_CORES ?? 0.25),
  maxReruns: Number(env.STOWAGE_BENCH_RERUNS ?? 3),
  quietWaitMs: Number(env.STOWAGE_BENCH_QUIET_WAIT_MS ?? 3000),
};
const SMALL = 4 * KiB;
const C16_OPS = Number(env.STOWAGE_BENCH_PEERS_C16_OPS ?? 800);
const C1_OPS = Number(env.STOWAGE_BENCH_PEERS_C1_OPS ?? 200);
const LOCAL_PUT_OPS = Number(env.STOWAGE_BENCH_PEERS_LOCAL_PUT_OPS ?? 800);
const LOCAL_GET_OPS = Number(env.STOWAGE_BENCH_PEERS_LOCAL_GET_OPS ?? 2000);
const MEDIUM = 64 * MiB;
const LARGE = 256 * MiB;
const HUGE = Number(env.STOWAGE_BENCH_HUGE_BYTES ?? 1024 * MiB);
const LIST_KEYS = Number(env.STOWAGE_BENCH_PEERS_LIST_KEYS ?? 10_000);

const wanted = (lib: string) => LIB_FILTER === undefined || lib.startsWith('raw') || LIB_FILTER.includes(lib);
const rowWanted = (row: string) => ROW_FILTER === undefined || ROW_FILTER.some((f) => row.includes(f));

/** Runs `count` calls of `op` with at most `concurrency` in flight. */
async function runOps(
  count: number,
  concurrency: number,
  op: (i: number) => Promise<unknown>,
): Promise<number> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, count) }, async () => {
      while (next < count) await op(next++);
    }),
  );
  return count;
}

// =============================================================================== S3 contenders
interface S3Lib {
  name: string;
  put(key: string, body: Buffer): Promise<unknown>;
  putStream(key: string, body: Readable, size: number): Promise<unknown>;
  /** A big in-memory body, when the library has a call of its own for it (raw: lib-storage). */
  putLarge?(key: string, body: Buffer): Promise<unknown>;
  /** Whole small object into memory. */
  getBytes(key: string): Promise<number>;
  /** Streamed and drained; returns bytes. */
  getStream(key: string): Promise<number>;
  head(key: string): Promise<unknown>;
  list(prefix: string): Promise<number>;
  close(): void;
}

const target = ONLY === 'local' ? undefined : await s3TestTarget('seaweedfs');
const s3Available = target?.available === true;
if (ONLY !== 'local' && !s3Available) {
  console.error(
    `${target && !target.available ? target.reason : ''}\nS3 rows skipped. Start the servers: bash tooling/servers/start.sh seaweedfs && . tooling/servers/env.sh`,
  );
}

function sdkConfig(): sdk.S3ClientConfig {
  if (target === undefined || !target.available) throw new Error('no S3 target');
  return {
    endpoint: target.endpoint,
    region: target.region,
    credentials: { accessKeyId: target.accessKeyId, secretAccessKey: target.secretAccessKey },
    forcePathStyle: true,
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  };
}

function s3Libs(bucket: string): S3Lib[] {
  if (target === undefined || !target.available) return [];
  const libs: S3Lib[] = [];
  {
    const client = new sdk.S3Client(sdkConfig());
    libs.push({
      name: 'raw',
      put: (key, body) => client.send(new sdk.PutObjectCommand({ Bucket: bucket, Key: key, Body: body })),
      putStream: (key, body) =>
        new Upload({ client, params: { Bucket: bucket, Key: key, Body: body } }).done(),
      putLarge: (key: string, body: Buffer) =>
        new Upload({ client, params: { Bucket: bucket, Key: key, Body: body } }).done(),
      async getBytes(key) {
        const out = await client.send(new sdk.GetObjectCommand({ Bucket: bucket, Key: key }));
        return (await out.Body!.transformToByteArray()).length;
      },
      async getStream(key) {
        const out = await client.send(new sdk.GetObjectCommand({ Bucket: bucket, Key: key }));
        return drain(out.Body as Readable);
      },
      head: (key) => client.send(new sdk.HeadObjectCommand({ Bucket: bucket, Key: key })),
      async list(prefix) {
        let n = 0;
        let token: string | undefined;
        do {
          const out = await client.send(
            new sdk.ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }),
          );
          n += out.Contents?.length ?? 0;
          token = out.IsTruncated ? out.NextContinuationToken : undefined;
        } while (token !== undefined);
        return n;
      },
      close: () => client.destroy(),
    });
  }
  if (wanted('stowage')) {
    const store = new S3ObjectStore({
      provider: 'seaweedfs',
      endpoint: target.endpoint,
      region: target.region,
      credentials: { accessKeyId: target.accessKeyId, secretAccessKey: target.secretAccessKey },
      bucket,
    });
    libs.push({
      name: 'stowage',
      put: (key, body) => store.put(key, body),
      putStream: (key, body, size) => store.put(key, body, { contentLength: size }),
      getBytes: async (key) => (await getBytes(store, key)).length,
      getStream: async (key) => drain((await store.get(key)).body),
      head: (key) => store.head(key),
      async list(prefix) {
        let n = 0;
        for await (const _ of store.list({ prefix })) n++;
        return n;
      },
      close: () => store.destroy(),
    });
  }
  if (wanted('flystorage')) {
    const client = new sdk.S3Client(sdkConfig());
    const storage = new FileStorage(new AwsS3StorageAdapter(client, { bucket }));
    libs.push({
      name: 'flystorage',
      put: (key, body) => storage.write(key, body),
      putStream: (key, body) => storage.write(key, body),
      getBytes: async (key) => (await storage.readToBuffer(key)).length,
      getStream: async (key) => drain(await storage.read(key)),
      head: (key) => storage.stat(key),
      async list(prefix) {
        let n = 0;
        for await (const e of storage.list(prefix, { deep: true })) if (e.isFile) n++;
        return n;
      },
      close: () => client.destroy(),
    });
  }
  if (wanted('flydrive')) {
    const client = new sdk.S3Client(sdkConfig());
    const disk = new Disk(new S3Driver({ client, bucket, visibility: 'private', supportsACL: false }));
    libs.push({
      name: 'flydrive',
      put: (key, body) => disk.put(key, body),
      putStream: (key, body) => disk.putStream(key, body),
      getBytes: async (key) => (await disk.getBytes(key)).length,
      getStream: async (key) => drain(await disk.getStream(key)),
      head: (key) => disk.getMetaData(key),
      async list(prefix) {
        let n = 0;
        let paginationToken: string | undefined;
        do {
          const page = await disk.listAll(prefix, { recursive: true, paginationToken });
          for (const o of page.objects) if (o.isFile) n++;
          paginationToken = page.paginationToken;
        } while (paginationToken !== undefined);
        return n;
      },
      close: () => client.destroy(),
    });
  }
  if (wanted('opendal') && opendal !== undefined) {
    const op = new opendal.Operator('s3', {
      bucket,
      endpoint: target.endpoint,
      region: target.region,
      access_key_id: target.accessKeyId,
      secret_access_key: target.secretAccessKey,
      disable_config_load: 'true',
      disable_ec2_metadata: 'true',
      root: '/',
    });
    libs.push({
      name: 'opendal',
      put: (key, body) => op.write(key, body),
      async putStream(key, body) {
        const writer = await op.writer(key, { chunk: BigInt(8 * MiB), concurrent: 4 });
        await pipeline(body, writer.createWriteStream());
      },
      getBytes: async (key) => (await op.read(key)).length,
      getStream: async (key) => drain((await op.reader(key)).createReadStream()),
      head: (key) => op.stat(key),
      async list(prefix) {
        let n = 0;
        for (const e of await op.list(prefix, { recursive: true })) if (!e.path().endsWith('/')) n++;
        return n;
      },
      close: () => {},
    });
  }
  return libs;
}

// ----------------------------------------------------------------------------------- opendal
type OpendalModule = typeof import('opendal');
let opendal: OpendalModule | undefined;
let opendalNote = '';
try {
  opendal = (await import('opendal')) as OpendalModule;
  new opendal.Operator('memory', {});
} catch (error) {
  opendal = undefined;
  opendalNote = `OpenDAL not loaded: ${(error as Error).message.split('\n')[0]}`;
  console.log(opendalNote);
}

// =============================================================================== 1 GiB RSS child
const rssChild = process.argv.find((a) => a.startsWith('--rss-child='));
if (rssChild !== undefined) {
  const which = rssChild.slice('--rss-child='.length);
  const bucket = process.argv.at(-1)!;
  const lib = s3Libs(bucket).find((l) => l.name === which)!;
  const key = `huge/${which}`;
  // Warm-up, the same for every library: a 24 MiB multipart put and its get load and compile
  // the client's code paths, so the figures below are the transfer's memory, not start-up's.
  const WARM = 24 * MiB;
  await lib.putStream(`${key}.warm`, deterministicStream(WARM, 4), WARM);
  await lib.getStream(`${key}.warm`);
  const put = await peakRssGrowth(async () => {
    const t = performance.now();
    await lib.putStream(key, deterministicStream(HUGE, 3), HUGE);
    return (performance.now() - t) / 1000;
  });
  const get = await peakRssGrowth(async () => {
    const t = performance.now();
    const n = await lib.getStream(key);
    if (n !== HUGE) throw new Error(`${which} read ${n} bytes`);
    return (performance.now() - t) / 1000;
  });
  console.log(
    `RSS ${JSON.stringify({ put: put.growth, get: get.growth, putSeconds: put.result, getSeconds: get.result })}`,
  );
  lib.close();
  process.exit(0);
}

// =============================================================================== local contenders
interface LocalLib {
  name: string;
  /** The raw variant with the same durability (the ratio's baseline). */
  sameAs: string;
  put(key: string, body: Buffer): Promise<unknown>;
  getBytes(key: string): Promise<number>;
  getStream(key: string): Promise<number>;
  /** A listing by a fresh instance (no in-process cache). */
  coldList(prefix: string): Promise<number>;
}

async function fsyncDir(dir: string): Promise<void> {
  const d = await open(dir, 'r');
  try {
    await d.sync();
  } finally {
    await d.close();
  }
}

/** Raw node:fs puts: temp + fsync + rename + dir fsync; temp + rename; or writeFile in place. */
function rawLocal(
  name: string,
  root: string,
  mode: 'durable' | 'rename' | 'inplace' | 'inplace-fsync',
): LocalLib {
  const made = new Set<string>();
  const ensureDir = async (dir: string) => {
    if (made.has(dir)) return;
    await mkdir(dir, { recursive: true });
    made.add(dir);
  };
  return {
    name,
    sameAs: name,
    async put(key, body) {
      const path = join(root, key);
      const dir = dirname(path);
      await ensureDir(dir);
      if (mode === 'inplace') return writeFile(path, body);
      if (mode === 'inplace-fsync') {
        const fh = await open(path, 'w');
        try {
          await fh.writeFile(body);
          await fh.sync();
        } finally {
          await fh.close();
        }
        return;
      }
      const temp = join(dir, `.tmp-${randomBytes(8).toString('hex')}`);
      const fh = await open(temp, 'wx');
      try {
        await fh.writeFile(body);
        if (mode === 'durable') await fh.sync();
      } finally {
        await fh.close();
      }
      await rename(temp, path);
      if (mode === 'durable') await fsyncDir(dir);
    },
    getBytes: async (key) => (await readFile(join(root, key))).length,
    getStream: (key) => drain(createReadStream(join(root, key))),
    async coldList(prefix) {
      // Walk, lstat every file (size, mtime), sort by key bytes: what a listing needs.
      const keys: Array<{ key: string; size: number; mtime: number }> = [];
      const walk = async (dir: string, keyPrefix: string): Promise<void> => {
        for (const e of await readdir(dir, { withFileTypes: true })) {
          if (e.name.startsWith('.')) continue;
          if (e.isDirectory()) await walk(join(dir, e.name), `${keyPrefix}${e.name}/`);
          else if (e.isFile()) {
            const st = await lstat(join(dir, e.name));
            keys.push({ key: keyPrefix + e.name, size: st.size, mtime: st.mtimeMs });
          }
        }
      };
      await walk(join(root, prefix), prefix);
      keys.sort((a, b) => Buffer.compare(Buffer.from(a.key), Buffer.from(b.key)));
      return keys.length;
    },
  };
}

function localLibs(base: string): LocalLib[] {
  const libs: LocalLib[] = [
    rawLocal('raw durable', join(base, 'raw-durable'), 'durable'),
    rawLocal('raw rename', join(base, 'raw-rename'), 'rename'),
    rawLocal('raw in place', join(base, 'raw-inplace'), 'inplace'),
    rawLocal('raw in place+fsync', join(base, 'raw-inplace-fsync'), 'inplace-fsync'),
  ];
  for (const [name, fsync, sameAs] of [
    ['stowage', true, 'raw durable'],
    ['stowage fsync:false', false, 'raw rename'],
  ] as const) {
    if (!wanted(name.split(' ')[0]!) && !wanted(name)) continue;
    const root = join(base, name.replace(/[^a-z]/g, '-'));
    const store = new LocalObjectStore({ root, fsync });
    libs.push({
      name,
      sameAs,
      put: (key, body) => store.put(key, body),
      getBytes: async (key) => (await getBytes(store, key)).length,
      getStream: async (key) => drain((await store.get(key)).body),
      async coldList(prefix) {
        const fresh = new LocalObjectStore({ root, fsync });
        let n = 0;
        for await (const _ of fresh.list({ prefix })) n++;
        return n;
      },
    });
  }
  if (wanted('flystorage')) {
    const root = join(base, 'flystorage');
    const storage = new FileStorage(new LocalStorageAdapter(root));
    libs.push({
      name: 'flystorage',
      sameAs: 'raw in place',
      put: (key, body) => storage.write(key, body),
      getBytes: async (key) => (await storage.readToBuffer(key)).length,
      getStream: async (key) => drain(await storage.read(key)),
      async coldList(prefix) {
        const fresh = new FileStorage(new LocalStorageAdapter(root));
        let n = 0;
        for await (const e of fresh.list(prefix, { deep: true })) if (e.isFile) n++;
        return n;
      },
    });
  }
  if (wanted('flydrive')) {
    const root = join(base, 'flydrive');
    const disk = new Disk(new FSDriver({ location: root, visibility: 'private' }));
    libs.push({
      name: 'flydrive',
      sameAs: 'raw in place',
      put: (key, body) => disk.put(key, body),
      getBytes: async (key) => (await disk.getBytes(key)).length,
      getStream: async (key) => drain(await disk.getStream(key)),
      async coldList(prefix) {
        const fresh = new Disk(new FSDriver({ location: root, visibility: 'private' }));
        let n = 0;
        const page = await fresh.listAll(prefix, { recursive: true });
        for (const o of page.objects) if (o.isFile) n++;
        return n;
      },
    });
  }
  if (wanted('opendal') && opendal !== undefined) {
    const root = join(base, 'opendal');
    const op = new opendal.Operator('fs', { root });
    libs.push({
      name: 'opendal',
      sameAs: 'raw in place+fsync',
      put: (key, body) => op.write(key, body),
      getBytes: async (key) => (await op.read(key)).length,
      getStream: async (key) => drain((await op.reader(key)).createReadStream()),
      async coldList(prefix) {
        const fresh = new opendal!.Operator('fs', { root });
        let n = 0;
        for (const e of await fresh.list(prefix, { recursive: true })) if (!e.path().endsWith('/')) n++;
        return n;
      },
    });
  }
  return libs;
}

// =============================================================================== durability
interface Durability {
  lib: string;
  perPut: { fileFsync: number; dirFsync: number; rename: number; link: number };
  summary: string;
}

const durabilityChild = process.argv.find((a) => a.startsWith('--durability-child='));
if (durabilityChild !== undefined) {
  const which = durabilityChild.slice('--durability-child='.length);
  const base = process.argv.at(-1)!;
  const lib = localLibs(base).find((l) => l.name === which)!;
  const body = deterministicBuffer(SMALL, 9);
  for (let i = 0; i < 4; i++) await lib.put(`dur/k${i}.bin`, body);
  process.exit(0);
}

function checkDurability(base: string, names: string[]): Durability[] | string {
  const strace = spawnSync('strace', ['-V'], { encoding: 'utf8' });
  if (strace.status !== 0)
    return 'strace is not installed (apt-get install strace): durability stated, not checked';
  const out: Durability[] = [];
  for (const name of names) {
    const dir = join(base, `durability-${name.replace(/[^a-z]/g, '-')}`);
    const log = join(base, `strace-${name.replace(/[^a-z]/g, '-')}.txt`);
    const child = spawnSync(
      'strace',
      [
        '-f',
        '-y',
        '-e',
        'trace=fsync,fdatasync,rename,renameat,renameat2,link,linkat',
        '-o',
        log,
        process.execPath,
        ...process.execArgv,
        fileURLToPath(import.meta.url),
        `--durability-child=${name}`,
        dir,
      ],
      { encoding: 'utf8', env: { ...env, STOWAGE_BENCH_PEERS_ONLY: 'local' } },
    );
    if (child.status !== 0) {
      out.push({
        lib: name,
        perPut: { fileFsync: 0, dirFsync: 0, rename: 0, link: 0 },
        summary: `failed: ${child.stderr.slice(0, 200)}`,
      });
      continue;
    }
    const counts = { fileFsync: 0, dirFsync: 0, rename: 0, link: 0 };
    for (const line of readFileSync(log, 'utf8').split('\n')) {
      if (!line.includes(dir)) continue;
      const call = /^\d+\s+(\w+)\(/.exec(line)?.[1];
      if (call === 'fsync' || call === 'fdatasync') {
        const path = /<([^>]+)>/.exec(line)?.[1];
        const isDir = path !== undefined && existsSync(path) && statSync(path).isDirectory();
        if (isDir) counts.dirFsync++;
        else counts.fileFsync++;
      } else if (call?.startsWith('rename')) counts.rename++;
      else if (call?.startsWith('link')) counts.link++;
    }
    const perPut = {
      fileFsync: counts.fileFsync / 4,
      dirFsync: counts.dirFsync / 4,
      rename: counts.rename / 4,
      link: counts.link / 4,
    };
    const parts: string[] = [];
    parts.push(perPut.rename > 0 || perPut.link > 0 ? 'temp file + rename' : 'written in place');
    if (perPut.fileFsync > 0) parts.push(`file fsync ×${perPut.fileFsync}`);
    if (perPut.dirFsync > 0) parts.push(`dir fsync ×${perPut.dirFsync}`);
    if (perPut.fileFsync === 0 && perPut.dirFsync === 0) parts.push('no fsync');
    out.push({ lib: name, perPut, summary: parts.join(', ') });
  }
  return out;
}
// =============================================================================== the run
const results: RowResult[] = [];
const notes: string[] = [];
const log = (line: string) => console.log(line);
const weedPids = pidsNamed('weed');

async function s3Rows(): Promise<void> {
  if (!s3Available || target === undefined || !target.available) return;
  const admin = new S3BucketAdmin({
    provider: 'seaweedfs',
    endpoint: target.endpoint,
    region: target.region,
    credentials: { accessKeyId: target.accessKeyId, secretAccessKey: target.secretAccessKey },
  });
  const bucket = `bench-peers-${Date.now().toString(36)}`;
  await admin.createBucket(bucket);
  const libs = s3Libs(bucket);
  const opts = { ...OPTIONS, serverPids: weedPids, log };
  const small = deterministicBuffer(SMALL, 1);
  const medium = deterministicBuffer(MEDIUM, 2);
  try {
    // Objects each library reads back: written by itself.
    for (const lib of libs) {
      await runOps(C16_OPS, 16, (i) => lib.put(`${lib.name}/small/${i}`, small));
    }
    for (const [c, count] of [
      [16, C16_OPS],
      [1, C1_OPS],
    ] as const) {
      const rowPut = `S3 put 4 KiB c${c}`;
      if (rowWanted(rowPut)) {
        results.push(
          await pairedRow(
            rowPut,
            'ops/s',
            'raw',
            libs.map((lib) => ({
              name: lib.name,
              run: (round) => runOps(count, c, (i) => lib.put(`${lib.name}/put-c${c}/${round}/${i}`, small)),
            })),
            opts,
          ),
        );
      }
      const rowGet = `S3 get 4 KiB c${c}`;
      if (rowWanted(rowGet)) {
        results.push(
          await pairedRow(
            rowGet,
            'ops/s',
            'raw',
            libs.map((lib) => ({
              name: lib.name,
              run: () => runOps(count, c, (i) => lib.getBytes(`${lib.name}/small/${i % C16_OPS}`)),
            })),
            opts,
          ),
        );
      }
      const rowHead = `S3 head c${c}`;
      if (rowWanted(rowHead)) {
        results.push(
          await pairedRow(
            rowHead,
            'ops/s',
            'raw',
            libs.map((lib) => ({
              name: lib.name,
              run: () => runOps(count, c, (i) => lib.head(`${lib.name}/small/${i % C16_OPS}`)),
            })),
            opts,
          ),
        );
      }
    }
    const sizes: Array<[number, boolean]> = [[MEDIUM, false]];
    if (BIG) sizes.push([LARGE, true]);
    for (const [size, streamed] of sizes) {
      const mib = size / MiB;
      const rowPut = `S3 put ${mib} MiB`;
      if (rowWanted(rowPut)) {
        results.push(
          await pairedRow(
            rowPut,
            'MiB/s',
            'raw',
            libs.map((lib) => ({
              name: lib.name,
              async run() {
                const key = `${lib.name}/big/${mib}`;
                if (streamed) await lib.putStream(key, deterministicStream(size, 4), size);
                else await (lib.putLarge ?? lib.put)(key, medium);
                return mib;
              },
            })),
            opts,
          ),
        );
      }
      const rowGet = `S3 get ${mib} MiB`;
      if (rowWanted(rowGet)) {
        results.push(
          await pairedRow(
            rowGet,
            'MiB/s',
            'raw',
            libs.map((lib) => ({
              name: lib.name,
              async run() {
                const n = await lib.getStream(`${lib.name}/big/${mib}`);
                if (n !== size) throw new Error(`${lib.name} read ${n} of ${size} bytes`);
                return mib;
              },
            })),
            opts,
          ),
        );
      }
    }
    if (rowWanted('S3 list')) {
      const raw = libs.find((l) => l.name === 'raw')!;
      const keyBody = Buffer.from('x');
      await runOps(LIST_KEYS, 32, (i) => raw.put(`list/${String(i).padStart(5, '0')}`, keyBody));
      results.push(
        await pairedRow(
          `S3 list ${LIST_KEYS} keys`,
          'keys/s',
          'raw',
          libs.map((lib) => ({
            name: lib.name,
            async run() {
              const n = await lib.list('list/');
              if (n !== LIST_KEYS) throw new Error(`${lib.name} listed ${n}`);
              return n;
            },
          })),
          opts,
        ),
      );
    }
    if (BIG && rowWanted('RSS'))
      await rssRows(
        bucket,
        libs.map((l) => l.name),
      );
  } finally {
    for (const lib of libs) lib.close();
    await admin.deleteBucket(bucket, { force: true }).catch(() => {});
    admin.destroy();
  }
}

interface RssSample {
  put: number;
  get: number;
  putSeconds: number;
  getSeconds: number;
}
const rssResults: Record<
  string,
  { put: number; get: number; putRange: string; getRange: string; putMiBs: number; getMiBs: number }
> = {};

async function rssRows(bucket: string, names: string[]): Promise<void> {
  const runs = Number(env.STOWAGE_BENCH_RSS_RUNS ?? 3);
  const samples: Record<string, RssSample[]> = {};
  for (let run = 0; run < runs; run++) {
    for (const name of names) {
      const child = spawnSync(
        process.execPath,
        [...process.execArgv, fileURLToPath(import.meta.url), `--rss-child=${name}`, bucket],
        { encoding: 'utf8', env },
      );
      const line = child.stdout.split('\n').find((l) => l.startsWith('RSS '));
      if (child.status !== 0 || line === undefined) {
        notes.push(`1 GiB RSS run of ${name} failed: ${child.stderr.trim().split('\n').slice(-3).join(' ')}`);
        continue;
      }
      samples[name] = [...(samples[name] ?? []), JSON.parse(line.slice(4)) as RssSample];
    }
  }
  for (const [name, list] of Object.entries(samples)) {
    const field = (f: keyof RssSample) => median(list.map((s) => s[f]));
    const range = (f: 'put' | 'get') => {
      const v = list.map((s) => s[f] / MiB);
      return `${Math.min(...v).toFixed(0)}–${Math.max(...v).toFixed(0)}`;
    };
    rssResults[name] = {
      put: field('put') / MiB,
      get: field('get') / MiB,
      putRange: range('put'),
      getRange: range('get'),
      putMiBs: HUGE / MiB / field('putSeconds'),
      getMiBs: HUGE / MiB / field('getSeconds'),
    };
    log(
      `  RSS ${name}: put +${rssResults[name].put.toFixed(0)} MiB (${rssResults[name].putRange}), get +${rssResults[name].get.toFixed(0)} MiB (${rssResults[name].getRange})`,
    );
  }
}

let durability = 'not checked (local rows not run)' as Durability[] | string;

async function localRows(): Promise<void> {
  const base = await mkdtemp(join(env.STOWAGE_BENCH_DIR ?? tmpdir(), 'stowage-bench-peers-'));
  try {
    const libs = localLibs(base);
    durability = checkDurability(
      base,
      libs.map((l) => l.name),
    );
    const opts = { ...OPTIONS, serverPids: [] as number[], log };
    const small = deterministicBuffer(SMALL, 1);
    const medium = deterministicBuffer(MEDIUM, 2);
    const row = async (
      name: string,
      unit: string,
      run: (lib: LocalLib, round: number) => Promise<number>,
    ) => {
      if (!rowWanted(name)) return;
      const contenders = libs.map(
        (lib): Contender => ({ name: lib.name, baseline: lib.sameAs, run: (round) => run(lib, round) }),
      );
      results.push(await pairedRow(name, unit, 'raw durable', contenders, opts));
    };
    await row('local put 4 KiB c16', 'ops/s', (lib, round) =>
      runOps(LOCAL_PUT_OPS, 16, (i) => lib.put(`put/${round}/${i % 32}/${i}.bin`, small)),
    );
    if (rowWanted('local get 4 KiB')) {
      for (const lib of libs) await runOps(1000, 16, (i) => lib.put(`small/${i}.bin`, small));
    }
    await row('local get 4 KiB', 'ops/s', (lib) =>
      runOps(LOCAL_GET_OPS, 1, (i) => lib.getBytes(`small/${i % 1000}.bin`)),
    );
    await row('local put 64 MiB', 'MiB/s', async (lib, round) => {
      await lib.put(`big/${round}.bin`, medium);
      return MEDIUM / MiB;
    });
    await row('local get 64 MiB', 'MiB/s', async (lib) => {
      const n = await lib.getStream('big/0.bin');
      if (n !== MEDIUM) throw new Error(`${lib.name} read ${n}`);
      return MEDIUM / MiB;
    });
    const listRow = `local cold list ${LIST_KEYS} keys`;
    if (rowWanted(listRow)) {
      for (const lib of libs) {
        await runOps(LIST_KEYS, 16, (i) => lib.put(`list/${String(i).padStart(5, '0')}.bin`, small));
      }
      await row(listRow, 'keys/s', async (lib) => {
        const n = await lib.coldList('list/');
        if (n !== LIST_KEYS) throw new Error(`${lib.name} listed ${n}`);
        return n;
      });
    }
  } finally {
    await rm(base, { recursive: true, force: true });
  }
}

const started = new Date();
if (ONLY !== 'local') await s3Rows();
if (ONLY !== 's3') await localRows();

// =============================================================================== report
function table(filter: (r: RowResult) => boolean, title: string): void {
  const rows = results.filter(filter);
  if (rows.length === 0) return;
  const names = [...new Set(rows.flatMap((r) => Object.keys(r.rate)))];
  console.log(`\n${title}: median rate (ratio to its raw baseline, median of per-round ratios [min–max])`);
  const header = ['row', 'unit', ...names, 'rounds', 'reruns', 'other load'];
  const body = rows.map((r) => [
    r.row,
    r.unit,
    ...names.map((n) =>
      r.rate[n] === undefined
        ? '-'
        : `${formatRate(r.rate[n])} (${r.ratio[n]!.toFixed(2)} [${r.ratioRange[n]![0].toFixed(2)}–${r.ratioRange[n]![1].toFixed(2)}])`,
    ),
    `${r.rounds}${r.keptDisturbed > 0 ? ` (${r.keptDisturbed} disturbed)` : ''}`,
    String(r.rerun),
    `${r.otherCores.toFixed(2)} cores`,
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ');
  console.log(line(header));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const b of body) console.log(line(b));
}

console.log(
  `\nPeers, ${started.toISOString()}, ${CORES} cores, Node ${process.version}; noise threshold ${OPTIONS.threshold} cores of other load, up to ${OPTIONS.maxReruns} reruns per round`,
);
if (opendalNote !== '') console.log(opendalNote);
table((r) => r.row.startsWith('S3'), 'S3 on SeaweedFS (baseline: raw @aws-sdk/client-s3 + lib-storage)');
table((r) => r.row.startsWith('local'), 'Local filesystem (baseline: raw node:fs of the same durability)');
if (Object.keys(rssResults).length > 0) {
  console.log(
    `\nStreaming ${HUGE / MiB} MiB through S3, peak RSS growth (median of runs, range), each in a fresh process`,
  );
  for (const [name, r] of Object.entries(rssResults)) {
    console.log(
      `  ${name.padEnd(12)} put +${r.put.toFixed(0)} MiB (${r.putRange}) at ${r.putMiBs.toFixed(0)} MiB/s, get +${r.get.toFixed(0)} MiB (${r.getRange}) at ${r.getMiBs.toFixed(0)} MiB/s`,
    );
  }
}
if (typeof durability === 'string') console.log(`\nDurability: ${durability}`);
else {
  console.log(
    '\nDurability of a 4 KiB put, per put, from strace (fsync/fdatasync/rename/link on the bench directory):',
  );
  for (const d of durability) console.log(`  ${d.lib.padEnd(20)} ${d.summary}`);
}
for (const note of notes) console.log(`note: ${note}`);
const totalRerun = results.reduce((s, r) => s + r.rerun, 0);
const totalKeptDisturbed = results.reduce((s, r) => s + r.keptDisturbed, 0);
const totalRounds = results.reduce((s, r) => s + r.rounds, 0);
console.log(
  `\nNoise: ${totalRounds} rounds kept, ${totalRerun} reruns for other load above ${OPTIONS.threshold} cores, ${totalKeptDisturbed} kept disturbed after ${OPTIONS.maxReruns} reruns; median other load per row: ${results.map((r) => r.otherCores.toFixed(2)).join(', ')} cores`,
);
if (env.STOWAGE_BENCH_JSON !== undefined) {
  writeFileSync(
    env.STOWAGE_BENCH_JSON,
    `${JSON.stringify({ started, node: process.version, cores: CORES, options: OPTIONS, results, rss: rssResults, durability, notes }, null, 1)}\n`,
  );
}
