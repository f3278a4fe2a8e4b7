import { compareKeys, isStorageError } from '@stowage/core';
import { DirEndpoint, type Endpoint, type Item, StoreEndpoint } from './endpoints.js';
import type { Progress } from './progress.js';

/** Runs tasks with at most `size` in flight; `run` waits for a free slot. */
export class Pool {
  private readonly running = new Set<Promise<void>>();
  constructor(private readonly size: number) {}

  async run(task: () => Promise<void>): Promise<void> {
    while (this.running.size >= this.size) await Promise.race(this.running);
    const p: Promise<void> = task().finally(() => this.running.delete(p));
    this.running.add(p);
  }

  async drain(): Promise<void> {
    while (this.running.size > 0) await Promise.race(this.running);
  }
}

/** Both listings side by side, in key order. */
export async function* mergeJoin(
  a: AsyncIterable<Item>,
  b: AsyncIterable<Item>,
): AsyncGenerator<{ key: string; a?: Item; b?: Item }> {
  const ia = a[Symbol.asyncIterator]();
  const ib = b[Symbol.asyncIterator]();
  let x = await ia.next();
  let y = await ib.next();
  while (!x.done || !y.done) {
    const c = x.done ? 1 : y.done ? -1 : compareKeys(x.value.key, y.value.key);
    if (c < 0) {
      yield { key: x.value!.key, a: x.value as Item };
      x = await ia.next();
    } else if (c > 0) {
      yield { key: y.value!.key, b: y.value as Item };
      y = await ib.next();
    } else {
      yield { key: x.value!.key, a: x.value as Item, b: y.value as Item };
      x = await ia.next();
      y = await ib.next();
    }
  }
}

/** Copies one object or file; server-side when both sides are keys of the same store. */
export async function copyItem(
  src: Endpoint,
  srcKey: string,
  dst: Endpoint,
  dstKey: string,
  signal: AbortSignal,
  onBytes?: (n: number) => void,
): Promise<number> {
  if (src instanceof StoreEndpoint && dst instanceof StoreEndpoint && src.store.id === dst.store.id) {
    const info = await dst.store.storage.copy(src.keyOf(srcKey), dst.keyOf(dstKey), { signal });
    onBytes?.(info.size);
    return info.size;
  }
  const source = await src.read(srcKey, signal);
  let sent = 0;
  await dst.write(dstKey, source, signal, (n) => {
    sent += n;
    onBytes?.(n);
  });
  if (sent < source.size) onBytes?.(source.size - sent);
  return source.size;
}

export type SyncAction = 'copy' | 'update' | 'delete';

export interface SyncOptions {
  /** Only copy what is missing or different (sync); otherwise copy everything (put -r, get -r, cp -r). */
  compare: boolean;
  delete: boolean;
  dryRun: boolean;
  /** Hash both sides where no sha256 is recorded, rather than trusting equal sizes. */
  checksum: boolean;
  concurrency: number;
  signal: AbortSignal;
  progress: Progress;
  onAction?: (action: SyncAction, key: string, bytes: number) => void;
  onFailure?: (key: string, error: unknown) => void;
  /** After each successful copy (mv -r removes the source here). */
  afterCopy?: (key: string) => Promise<void>;
}

export interface SyncReport {
  copied: number;
  updated: number;
  deleted: number;
  unchanged: number;
  bytes: number;
  failed: Array<{ key: string; kind: string; message: string }>;
  /** Dry run: what would have been done. */
  planned?: Array<{ action: SyncAction; key: string; size?: number }>;
}

/**
 * Makes `dst` hold what `src` holds: one merge-join pass over both listings, then for each key
 * a copy (missing), an update (different size, or a different sha256 where both are known),
 * or a delete (`--delete`, only in `dst`). Each write is atomic, so a run interrupted at any
 * point leaves whole objects only, and running it again transfers only what is still missing
 * or different: that is how a sync resumes.
 */
export async function syncTrees(src: Endpoint, dst: Endpoint, options: SyncOptions): Promise<SyncReport> {
  const report: SyncReport = { copied: 0, updated: 0, deleted: 0, unchanged: 0, bytes: 0, failed: [] };
  if (options.dryRun) report.planned = [];
  const pool = new Pool(options.concurrency);
  const { signal, progress } = options;
  const sameBackend =
    src instanceof StoreEndpoint &&
    dst instanceof StoreEndpoint &&
    src.store.storage.name === dst.store.storage.name;

  const fail = (key: string, error: unknown) => {
    if (signal.aborted) return;
    report.failed.push({
      key,
      kind: isStorageError(error) ? error.kind : ((error as NodeJS.ErrnoException)?.code ?? 'Error'),
      message: error instanceof Error ? error.message : String(error),
    });
    options.onFailure?.(key, error);
    progress.advance(1);
  };

  const act = async (action: SyncAction, key: string, size: number) => {
    if (options.dryRun) {
      report.planned!.push(action === 'delete' ? { action, key } : { action, key, size });
      if (action === 'copy') report.copied++;
      else if (action === 'update') report.updated++;
      else report.deleted++;
      options.onAction?.(action, key, size);
      progress.advance(1);
      return;
    }
    if (action === 'delete') {
      await dst.remove(key, signal);
      report.deleted++;
      options.onAction?.(action, key, 0);
      progress.advance(1);
      return;
    }
    let partial = 0;
    const bytes = await copyItem(src, key, dst, key, signal, (n) => {
      partial += n;
      progress.advance(0, n);
    });
    if (partial < bytes) progress.advance(0, bytes - partial);
    await options.afterCopy?.(key);
    report.bytes += bytes;
    if (action === 'copy') report.copied++;
    else report.updated++;
    options.onAction?.(action, key, bytes);
    progress.advance(1);
  };

  const differs = async (key: string, a: Item, b: Item): Promise<boolean> => {
    if (a.size !== b.size) return true;
    if (sameBackend && a.etag !== undefined && a.etag === b.etag) return false;
    // A local file against an object: the object's etag is often the file's md5 (single-part
    // S3 puts) or the first half of its sha256 (local mode). A match settles it, no request.
    let localSha: string | undefined;
    const local =
      src instanceof DirEndpoint
        ? { dir: src, other: b }
        : dst instanceof DirEndpoint
          ? { dir: dst, other: a }
          : undefined;
    if (local !== undefined && local.other.etag !== undefined) {
      const digests = await local.dir.digests(key, signal);
      localSha = digests.sha256;
      const etag = local.other.etag.replaceAll('"', '').toLowerCase();
      if (etag === digests.md5 || etag === digests.sha256.slice(0, 32)) return false;
    }
    const recorded = (side: Endpoint) =>
      side instanceof DirEndpoint ? Promise.resolve(localSha) : side.recordedSha256(key, signal);
    const [ra, rb] = await Promise.all([recorded(src), recorded(dst)]);
    if (ra !== undefined && rb !== undefined) return ra !== rb;
    // Without --checksum only local files are hashed (cheap); a store object with no recorded
    // sha256 is taken as equal when its size is.
    const hashA =
      ra ?? (options.checksum || src.kind === 'dir' ? await src.computeSha256(key, signal) : undefined);
    const hashB =
      rb ?? (options.checksum || dst.kind === 'dir' ? await dst.computeSha256(key, signal) : undefined);
    return hashA !== undefined && hashB !== undefined && hashA !== hashB;
  };

  const empty: AsyncIterable<Item> = (async function* () {})();
  const pairs = mergeJoin(src.list(signal), options.compare || options.delete ? dst.list(signal) : empty);
  for await (const { key, a, b } of pairs) {
    if (signal.aborted) break;
    if (a !== undefined) progress.addTotal(1, a.size);
    else if (options.delete) progress.addTotal(1);
    else continue;
    await pool.run(async () => {
      try {
        if (a === undefined) await act('delete', key, 0);
        else if (b === undefined || !options.compare) await act('copy', key, a.size);
        else if (await differs(key, a, b)) await act('update', key, a.size);
        else {
          report.unchanged++;
          progress.advance(1);
        }
      } catch (error) {
        fail(key, error);
      }
    });
  }
  await pool.drain();
  return report;
}

export interface VerifyReport {
  compared: number;
  matching: number;
  /** In A, not in B. */
  missing: string[];
  /** In B, not in A. */
  extra: string[];
  differing: Array<{ key: string; reason: 'size' | 'sha256'; a: string | number; b: string | number }>;
  failed: Array<{ key: string; kind: string; message: string }>;
}

/** Compares two sides key by key: sizes, then sha256 (recorded where stored, else computed). */
export async function verifyTrees(
  a: Endpoint,
  b: Endpoint,
  options: { concurrency: number; signal: AbortSignal; progress: Progress },
): Promise<VerifyReport> {
  const report: VerifyReport = {
    compared: 0,
    matching: 0,
    missing: [],
    extra: [],
    differing: [],
    failed: [],
  };
  const pool = new Pool(options.concurrency);
  const { signal, progress } = options;
  const sha = async (side: Endpoint, key: string) =>
    (await side.recordedSha256(key, signal)) ?? (await side.computeSha256(key, signal));
  for await (const pair of mergeJoin(a.list(signal), b.list(signal))) {
    if (signal.aborted) break;
    progress.addTotal(1);
    if (pair.b === undefined) {
      report.missing.push(pair.key);
      progress.advance(1);
      continue;
    }
    if (pair.a === undefined) {
      report.extra.push(pair.key);
      progress.advance(1);
      continue;
    }
    const { key, a: ia, b: ib } = pair;
    report.compared++;
    await pool.run(async () => {
      try {
        if (ia.size !== ib.size) {
          report.differing.push({ key, reason: 'size', a: ia.size, b: ib.size });
        } else {
          const [ha, hb] = await Promise.all([sha(a, key), sha(b, key)]);
          if (ha === hb) report.matching++;
          else report.differing.push({ key, reason: 'sha256', a: ha, b: hb });
        }
      } catch (error) {
        if (!signal.aborted) {
          report.failed.push({
            key,
            kind: isStorageError(error) ? error.kind : 'Error',
            message: error instanceof Error ? error.message : String(error),
          });
        }
      }
      progress.advance(1, ia.size);
    });
  }
  await pool.drain();
  const byKey = (x: string, y: string) => compareKeys(x, y);
  report.differing.sort((x, y) => byKey(x.key, y.key));
  report.failed.sort((x, y) => byKey(x.key, y.key));
  return report;
}
