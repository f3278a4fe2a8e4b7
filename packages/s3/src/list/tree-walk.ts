import { compareKeys, type ObjectSummary, StorageError } from '@stowage/core';
import { ContinuationTokens, type ListRequest, type ListResponse, type ListServer } from './list-server.js';
import { dirOf, SLASH, treeStart } from './tree-position.js';

/**
 * Byte-order listings from a server that lists in tree order (SeaweedFS).
 *
 * Such a server walks its directory tree: a folder's keys come right after the folder's
 * name, ahead of siblings that continue the name with a byte below "/" (`report/2024.csv`
 * before `report.pdf`), and its StartAfter skips a whole folder. Tree order and byte order
 * differ only there, so the walk reads the server's flat listing (one request per page, as
 * before) and holds back a folder's keys until the next sibling shows whether any such
 * "overtaking" name exists:
 *
 * - a folder whose keys fit the budget is held and released in place;
 * - a larger one costs one probe request (the first sibling after the folder): with no
 *   overtaking sibling its keys stream through; with one, the folder is skipped on the
 *   server and listed again, on its own, once the siblings before it are out.
 *
 * Memory stays bounded: at most `budget` held keys per folder level of the current path.
 */
export interface TreeWalkOptions {
  /** Held keys per folder level before a probe decides; default 1000. */
  budget?: number;
  /** Keys per request once the listing is under way (at most 1000). */
  pageSize?: number;
  /** Keys asked for by the first request (a small page needs no more). */
  firstPageSize?: number;
}

interface Held {
  stem: string;
  folder: string;
  keys: ObjectSummary[];
  /** Too large to hold, and overtaken: listed again on its own when its turn comes. */
  deferred: boolean;
}

/** Every key under `prefix` after `after`, in byte order. */
export function treeOrderedKeys(
  server: ListServer,
  prefix: string,
  after: string | undefined,
  options: TreeWalkOptions = {},
): AsyncGenerator<ObjectSummary> {
  return new TreeWalk(server, after, options).keys(prefix);
}

class TreeWalk {
  private readonly budget: number;
  private readonly pageSize: number;
  private readonly firstPageSize: number;

  constructor(
    private readonly server: ListServer,
    private readonly after: string | undefined,
    options: TreeWalkOptions,
  ) {
    this.budget = options.budget ?? 1000;
    this.pageSize = Math.min(1000, options.pageSize ?? 1000);
    this.firstPageSize = Math.min(this.pageSize, options.firstPageSize ?? this.pageSize);
  }

  /** The walk starts a little before `after` (see `treeStart`): what precedes it is dropped here. */
  async *keys(prefix: string): AsyncGenerator<ObjectSummary> {
    for await (const entry of this.listing(prefix)) {
      if (this.after !== undefined && compareKeys(entry.key, this.after) <= 0) continue;
      yield entry;
    }
  }

  /** Keys under `prefix` in byte order, from the position `treeStart` picks (some may precede `after`). */
  private listing(prefix: string): AsyncGenerator<ObjectSummary> {
    const start = treeStart(prefix, this.after);
    if (start === null) return empty();
    return this.level(new TreeStream(this, prefix, start), dirOf(prefix));
  }

  request(request: ListRequest): Promise<ListResponse> {
    return this.server(request);
  }

  pageSizeFor(first: boolean): number {
    return first ? this.firstPageSize : this.pageSize;
  }

  /** Every key the stream holds under `base` from its position on, in byte order. */
  private async *level(stream: TreeStream, base: string): AsyncGenerator<ObjectSummary> {
    const held: Held[] = [];
    for (;;) {
      const next = await stream.peek();
      if (next === undefined || !next.key.startsWith(base)) break;
      const rest = next.key.slice(base.length);
      const slash = rest.indexOf('/');
      if (slash < 0) {
        // A key at this level sorts before every held folder it does not follow.
        yield* this.release(held, next.key);
        stream.take();
        yield next;
        continue;
      }
      const stem = base + rest.slice(0, slash);
      yield* this.release(held, stem);
      yield* this.folder(stream, stem, held);
    }
    yield* this.release(held, undefined);
  }

  /** The keys of folder `stem/`, which the stream is about to deliver. */
  private async *folder(stream: TreeStream, stem: string, held: Held[]): AsyncGenerator<ObjectSummary> {
    const folder = `${stem}/`;
    // Names that could overtake this folder all sort before it, hence before `after`:
    // they are never listed, so nothing needs to wait for them.
    if (this.after !== undefined && compareKeys(this.after, folder) >= 0) {
      yield* this.level(stream, folder);
      return;
    }
    const entry: Held = { stem, folder, keys: [], deferred: false };
    held.push(entry);
    let streaming = false;
    for await (const key of this.level(stream, folder)) {
      if (streaming) {
        yield key;
        continue;
      }
      entry.keys.push(key);
      if (entry.keys.length <= this.budget) continue;
      if (await this.overtaken(stem)) {
        // Leaving the loop closes the folder's walk; the server skips the rest of it.
        entry.keys = [];
        entry.deferred = true;
        stream.skipSubtree(stem);
        return;
      }
      // Nothing sorts between this folder and the held folders below it on the stack.
      held.pop();
      streaming = true;
      yield* entry.keys;
      entry.keys = [];
    }
    if (!streaming) this.limitHeld(held);
  }

  /** Whether a sibling continues `stem` with a byte below "/" (and so lists before `stem/`). */
  private async overtaken(stem: string): Promise<boolean> {
    // StartAfter a name skips its folder: the first key is the next sibling starting with stem.
    const { keys } = await this.request({ prefix: stem, startAfter: stem, maxKeys: 1 });
    const first = keys[0]?.key;
    return first !== undefined && first.length > stem.length && first.charCodeAt(stem.length) < SLASH;
  }

  /** Keeps the held keys of one level within the budget by deferring the largest folders. */
  private limitHeld(held: Held[]): void {
    let total = held.reduce((n, h) => n + h.keys.length, 0);
    while (total > this.budget) {
      const largest = held.reduce((a, b) => (b.keys.length > a.keys.length ? b : a));
      total -= largest.keys.length;
      largest.keys = [];
      largest.deferred = true;
    }
  }

  /** Releases held folders that sort before `bound` (all of them without one). */
  private async *release(held: Held[], bound: string | undefined): AsyncGenerator<ObjectSummary> {
    for (;;) {
      const top = held.at(-1);
      if (top === undefined || (bound !== undefined && compareKeys(top.folder, bound) >= 0)) return;
      held.pop();
      if (top.deferred) yield* this.listing(top.folder);
      else yield* top.keys;
    }
  }
}

/** The server's flat listing of a prefix, read page by page, with a peek and a skip. */
class TreeStream {
  private page: ObjectSummary[] = [];
  private at = 0;
  private token: string | undefined;
  private ended = false;
  private requests = 0;
  private readonly tokens = new ContinuationTokens();

  constructor(
    private readonly walk: TreeWalk,
    private readonly prefix: string,
    private startAfter: string | undefined,
  ) {}

  async peek(): Promise<ObjectSummary | undefined> {
    while (this.at >= this.page.length) {
      if (this.ended) return undefined;
      await this.fetch();
    }
    return this.page[this.at];
  }

  /** Consumes what `peek` returned. */
  take(): void {
    this.at++;
  }

  /** Moves past the keys under `stem/`, asking the server to skip what it has not sent yet. */
  skipSubtree(stem: string): void {
    const folder = `${stem}/`;
    while (this.at < this.page.length && this.page[this.at]!.key.startsWith(folder)) this.at++;
    if (this.at >= this.page.length && !this.ended) {
      this.page = [];
      this.at = 0;
      this.token = undefined;
      this.tokens.clear();
      this.startAfter = stem;
    }
  }

  private async fetch(): Promise<void> {
    const request: ListRequest = { prefix: this.prefix, maxKeys: this.walk.pageSizeFor(this.requests === 0) };
    if (this.token !== undefined) request.token = this.token;
    else if (this.startAfter !== undefined) request.startAfter = this.startAfter;
    this.requests++;
    const response = await this.walk.request(request);
    for (const { key } of response.keys) {
      if (!key.startsWith(this.prefix)) {
        throw new StorageError('Unexpected', `The server listed ${JSON.stringify(key)} outside the prefix`);
      }
    }
    this.token = this.tokens.next(response.next);
    this.page = response.keys;
    this.at = 0;
    this.ended = response.next === undefined;
    const last = response.keys.at(-1)?.key;
    if (this.ended && last !== undefined && response.keys.length >= request.maxKeys) {
      // SeaweedFS 4.48 reports a full page as the last one when it ends on a key that is
      // also a folder and nothing but that folder follows: ask again from inside the folder.
      this.ended = false;
      this.tokens.clear();
      this.startAfter = last.endsWith('/') ? last : `${last}/`;
    }
  }
}

async function* empty(): AsyncGenerator<ObjectSummary> {}
