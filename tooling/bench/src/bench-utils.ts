import { createCipheriv, createHash } from 'node:crypto';
import { Readable } from 'node:stream';

export const KiB = 1024;
export const MiB = 1024 * 1024;

/** Runs `count` calls of `op` with at most `concurrency` in flight; returns elapsed seconds. */
export async function runOps(
  count: number,
  concurrency: number,
  op: (i: number) => Promise<unknown>,
): Promise<number> {
  let next = 0;
  const start = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: Math.min(concurrency, count) }, async () => {
      while (next < count) await op(next++);
    }),
  );
  return Number(process.hrtime.bigint() - start) / 1e9;
}

/** Best of `rounds` runs (seconds): the least disturbed by other work on a shared machine. */
export async function best(rounds: number, run: (round: number) => Promise<number>): Promise<number> {
  let min = Number.POSITIVE_INFINITY;
  for (let r = 0; r < rounds; r++) min = Math.min(min, await run(r));
  return min;
}

/** Deterministic pseudo-random bytes (AES-CTR keystream of a seed), as one buffer. */
export function deterministicBuffer(size: number, seed: number): Buffer {
  return cipherFor(seed).update(Buffer.alloc(size));
}

/** The same bytes as `deterministicBuffer(size, seed)`, generated lazily in 1 MiB chunks. */
export function deterministicStream(size: number, seed: number, chunk = MiB): Readable {
  const cipher = cipherFor(seed);
  const zeros = Buffer.alloc(chunk);
  let left = size;
  return new Readable({
    highWaterMark: chunk,
    read() {
      if (left === 0) {
        this.push(null);
        return;
      }
      const n = Math.min(chunk, left);
      left -= n;
      this.push(cipher.update(n === chunk ? zeros : zeros.subarray(0, n)));
    },
  });
}

function cipherFor(seed: number) {
  const key = createHash('sha256').update(`bench-seed-${seed}`).digest();
  return createCipheriv('aes-128-ctr', key.subarray(0, 16), key.subarray(16, 32));
}

/** Samples RSS every `everyMs` while `run` runs; returns the peak growth over the RSS before it. */
export async function peakRssGrowth<T>(
  run: () => Promise<T>,
  everyMs = 10,
): Promise<{ result: T; growth: number }> {
  (globalThis as { gc?: () => void }).gc?.();
  const before = process.memoryUsage.rss();
  let peak = before;
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage.rss());
  }, everyMs);
  try {
    const result = await run();
    peak = Math.max(peak, process.memoryUsage.rss());
    return { result, growth: peak - before };
  } finally {
    clearInterval(timer);
  }
}

export interface Row {
  scenario: string;
  unit: string;
  /** Measured value per implementation (higher is better), undefined when not applicable. */
  values: Record<string, number | undefined>;
}

/** Prints a table of rows with a ratio column for `subject` against `baseline`. */
export function printTable(
  title: string,
  columns: string[],
  rows: Row[],
  subject: string,
  baseline: string,
): void {
  const header = ['scenario', 'unit', ...columns, `${subject}/${baseline}`];
  const body = rows.map((row) => {
    const s = row.values[subject];
    const b = row.values[baseline];
    const ratio = s !== undefined && b !== undefined && b > 0 ? `${(s / b).toFixed(2)}x` : '-';
    return [row.scenario, row.unit, ...columns.map((c) => format(row.values[c])), ratio];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((r) => r[i]!.length)));
  const line = (cells: string[]) =>
    cells.map((c, i) => (i < 2 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  console.log(`\n${title}`);
  console.log(line(header));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const r of body) console.log(line(r));
}

function format(value: number | undefined): string {
  if (value === undefined) return '-';
  if (value >= 100) return value.toFixed(0);
  return value.toFixed(1);
}

export async function drain(stream: NodeJS.ReadableStream): Promise<number> {
  let bytes = 0;
  for await (const chunk of stream) bytes += (chunk as Buffer).length;
  return bytes;
}
