// Paired, interleaved measurement on a shared machine: every round runs each library once (in
// a rotating order), and a round during which other processes used the CPU is rerun. What
// "other" means: the machine's busy time (/proc/stat) minus this process's own CPU time
// (process.cpuUsage: all its threads, libuv pool and workers included) minus the CPU time of
// the server under test (its pids, e.g. SeaweedFS's `weed`), which is part of the work being
// measured. Kernel threads doing this process's I/O (writeback, the journal) count as other
// too, so the threshold leaves room for them.
//
// Ratios are taken within a round (library / baseline, measured back to back), then the
// median over rounds: steadier than comparing each side's best when the machine drifts.
import { readdirSync, readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';

const TICKS_PER_SECOND = 100; // USER_HZ on Linux (getconf CLK_TCK)
export const CORES = availableParallelism();

/** Jiffies the machine spent busy (not idle, not waiting for I/O), all cores together. */
function machineBusyTicks(): number {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0]!;
    const [user, nice, system, _idle, _iowait, irq, softirq, steal] = line
      .trim()
      .split(/\s+/)
      .slice(1)
      .map(Number) as number[];
    return user! + nice! + system! + irq! + softirq! + steal!;
  } catch {
    return Number.NaN; // no /proc: disturbance cannot be measured
  }
}

function processTicks(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // utime and stime are fields 14 and 15 of the line; after "pid (comm) " they are 12 and 13 (1-based 3..)
    return Number(fields[11]) + Number(fields[12]);
  } catch {
    return 0; // exited
  }
}

/** Pids of processes whose command name is one of `names` (e.g. `weed`). */
export function pidsNamed(...names: string[]): number[] {
  const pids: number[] = [];
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return pids;
  }
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const comm = readFileSync(`/proc/${entry}/comm`, 'utf8').trim();
      if (names.includes(comm)) pids.push(Number(entry));
    } catch {
      // gone
    }
  }
  return pids;
}

export interface Sample {
  /** Seconds of wall time. */
  wall: number;
  /** CPU seconds of this process. */
  own: number;
  /** CPU seconds of the server processes. */
  server: number;
  /** CPU seconds of everything else on the machine, averaged as cores busy: other / wall. */
  otherCores: number;
}

/** Measures one call: wall time, own CPU, server CPU and the other processes' load. */
export async function sample<T>(
  serverPids: readonly number[],
  fn: () => Promise<T>,
): Promise<{ sample: Sample; result: T }> {
  const busy0 = machineBusyTicks();
  const server0 = serverPids.reduce((s, p) => s + processTicks(p), 0);
  const own0 = process.cpuUsage();
  const t0 = performance.now();
  const result = await fn();
  const wall = (performance.now() - t0) / 1000;
  const ownUsed = process.cpuUsage(own0);
  const server1 = serverPids.reduce((s, p) => s + processTicks(p), 0);
  const busy1 = machineBusyTicks();
  const own = (ownUsed.user + ownUsed.system) / 1e6;
  const server = (server1 - server0) / TICKS_PER_SECOND;
  const busy = (busy1 - busy0) / TICKS_PER_SECOND;
  // Tick granularity (10 ms per core) makes short runs jumpy: never below zero.
  const other = Math.max(0, busy - own - server);
  return { sample: { wall, own, server, otherCores: wall > 0 ? other / wall : 0 }, result };
}

/** Waits (up to `maxMs`) for a window of `windowMs` in which other processes used less than `cores`. */
export async function waitForQuiet(
  serverPids: readonly number[],
  cores: number,
  maxMs: number,
  windowMs = 250,
): Promise<number> {
  const deadline = Date.now() + maxMs;
  let last = Number.POSITIVE_INFINITY;
  while (Date.now() < deadline) {
    const { sample: s } = await sample(serverPids, () => new Promise((r) => setTimeout(r, windowMs)));
    last = s.otherCores;
    if (last < cores) return last;
  }
  return last;
}

export interface Contender {
  name: string;
  /** One timed run; returns the units of work done (operations, bytes, keys). */
  run(round: number): Promise<number>;
  /** Untimed preparation before each run (e.g. new instance for a cold listing). */
  before?(round: number): Promise<void>;
  /** The contender this one's ratio is taken against (default: the row's baseline). */
  baseline?: string;
}

export interface RowResult {
  row: string;
  unit: string;
  baseline: string;
  /** Median rate (units per second) per contender. */
  rate: Record<string, number>;
  /** Each contender's baseline (the row's, or its own `baseline`). */
  baselineOf: Record<string, string>;
  /** Median over kept rounds of contender / its baseline, measured in the same round. */
  ratio: Record<string, number>;
  /** Lowest and highest per-round ratio. */
  ratioRange: Record<string, [number, number]>;
  /** Own CPU seconds per unit (median), for the client-side cost. */
  cpuPerUnit: Record<string, number>;
  rounds: number;
  /** Rounds rerun because other load disturbed them. */
  rerun: number;
  /** Rounds kept although disturbed (reruns exhausted). */
  keptDisturbed: number;
  /** Median other-process load (cores) during the kept runs. */
  otherCores: number;
}

export interface PairedOptions {
  rounds: number;
  /** Other processes' load (cores) above which a run is disturbed. */
  threshold: number;
  /** Reruns of one round before the least disturbed attempt is kept. */
  maxReruns: number;
  /** How long to wait for a quiet moment before each round. */
  quietWaitMs: number;
  serverPids: readonly number[];
  /** Called with each kept round (for progress output). */
  log?: (line: string) => void;
}

export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/**
 * Runs `contenders` interleaved for `options.rounds` rounds (each round in a rotated order),
 * rerunning a round when any of its runs was disturbed, and reports medians and ratios to
 * `baseline`.
 */
export async function pairedRow(
  row: string,
  unit: string,
  baseline: string,
  contenders: readonly Contender[],
  options: PairedOptions,
): Promise<RowResult> {
  const kept: Array<Record<string, Sample & { units: number }>> = [];
  let rerun = 0;
  let keptDisturbed = 0;
  for (let round = 0; round < options.rounds; round++) {
    let best: { runs: Record<string, Sample & { units: number }>; worst: number } | undefined;
    for (let attempt = 0; attempt <= options.maxReruns; attempt++) {
      await waitForQuiet(options.serverPids, options.threshold, options.quietWaitMs);
      const runs: Record<string, Sample & { units: number }> = {};
      let worst = 0;
      const order = contenders.map((_, i) => contenders[(i + round + attempt) % contenders.length]!);
      for (const c of order) {
        await c.before?.(round);
        const { sample: s, result: units } = await sample(options.serverPids, () => c.run(round));
        runs[c.name] = { ...s, units };
        worst = Math.max(worst, s.otherCores);
      }
      if (best === undefined || worst < best.worst) best = { runs, worst };
      if (worst <= options.threshold) break;
      if (attempt < options.maxReruns) rerun++;
    }
    if (best!.worst > options.threshold) keptDisturbed++;
    kept.push(best!.runs);
    options.log?.(
      `  ${row} round ${round + 1}: ${contenders
        .map((c) => {
          const r = best!.runs[c.name]!;
          return `${c.name} ${formatRate(r.units / r.wall)}`;
        })
        .join(', ')} (other load ${best!.worst.toFixed(2)} cores)`,
    );
  }
  const rate: Record<string, number> = {};
  const ratio: Record<string, number> = {};
  const ratioRange: Record<string, [number, number]> = {};
  const cpuPerUnit: Record<string, number> = {};
  const baselineOf: Record<string, string> = {};
  for (const c of contenders) {
    const base = c.baseline ?? baseline;
    baselineOf[c.name] = base;
    rate[c.name] = median(kept.map((r) => r[c.name]!.units / r[c.name]!.wall));
    cpuPerUnit[c.name] = median(kept.map((r) => r[c.name]!.own / r[c.name]!.units));
    const perRound = kept.map((r) => r[c.name]!.units / r[c.name]!.wall / (r[base]!.units / r[base]!.wall));
    ratio[c.name] = median(perRound);
    ratioRange[c.name] = [Math.min(...perRound), Math.max(...perRound)];
  }
  const otherCores = median(kept.flatMap((r) => Object.values(r).map((s) => s.otherCores)));
  return {
    row,
    unit,
    baseline,
    baselineOf,
    rate,
    ratio,
    ratioRange,
    cpuPerUnit,
    rounds: kept.length,
    rerun,
    keptDisturbed,
    otherCores,
  };
}

export function formatRate(value: number): string {
  if (!Number.isFinite(value)) return '-';
  if (value >= 100) return value.toFixed(0);
  if (value >= 10) return value.toFixed(1);
  return value.toFixed(2);
}
