import { constants } from 'node:fs';
import { type FileHandle, open, rename, unlink } from 'node:fs/promises';
import { journalName, tempName } from './reserved-names.js';
import { type BodyIdentity, identityKey } from './sidecar.js';

/**
 * What a listing needs about one body besides its size: etag and lastModified, by identity.
 */
export interface JournalRecord {
  etag: string;
  lastModified: number;
}

/** A directory's journal as read: records by body identity, and how many lines it had. */
export interface JournalView {
  records: Map<string, JournalRecord>;
  lines: number;
}

const OPEN_APPEND =
  constants.O_WRONLY |
  constants.O_APPEND |
  constants.O_CREAT |
  (constants.O_NOFOLLOW ?? 0) |
  (constants.O_NONBLOCK ?? 0);
const OPEN_READ = constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0) | (constants.O_NONBLOCK ?? 0);
/** A record line: `<ino>:<size>:<mtimeNs> <lastModified> <32 hex digits of the etag>`. */
const LINE = /^(\d+:\d+:\d+) (\d+) ([0-9a-f]{32})$/;
interface HeldJournal {
  fh: FileHandle;
  opened: number;
}

/** Lines waiting for a directory's next append. */
const pendingLines = new Map<string, string[]>();
/** Each directory's appends and rewrites, one after another. */
const journalQueues = new Map<string, Promise<void>>();
/**
 * Open append descriptors by directory: a burst of puts into a folder costs one `write()`
 * per batch instead of open, write and close. Each is let go of after `HANDLE_MAX_AGE_MS`, so
 * a journal replaced or removed by another process (a compaction, a prune) is written to
 * the old file for at most that long: records lost that way cost a listing one hash each.
 */
const heldJournals = new Map<string, HeldJournal>();
let sweeper: NodeJS.Timeout | undefined;

/** How long an append descriptor is kept (see `EtagJournal.handles`). */
const HANDLE_MAX_AGE_MS = 1000;
/** Append descriptors kept at most (the least recently opened is let go of first). */
const HANDLES_KEPT = 64;
/** Lines beyond which a journal is rewritten with only the live records (see `compactIfLarge`). */
const SLACK = 64;

/** The line of one record (the etag's quotes left out). */
export function journalLine(id: BodyIdentity, record: JournalRecord): string {
  return `${identityKey(id)} ${record.lastModified} ${record.etag.slice(1, -1)}\n`;
}

/**
 * Per directory, a hidden append-only file (`.stowage-etags`) of the etag and lastModified
 * of the bodies written there, keyed by body identity (inode, size, nanosecond mtime), so a
 * listing in a fresh process reads one file per directory instead of opening, reading and
 * hashing every body (or opening every sidecar). It is a cache, never the truth: a record is
 * used only while a file in the directory has exactly its identity (bodies are never changed
 * in place, so the identity names the bytes the record describes), later lines win, and a
 * body with no record (written by hand, or a record lost to a crash or to a race between
 * processes) is described as before, from its sidecar or its bytes, and recorded then.
 *
 * Appends are batched per directory and serialised within the process with the rewrites
 * that drop dead records; one `write()` with O_APPEND per batch (through a descriptor held
 * for up to a second), never fsynced. A put waits
 * for its record beside its other last steps, so no write of the store's is left running
 * after the put returns (a caller may remove the directory at once). A torn or
 * interleaved line fails the line format and is skipped.
 */
export class EtagJournal {
  /**
   * Batches, queues and descriptors are the process's, not one store's: stores on the same
   * root (or nested roots) then serialise their appends and rewrites of a journal, and a
   * rewrite or prune through one lets go of the descriptor all of them append through.
   */
  private readonly pending = pendingLines;
  private readonly queues = journalQueues;
  private readonly handles = heldJournals;
  /**
   * Records `id` in `dir`'s journal; resolves once written or failed (best effort: a record
   * lost to a crash costs a listing one hash). Lines for a directory whose previous append is
   * still in flight join the next batch: one write for a burst of puts into one folder.
   */
  append(dir: string, id: BodyIdentity, record: JournalRecord): Promise<void> {
    const line = journalLine(id, record);
    const batch = this.pending.get(dir);
    if (batch !== undefined) {
      batch.push(line);
      return this.queues.get(dir)!;
    }
    const lines = [line];
    this.pending.set(dir, lines);
    return this.enqueue(dir, async () => {
      this.pending.delete(dir);
      await this.write(dir, lines.join(''));
    });
  }

  /**
   * Lets go of `dir`'s journal file, which is about to be removed (its folder is pruned):
   * appends after this open the journal anew.
   */
  forget(dir: string): void {
    if (this.handles.has(dir)) void this.enqueue(dir, () => this.drop(dir));
  }

  /** Closes `dir`'s held descriptor, if any. Runs in `dir`'s queue (no append is using it). */
  private async drop(dir: string): Promise<void> {
    const held = this.handles.get(dir);
    if (held === undefined) return;
    this.handles.delete(dir);
    await held.fh.close().catch(() => {});
  }

  /** Appends `text` to `dir`'s journal through a held descriptor, opening it when needed. */
  private async write(dir: string, text: string): Promise<void> {
    const held = this.handles.get(dir);
    if (held !== undefined && Date.now() - held.opened > HANDLE_MAX_AGE_MS) await this.drop(dir);
    try {
      let current = this.handles.get(dir);
      if (current === undefined) {
        current = { fh: await open(`${dir}/${journalName()}`, OPEN_APPEND, 0o644), opened: Date.now() };
        this.hold(dir, current);
      }
      await current.fh.write(text);
    } catch {
      // A cache: a directory removed meanwhile, a read-only tree, a symlink planted there.
      await this.drop(dir);
    }
  }

  private hold(dir: string, held: HeldJournal): void {
    this.handles.set(dir, held);
    if (this.handles.size > HANDLES_KEPT) {
      const oldest = this.handles.keys().next().value!;
      this.forget(oldest);
    }
    // Descriptors are let go of once idle, so an idle store holds none; unref'd: the timer
    // never keeps a process alive.
    sweeper ??= setInterval(() => {
      const now = Date.now();
      for (const [d, h] of this.handles) if (now - h.opened > HANDLE_MAX_AGE_MS) this.forget(d);
      if (this.handles.size === 0) {
        clearInterval(sweeper);
        sweeper = undefined;
      }
    }, HANDLE_MAX_AGE_MS).unref();
  }

  /** The records of `dir` (after this process's appends to it have landed). */
  async read(dir: string): Promise<JournalView> {
    await this.queues.get(dir);
    return readJournal(dir);
  }

  /**
   * Rewrites `dir`'s journal with only the records of `live` identities (and lines appended
   * since `view` was read) when dead lines outnumber live ones: overwrites and deletes leave
   * lines behind, and a listing that saw the whole directory knows which are live.
   */
  compactIfLarge(dir: string, view: JournalView, live: ReadonlySet<string>): Promise<void> {
    if (view.lines <= 2 * live.size + SLACK) return Promise.resolve();
    return this.enqueue(dir, async () => {
      const text = await readText(`${dir}/${journalName()}`).catch(() => '');
      const kept: string[] = [];
      let index = 0;
      for (const line of text.split('\n')) {
        if (line === '') continue;
        const m = LINE.exec(line);
        if (m !== null && (index >= view.lines || live.has(m[1]!))) kept.push(`${line}\n`);
        index++;
      }
      // The held descriptor would append to the journal this rename replaces.
      await this.drop(dir);
      const temp = `${dir}/${tempName()}`;
      try {
        await writeNew(temp, kept.join(''));
        await rename(temp, `${dir}/${journalName()}`);
      } catch {
        await unlink(temp).catch(() => {});
      }
    });
  }

  private enqueue(dir: string, job: () => Promise<void>): Promise<void> {
    const run = (this.queues.get(dir) ?? Promise.resolve()).then(job).catch(() => {});
    this.queues.set(dir, run);
    void run.then(() => {
      if (this.queues.get(dir) === run) this.queues.delete(dir);
    });
    return run;
  }
}

async function writeNew(path: string, text: string): Promise<void> {
  const fh = await open(
    path,
    constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | (constants.O_NOFOLLOW ?? 0),
    0o644,
  );
  try {
    await fh.writeFile(text);
  } finally {
    await fh.close();
  }
}

async function readText(path: string): Promise<string> {
  const fh = await open(path, OPEN_READ);
  try {
    return await fh.readFile('latin1');
  } finally {
    await fh.close();
  }
}

/** The records of `dir`'s journal; empty when there is none or it cannot be read. */
export async function readJournal(dir: string): Promise<JournalView> {
  const records = new Map<string, JournalRecord>();
  let text: string;
  try {
    text = await readText(`${dir}/${journalName()}`);
  } catch {
    return { records, lines: 0 };
  }
  let lines = 0;
  let start = 0;
  while (start < text.length) {
    let end = text.indexOf('\n', start);
    if (end < 0) end = text.length;
    const line = text.slice(start, end);
    start = end + 1;
    if (line === '') continue;
    lines++;
    const m = LINE.exec(line);
    if (m === null) continue;
    records.set(m[1]!, { lastModified: Number(m[2]), etag: `"${m[3]}"` });
  }
  return { records, lines };
}
