// The fleet test's checker: from the processes' logs of what they began, acknowledged and
// read, and the final content of every key, counts lost writes, resurrected deletes, stale
// reads and final states that are not the last write.
//
// Times are CLOCK_MONOTONIC nanoseconds, one clock for every process on the machine. An
// operation X *precedes* Y when X ended before Y began (X.end < Y.start). An operation that
// failed may still have taken effect, within its own interval; one cut short by SIGKILL has
// no end (it may take effect at any time after it began). Then:
// - a read that returned version v (a put W) is STALE when some operation Y acknowledged
//   before the read began followed W (W precedes Y): the read missed Y; when Y is a delete,
//   the read RESURRECTED it. A read that found nothing is stale when a put Y was acknowledged
//   before it began and no delete that began before the read ended could have come after Y.
// - the final state of a key must be the effect of a mutation that no acknowledged mutation
//   followed; otherwise the acknowledged one was LOST (a put) or the key was RESURRECTED (a
//   delete). Absent is the effect of a delete, or of nothing when no put was ever acknowledged.
// - a read or final content that no write of that key produced (or produced only after the
//   read ended) is a PHANTOM.

export interface Mutation {
  id: string;
  key: string;
  op: 'put' | 'del';
  sha?: string;
  start: bigint;
  /** Undefined: the process was killed before the operation ended. */
  end?: bigint;
  acked: boolean;
}

export interface Read {
  key: string;
  start: bigint;
  end: bigint;
  /** null: NotFound. */
  sha: string | null;
}

export interface FleetCounts {
  keys: number;
  putsAcked: number;
  putsFailed: number;
  putsCutShort: number;
  deletesAcked: number;
  deletesFailed: number;
  deletesCutShort: number;
  reads: number;
  readsNotFound: number;
  readsFailed: number;
  lostWrites: number;
  resurrectedDeletes: number;
  staleReads: number;
  phantomReads: number;
  finalMismatches: number;
  /** Keys whose final content is exactly the mutation acknowledged last (the rest: overlapping or unacknowledged writes decided it, legitimately). */
  finalIsLastAcked: number;
}

export interface FleetCheck {
  counts: FleetCounts;
  /** A few violations, described, for the failure message. */
  examples: string[];
}

/** Reads the processes' JSON-lines logs. */
export function parseLogs(texts: string[]): { mutations: Mutation[]; reads: Read[]; readsFailed: number } {
  const mutations = new Map<string, Mutation>();
  const reads: Read[] = [];
  let readsFailed = 0;
  for (const text of texts) {
    for (const line of text.split('\n')) {
      if (line === '') continue;
      const event = JSON.parse(line) as Record<string, string | null>;
      switch (event.e) {
        case 'b':
          mutations.set(event.id!, {
            id: event.id!,
            key: event.k!,
            op: event.op as 'put' | 'del',
            ...(event.sha ? { sha: event.sha } : {}),
            start: BigInt(event.t!),
            acked: false,
          });
          break;
        case 'a':
        case 'f': {
          const m = mutations.get(event.id!);
          if (m === undefined) throw new Error(`end of an operation that never began: ${line}`);
          m.end = BigInt(event.t!);
          m.acked = event.e === 'a';
          break;
        }
        case 'r':
          reads.push({
            key: event.k!,
            start: BigInt(event.t0!),
            end: BigInt(event.t1!),
            sha: event.sha ?? null,
          });
          break;
        case 'rf':
          readsFailed++;
          break;
      }
    }
  }
  return { mutations: [...mutations.values()], reads, readsFailed };
}

const INFINITY = BigInt(Number.MAX_SAFE_INTEGER) ** 2n;

/** For one key: acknowledged mutations by end, with the latest start among each prefix. */
class Acked {
  private readonly ends: bigint[] = [];
  private readonly maxStart: Mutation[] = [];
  private readonly maxPutStart: Array<Mutation | undefined> = [];

  constructor(mutations: Mutation[]) {
    const acked = mutations
      .filter((m) => m.acked)
      .sort((a, b) => (a.end! < b.end! ? -1 : a.end! > b.end! ? 1 : 0));
    let best: Mutation | undefined;
    let bestPut: Mutation | undefined;
    for (const m of acked) {
      if (best === undefined || m.start > best.start) best = m;
      if (m.op === 'put' && (bestPut === undefined || m.start > bestPut.start)) bestPut = m;
      this.ends.push(m.end!);
      this.maxStart.push(best);
      this.maxPutStart.push(bestPut);
    }
  }

  /** Index of the last mutation acknowledged before `t`, or -1. */
  private before(t: bigint): number {
    let lo = 0;
    let hi = this.ends.length - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (this.ends[mid]! < t) {
        found = mid;
        lo = mid + 1;
      } else {
        hi = mid - 1;
      }
    }
    return found;
  }

  /** Of the mutations acknowledged before `t`, the one that began last. */
  latestBefore(t: bigint): Mutation | undefined {
    const i = this.before(t);
    return i < 0 ? undefined : this.maxStart[i];
  }

  /** Of the puts acknowledged before `t`, the one that began last. */
  latestPutBefore(t: bigint): Mutation | undefined {
    const i = this.before(t);
    return i < 0 ? undefined : this.maxPutStart[i];
  }
}

type Verdict = 'ok' | 'stale' | 'resurrected' | 'phantom';

/**
 * Judges one observation of `key` — a read over [start, end], or the final state (start =
 * end = +infinity) — that returned `sha` (null: absent).
 */
function judge(
  sha: string | null,
  start: bigint,
  end: bigint,
  writes: Map<string, Mutation>,
  deletes: Mutation[],
  acked: Acked,
): { verdict: Verdict; by?: Mutation; returned?: Mutation } {
  if (sha !== null) {
    const w = writes.get(sha);
    if (w === undefined || w.start > end) return { verdict: 'phantom' };
    const y = acked.latestBefore(start);
    if (y !== undefined && w.end !== undefined && w.end < y.start) {
      return { verdict: y.op === 'del' ? 'resurrected' : 'stale', by: y, returned: w };
    }
    return { verdict: 'ok' };
  }
  const y = acked.latestPutBefore(start);
  if (y === undefined) return { verdict: 'ok' };
  const justified = deletes.some((d) => d.start < end && (d.end === undefined || d.end >= y.start));
  return justified ? { verdict: 'ok' } : { verdict: 'stale', by: y };
}

export function checkFleet(
  mutations: Mutation[],
  reads: Read[],
  readsFailed: number,
  finals: Map<string, string | null>,
): FleetCheck {
  const counts: FleetCounts = {
    keys: finals.size,
    putsAcked: 0,
    putsFailed: 0,
    putsCutShort: 0,
    deletesAcked: 0,
    deletesFailed: 0,
    deletesCutShort: 0,
    reads: reads.length,
    readsNotFound: 0,
    readsFailed,
    lostWrites: 0,
    resurrectedDeletes: 0,
    staleReads: 0,
    phantomReads: 0,
    finalMismatches: 0,
    finalIsLastAcked: 0,
  };
  const examples: string[] = [];
  const note = (text: string) => {
    if (examples.length < 20) examples.push(text);
  };
  const byKey = new Map<string, Mutation[]>();
  for (const m of mutations) {
    if (m.op === 'put') {
      if (m.acked) counts.putsAcked++;
      else if (m.end !== undefined) counts.putsFailed++;
      else counts.putsCutShort++;
    } else if (m.acked) counts.deletesAcked++;
    else if (m.end !== undefined) counts.deletesFailed++;
    else counts.deletesCutShort++;
    const list = byKey.get(m.key) ?? [];
    list.push(m);
    byKey.set(m.key, list);
  }
  const readsByKey = new Map<string, Read[]>();
  for (const r of reads) {
    if (r.sha === null) counts.readsNotFound++;
    const list = readsByKey.get(r.key) ?? [];
    list.push(r);
    readsByKey.set(r.key, list);
  }
  const describe = (m: Mutation | undefined) =>
    m === undefined
      ? 'nothing'
      : `${m.op} ${m.id} [${m.start}, ${m.end ?? 'killed'}]${m.acked ? ' acked' : ''}`;
  const keys = new Set([...byKey.keys(), ...readsByKey.keys(), ...finals.keys()]);
  for (const key of keys) {
    const list = byKey.get(key) ?? [];
    const writes = new Map(list.filter((m) => m.op === 'put').map((m) => [m.sha!, m]));
    const deletes = list.filter((m) => m.op === 'del');
    const acked = new Acked(list);
    for (const r of readsByKey.get(key) ?? []) {
      const v = judge(r.sha, r.start, r.end, writes, deletes, acked);
      if (v.verdict === 'ok') continue;
      if (v.verdict === 'phantom') counts.phantomReads++;
      else if (v.verdict === 'resurrected') counts.resurrectedDeletes++;
      else counts.staleReads++;
      note(
        `${v.verdict} read of ${key} [${r.start}, ${r.end}] returned ${v.returned === undefined ? (r.sha ?? 'absent') : describe(v.returned)}; missed ${describe(v.by)}`,
      );
    }
    if (!finals.has(key)) continue;
    const final = finals.get(key) ?? null;
    const v = judge(final, INFINITY, INFINITY, writes, deletes, acked);
    if (v.verdict !== 'ok') {
      counts.finalMismatches++;
      if (v.verdict === 'resurrected') counts.resurrectedDeletes++;
      else if (v.verdict === 'stale') counts.lostWrites++;
      else counts.phantomReads++;
      note(
        `final state of ${key} is ${final === null ? 'absent' : describe(v.returned)}: ${v.verdict}, lost ${describe(v.by)}`,
      );
    }
    const lastByEnd = list
      .filter((m) => m.acked)
      .sort((a, b) => (a.end! < b.end! ? -1 : 1))
      .at(-1);
    if (
      lastByEnd === undefined
        ? final === null
        : lastByEnd.op === 'del'
          ? final === null
          : lastByEnd.sha === final
    ) {
      counts.finalIsLastAcked++;
    }
  }
  return { counts, examples };
}
