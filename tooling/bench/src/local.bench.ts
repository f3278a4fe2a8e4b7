// LocalObjectStore vs raw node:fs doing the same durable work (temp file, write, fsync,
// rename, fsync the directory; reads stream the file), and vs MemoryObjectStore, in one run.
// Env: STOWAGE_BENCH_DIR (default: the OS temp dir) — put it on the disk you care about.
//
// Both sides run in this one process, so they share the libuv threadpool (UV_THREADPOOL_SIZE,
// default 4) that runs every fs call: at c=16 it bounds both equally (at most 4 fsyncs in
// flight). Set UV_THREADPOOL_SIZE in the environment to try other sizes; it applies to both.
//
// Ratios: "best" compares each side's best round; "paired" is the median over rounds of
// local/raw measured back to back, which is steadier on a busy machine (and on filesystems
// where the cost of creating a file depends on how many were just deleted, e.g. ext4
// without a journal, whose inode allocator skips recently freed inodes one by one).
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { lstat, mkdir, mkdtemp, open, readdir, rename, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { LocalObjectStore } from '@stowage/local';
import { MemoryObjectStore } from '@stowage/memory';
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
const LARGE = 8 * MiB;
const LARGE_OPS = 16;
/** Reads are fast: more of them, so a round lasts long enough to time. */
const LARGE_GET_OPS = 64;
const LIST_KEYS = 10_000;
const HUGE = Number(process.env.STOWAGE_BENCH_HUGE_BYTES ?? 1024 * MiB);
const ROUNDS = Number(process.env.STOWAGE_BENCH_ROUNDS ?? 5);

const base = await mkdtemp(join(process.env.STOWAGE_BENCH_DIR ?? tmpdir(), 'stowage-bench-local-'));
const localRoot = join(base, 'local');
/**
 * Where the raw side keeps `key`: beside the store's own file for it, in the same directory
 * ("raw-" before the name). Same directories, same filesystem block groups: on ext4 the cost
 * of creating a file depends on its block group's recently freed inodes (without a journal
 * they are skipped one by one), so separate trees could favour either side by placement.
 */
function rawPath(key: string): string {
  const cut = key.lastIndexOf('/') + 1;
  return join(localRoot, `${key.slice(0, cut)}raw-${key.slice(cut)}`);
}
const local = new LocalObjectStore({ root: localRoot });
const memory = new MemoryObjectStore();

async function rawPut(key: string, body: Buffer): Promise<void> {
  const path = rawPath(key);
  const dir = dirname(path);
  await mkdir(dir, { recursive: true });
  const temp = join(dir, `.tmp-${randomBytes(8).toString('hex')}`);
  const fh = await open(temp, 'wx');
  try {
    await fh.writeFile(body);
    await fh.sync();
  } finally {
    await fh.close();
  }
  await rename(temp, path);
  const d = await open(dir, 'r');
  try {
    await d.sync();
  } finally {
    await d.close();
  }
}

/**
 * Raw durable put that also computes the sha256 (the one hash the store must compute: it
 * reports it, and its etag derives from it), on this thread while the write runs.
 */
async function rawHashedPut(key: string, body: Buffer): Promise<void> {
  const writing = rawPut(key, body);
  createHash('sha256').update(body).digest('hex');
  await writing;
}

async function rawGet(key: string): Promise<number> {
  // Same read size as the store uses, so the comparison is about the store, not the buffer size.
  return drain(createReadStream(rawPath(key), { highWaterMark: 256 * KiB }));
}

/** A raw listing of the same tree: walk directories, lstat every file, sort the keys. */
async function rawList(root: string): Promise<number> {
  const keys: Array<{ key: string; size: number }> = [];
  async function walk(dir: string, prefix: string): Promise<void> {
    for (const e of await readdir(dir, { withFileTypes: true })) {
      if (e.name.startsWith('.')) continue;
      if (e.isDirectory()) await walk(join(dir, e.name), `${prefix}${e.name}/`);
      else if (e.isFile())
        keys.push({ key: prefix + e.name, size: Number((await lstat(join(dir, e.name))).size) });
    }
  }
  await walk(root, '');
  keys.sort((a, b) => Buffer.compare(Buffer.from(a.key), Buffer.from(b.key)));
  return keys.length;
}

const smallKey = (i: number) => `small/${i % 32}/${i}.bin`;
const largeKey = (i: number) => `large/${i % 4}/${i}.bin`;
const small = deterministicBuffer(SMALL, 1);
const large = deterministicBuffer(LARGE, 2);

type Impl = 'local' | 'raw fs' | 'raw fs+sha256' | 'memory';
const IMPLS: readonly Impl[] = ['local', 'raw fs', 'raw fs+sha256', 'memory'];
const impls: Record<Impl, { put(k: string, b: Buffer): Promise<unknown>; get?(k: string): Promise<number> }> =
  {
    local: { put: (k, b) => local.put(k, b), get: async (k) => drain((await local.get(k)).body) },
    'raw fs': { put: rawPut, get: rawGet },
    'raw fs+sha256': { put: rawHashedPut },
    memory: { put: (k, b) => memory.put(k, b), get: async (k) => drain((await memory.get(k)).body) },
  };
/** Median over rounds of local/raw fs, measured back to back (see the header). */
const paired = new Map<string, number>();

async function measure(
  scenario: string,
  unit: string,
  perSecond: (seconds: number) => number,
  op: (impl: Impl) => ((i: number) => Promise<unknown>) | undefined,
  count: number,
  concurrency: number,
): Promise<Row> {
  const values: Record<string, number> = {};
  const order = IMPLS.filter((impl) => op(impl) !== undefined);
  const seconds: Record<string, number> = {};
  for (const impl of order) seconds[impl] = Number.POSITIVE_INFINITY;
  const ratios: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    const took: Record<string, number> = {};
    // Alternate the order so neither side always runs on a warmer (or busier) machine.
    for (const impl of round % 2 === 0 ? order : [...order].reverse()) {
      took[impl] = await runOps(count, concurrency, op(impl)!);
      seconds[impl] = Math.min(seconds[impl]!, took[impl]);
    }
    ratios.push(took['raw fs']! / took.local!);
  }
  for (const impl of order) values[impl] = perSecond(seconds[impl]!);
  paired.set(scenario, median(ratios));
  return { scenario, unit, values };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

const rows: Row[] = [];
console.log(
  `root: ${base}  (fsync on; ${ROUNDS} rounds; UV_THREADPOOL_SIZE=${process.env.UV_THREADPOOL_SIZE ?? '4 (default)'}; Node ${process.version})`,
);

rows.push(
  await measure(
    'put 4 KiB, c=16',
    'ops/s',
    (s) => SMALL_OPS / s,
    (impl) => (i) => impls[impl].put(smallKey(i), small),
    SMALL_OPS,
    16,
  ),
);
// With user metadata the store must also make a sidecar durable before the rename: a third
// fsync (in parallel with the body's). The raw side does the same work as above.
rows.push(
  await measure(
    'put 4 KiB +metadata, c=16',
    'ops/s',
    (s) => SMALL_OPS / s,
    (impl) =>
      impl === 'local'
        ? (i) => local.put(smallKey(i), small, { metadata: { owner: 'bench' } })
        : impl === 'raw fs'
          ? (i) => rawPut(smallKey(i), small)
          : undefined,
    SMALL_OPS,
    16,
  ),
);
rows.push(
  await measure(
    'get 4 KiB, c=16',
    'ops/s',
    (s) => SMALL_OPS / s,
    (impl) => {
      const get = impls[impl].get;
      return get && ((i) => get(smallKey(i)));
    },
    SMALL_OPS,
    16,
  ),
);
rows.push(
  await measure(
    'put 8 MiB, c=2',
    'MiB/s',
    (s) => (LARGE_OPS * LARGE) / MiB / s,
    (impl) => (i) => impls[impl].put(largeKey(i), large),
    LARGE_OPS,
    2,
  ),
);
rows.push(
  await measure(
    'get 8 MiB, c=2',
    'MiB/s',
    (s) => (LARGE_GET_OPS * LARGE) / MiB / s,
    (impl) => {
      const get = impls[impl].get;
      return get && ((i) => get(largeKey(i % LARGE_OPS)));
    },
    LARGE_GET_OPS,
    2,
  ),
);

// Listing: 10k keys in 100 directories (written without fsync: this measures listing).
const listRoot = join(base, 'list');
const lister = new LocalObjectStore({ root: listRoot, fsync: false });
const listMemory = new MemoryObjectStore();
await runOps(LIST_KEYS, 16, async (i) => {
  const key = `list/${String(i % 100).padStart(3, '0')}/${i}.txt`;
  await lister.put(key, 'x');
  await listMemory.put(key, 'x');
});
async function countList(store: { list(o?: object): AsyncIterable<unknown> }): Promise<number> {
  let n = 0;
  for await (const _ of store.list()) n++;
  return n;
}
const coldSeconds = await best(ROUNDS, async () => {
  const fresh = new LocalObjectStore({ root: listRoot, fsync: false }); // empty cache: reads every sidecar
  const start = performance.now();
  if ((await countList(fresh)) !== LIST_KEYS) throw new Error('local listing lost keys');
  return (performance.now() - start) / 1000;
});
const warmSeconds = await best(ROUNDS, async () => {
  const start = performance.now();
  if ((await countList(lister)) !== LIST_KEYS) throw new Error('local listing lost keys');
  return (performance.now() - start) / 1000;
});
const rawListSeconds = await best(ROUNDS, async () => {
  const start = performance.now();
  if ((await rawList(listRoot)) !== LIST_KEYS) throw new Error('raw listing lost keys');
  return (performance.now() - start) / 1000;
});
const memoryListSeconds = await best(ROUNDS, async () => {
  const start = performance.now();
  await countList(listMemory);
  return (performance.now() - start) / 1000;
});
rows.push({
  scenario: 'list 10k keys (cold cache)',
  unit: 'keys/s',
  values: {
    local: LIST_KEYS / coldSeconds,
    'raw fs': LIST_KEYS / rawListSeconds,
    memory: LIST_KEYS / memoryListSeconds,
  },
});
rows.push({
  scenario: 'list 10k keys (warm cache)',
  unit: 'keys/s',
  values: {
    local: LIST_KEYS / warmSeconds,
    'raw fs': LIST_KEYS / rawListSeconds,
    memory: LIST_KEYS / memoryListSeconds,
  },
});

printTable(
  'LocalObjectStore vs raw node:fs (durable: temp, write, fsync, rename, fsync dir) vs MemoryObjectStore',
  [...IMPLS],
  rows,
  'local',
  'raw fs',
);
console.log('\nPaired ratios (median over rounds of local/raw fs, measured back to back)');
for (const [scenario, ratio] of paired) {
  const row = rows.find((r) => r.scenario === scenario)!;
  const hashed = row.values['raw fs+sha256'];
  const vsHashed =
    hashed === undefined
      ? ''
      : `; best local / (raw fs + sha256) = ${(row.values.local! / hashed).toFixed(2)}x`;
  console.log(`  ${scenario}: ${ratio.toFixed(2)}x${vsHashed}`);
}

// Peak RSS while a 1 GiB object streams through put, then through get into a hash, beside
// the same stream written raw (each chunk written, sha256 inline, fsync). Each runs twice:
// plainly, and with a full GC before every RSS sample. The plain peak is mostly V8 letting
// tens of MiB of the source's spent 1 MiB buffers pile up before collecting them, and it
// depends on what the process did before; the GC'd peak is the memory actually held, which
// is what a store can be held to.
const gib = HUGE / MiB;
async function rawStreamPut(): Promise<{ sha256: string; seconds: number }> {
  const start = performance.now();
  const path = join(base, 'raw-huge.bin');
  const fh = await open(path, 'w');
  const hash = createHash('sha256');
  try {
    for await (const chunk of deterministicStream(HUGE, 3)) {
      hash.update(chunk as Buffer);
      await fh.write(chunk as Buffer);
    }
    await fh.sync();
  } finally {
    await fh.close();
  }
  await rm(path);
  return { sha256: hash.digest('hex'), seconds: (performance.now() - start) / 1000 };
}
const hugeKey = 'huge/one-gib.bin';
async function localStreamPut(): Promise<{ sha256: string; seconds: number }> {
  const start = performance.now();
  const info = await local.put(hugeKey, deterministicStream(HUGE, 3));
  return { sha256: info.sha256!, seconds: (performance.now() - start) / 1000 };
}
async function localStreamGet(): Promise<{ sha256: string; seconds: number }> {
  const start = performance.now();
  const hash = createHash('sha256');
  await pipeline(
    (await local.get(hugeKey)).body,
    new Writable({
      write(chunk, _enc, cb) {
        hash.update(chunk);
        cb();
      },
    }),
  );
  return { sha256: hash.digest('hex'), seconds: (performance.now() - start) / 1000 };
}
/** Peak RSS growth of `run` with a full GC before every sample (memory held, not garbage). */
async function heldRssGrowth<T>(run: () => Promise<T>): Promise<{ result: T; growth: number }> {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc === undefined) throw new Error('run with --expose-gc (the bench runner does)');
  gc();
  const before = process.memoryUsage.rss();
  let peak = before;
  const timer = setInterval(() => {
    gc();
    peak = Math.max(peak, process.memoryUsage.rss());
  }, 20);
  try {
    const result = await run();
    gc();
    return { result, growth: Math.max(peak, process.memoryUsage.rss()) - before };
  } finally {
    clearInterval(timer);
  }
}
const streams: Array<{ name: string; run: () => Promise<{ sha256: string; seconds: number }> }> = [
  { name: 'raw fs put', run: rawStreamPut },
  { name: 'local put', run: localStreamPut },
  { name: 'local get', run: localStreamGet },
];
const held: Record<string, number> = {};
console.log(`\nStreaming ${gib} MiB (sha256 verified end to end): peak RSS growth`);
for (const { name, run } of streams) {
  const plain = await peakRssGrowth(run);
  const gcd = await heldRssGrowth(run);
  if (plain.result.sha256 !== gcd.result.sha256) throw new Error(`${name} changed the bytes`);
  held[name] = gcd.growth;
  console.log(
    `  ${name.padEnd(10)}: ${(gib / plain.result.seconds).toFixed(0)} MiB/s, ${(plain.growth / MiB).toFixed(1)} MiB plain, ${(gcd.growth / MiB).toFixed(1)} MiB held (GC before each sample)`,
  );
}

// Targets are judged on the paired ratio; the best-of ratio is shown beside it.
const target = (name: string, what: string): [string, boolean] => {
  const row = rows.find((r) => r.scenario.startsWith(name))!;
  const best = row.values.local! / row.values['raw fs']!;
  const pairedRatio = paired.get(row.scenario)!;
  return [
    `${name} >= 0.9x ${what} (paired ${pairedRatio.toFixed(2)}x, best-of ${best.toFixed(2)}x)`,
    pairedRatio >= 0.9,
  ];
};
const checks: Array<[string, boolean]> = [
  target('get 4 KiB', 'raw'),
  target('get 8 MiB', 'raw'),
  target('put 4 KiB,', 'durable raw'),
  target('put 8 MiB', 'durable raw'),
  [
    `RSS held < 64 MiB streaming 1 GiB (put ${(held['local put']! / MiB).toFixed(1)}, get ${(held['local get']! / MiB).toFixed(1)}; raw put ${(held['raw fs put']! / MiB).toFixed(1)})`,
    Math.max(held['local put']!, held['local get']!) < 64 * MiB,
  ],
];
console.log('\nTargets');
for (const [what, ok] of checks) console.log(`  ${ok ? 'met   ' : 'MISSED'} ${what}`);

await rm(base, { recursive: true, force: true });
