// The checked layer's cost per listed entry: MemoryObjectStore's `list()` and `listPage()`
// against the same store's adapter hook (`listEntries`, what the layer wraps), in one run.
// The difference is what the layer adds per entry (validation is per call, so it vanishes
// over 10k entries): the generator hops and the progress guard.
// Env: STOWAGE_BENCH_LIST_KEYS (default 10000), STOWAGE_BENCH_ROUNDS (default 15).
import type { ListEntry } from '@stowage/core';
import type { ListQuery } from '@stowage/kit';
import { MemoryObjectStore } from '@stowage/memory';
import { best, printTable, type Row } from './bench-utils.ts';

const KEYS = Number(process.env.STOWAGE_BENCH_LIST_KEYS ?? 10_000);
const ROUNDS = Number(process.env.STOWAGE_BENCH_ROUNDS ?? 15);

/** Exposes the hook the layer wraps, so the baseline is the same store without the layer. */
class ProbeStore extends MemoryObjectStore {
  hook(query: ListQuery): AsyncIterable<ListEntry> {
    return this.listEntries(query);
  }
}

const store = new ProbeStore();
for (let i = 0; i < KEYS; i++) await store.put(`k/${String(i).padStart(6, '0')}`, 'x');

async function time(run: () => Promise<number>): Promise<number> {
  const start = process.hrtime.bigint();
  const n = await run();
  if (n !== KEYS) throw new Error(`listed ${n} of ${KEYS}`);
  return Number(process.hrtime.bigint() - start) / 1e3 / n; // µs per entry
}

const count = async (entries: AsyncIterable<unknown>) => {
  let n = 0;
  for await (const _ of entries) n++;
  return n;
};

const measures: Record<string, () => Promise<number>> = {
  hook: () => time(() => count(store.hook({ prefix: 'k/', operation: 'list' }))),
  list: () => time(() => count(store.list({ prefix: 'k/' }))),
  listPage: () =>
    time(async () => {
      const page = await store.listPage({ prefix: 'k/', limit: Math.min(KEYS, 10_000) });
      return page.items.length;
    }),
};

// Warm up (JIT), then take each measure's best round, interleaved so drift hits all alike.
for (const run of Object.values(measures)) for (let i = 0; i < 3; i++) await run();
const results: Record<string, number> = {};
for (const [name, run] of Object.entries(measures)) results[name] = await best(ROUNDS, run);

// Higher is better in printTable: report entries per µs, then print µs/entry beside it.
const rows: Row[] = [
  {
    scenario: `list ${KEYS} entries`,
    unit: 'entries/µs',
    values: { layer: 1 / results.list!, hook: 1 / results.hook! },
  },
  {
    scenario: `listPage ${Math.min(KEYS, 10_000)}`,
    unit: 'entries/µs',
    values: { layer: 1 / results.listPage!, hook: 1 / results.hook! },
  },
];
printTable('Listing overhead of the checked layer (memory store)', ['layer', 'hook'], rows, 'layer', 'hook');
console.log(
  `\nµs/entry: hook ${results.hook!.toFixed(3)}, list ${results.list!.toFixed(3)}, listPage ${results.listPage!.toFixed(3)}; layer adds ${(results.list! - results.hook!).toFixed(3)} (list), ${(results.listPage! - results.hook!).toFixed(3)} (listPage)`,
);
