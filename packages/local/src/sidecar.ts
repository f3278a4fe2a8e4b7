import { constants } from 'node:fs';
import { type FileHandle, open, rename, unlink } from 'node:fs/promises';
import type { Visibility } from '@stowage/core';
import { tempName } from './reserved-names.js';
import { etagFromSha256, isSha256Hex } from './sha256-etag.js';

/**
 * Which body file a sidecar entry describes: the inode plus size and nanosecond mtime. A
 * write never modifies a file in place (it renames a new one over it), so a new body always
 * has a new identity, and a rename (move) keeps it.
 */
export interface BodyIdentity {
  ino: string;
  size: number;
  mtimeNs: string;
}

export interface SidecarEntry {
  id: BodyIdentity;
  /** `etagFromSha256(sha256)`. */
  etag: string;
  sha256: string;
  contentType: string;
  cacheControl?: string;
  contentDisposition?: string;
  metadata: Record<string, string>;
  visibility: Visibility;
  /** Milliseconds since the epoch, from the store's clock when written. */
  lastModified: number;
}

/**
 * Version 2: etags derive from sha256 (`etagFromSha256`). Version 1 stored md5 etags; its
 * entries are read with the etag recomputed from their sha256, so an object keeps one etag
 * whether its sidecar is current, old or lost.
 */
interface SidecarFile {
  v: 2;
  /** The body's file name, for humans reading the sidecar. */
  name: string;
  /** Newest first. Older entries keep describing the previous body until the rename lands. */
  entries: SidecarEntry[];
}

/** First read size for a sidecar (a few entries of JSON; bigger ones take more reads). */
const READ_SIZE = 16 * 1024;

/** Entries kept per sidecar: the new body, the one it replaces, and one spare for cross-process races. */
const MAX_ENTRIES = 3;

export function identityOf(st: { ino: bigint; size: bigint; mtimeNs: bigint }): BodyIdentity {
  return { ino: st.ino.toString(), size: Number(st.size), mtimeNs: st.mtimeNs.toString() };
}

export function sameIdentity(a: BodyIdentity, b: BodyIdentity): boolean {
  return a.ino === b.ino && a.size === b.size && a.mtimeNs === b.mtimeNs;
}

export function identityKey(id: BodyIdentity): string {
  return `${id.ino}:${id.size}:${id.mtimeNs}`;
}

/** The entries of a sidecar; empty when it is missing or unreadable (then it is ignored). */
export async function readSidecar(path: string): Promise<SidecarEntry[]> {
  let text: string;
  try {
    text = await readSmallFile(path);
  } catch {
    return [];
  }
  try {
    const parsed = JSON.parse(text) as { v?: unknown; entries?: unknown };
    if ((parsed.v !== 1 && parsed.v !== 2) || !Array.isArray(parsed.entries)) return [];
    const entries = parsed.entries.filter(isEntry);
    if (parsed.v === 2) return entries.filter((e) => e.etag === etagFromSha256(e.sha256));
    return entries.map((e) => ({ ...e, etag: etagFromSha256(e.sha256) }));
  } catch {
    return [];
  }
}

/**
 * A small file's text with three calls (open, read, close): unlike readFile, no fstat for
 * the size; a short read of a regular file means its end. Refuses symlinks.
 */
async function readSmallFile(path: string): Promise<string> {
  // O_NONBLOCK: a FIFO planted as a sidecar fails instead of blocking the open forever.
  const fh = await open(path, constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0) | (constants.O_NONBLOCK ?? 0));
  try {
    let buf = Buffer.allocUnsafe(READ_SIZE);
    let length = 0;
    for (;;) {
      const { bytesRead } = await fh.read(buf, length, buf.length - length, null);
      length += bytesRead;
      if (length < buf.length) return buf.toString('utf8', 0, length);
      const bigger = Buffer.allocUnsafe(buf.length * 2);
      buf.copy(bigger);
      buf = bigger;
    }
  } finally {
    await fh.close();
  }
}

function isEntry(e: unknown): e is SidecarEntry {
  if (typeof e !== 'object' || e === null) return false;
  const x = e as SidecarEntry;
  return (
    typeof x.id === 'object' &&
    x.id !== null &&
    typeof x.id.ino === 'string' &&
    typeof x.id.size === 'number' &&
    typeof x.id.mtimeNs === 'string' &&
    typeof x.etag === 'string' &&
    isSha256Hex(x.sha256) &&
    typeof x.contentType === 'string' &&
    typeof x.metadata === 'object' &&
    x.metadata !== null &&
    (x.visibility === 'public' || x.visibility === 'private') &&
    typeof x.lastModified === 'number'
  );
}

export function findEntry(entries: readonly SidecarEntry[], id: BodyIdentity): SidecarEntry | undefined {
  return entries.find((e) => sameIdentity(e.id, id));
}

/** The new entry first, then older ones (not duplicating the new identity), capped. */
export function mergeEntries(entry: SidecarEntry, previous: readonly SidecarEntry[]): SidecarEntry[] {
  return [entry, ...previous.filter((e) => !sameIdentity(e.id, entry.id))].slice(0, MAX_ENTRIES);
}

/**
 * Atomically replaces the sidecar at `path` (temp file in `dir`, optional fsync, rename).
 * The caller fsyncs the directory.
 */
export async function writeSidecar(
  dir: string,
  path: string,
  name: string,
  entries: SidecarEntry[],
  fsync: boolean,
): Promise<void> {
  const temp = `${dir}/${tempName()}`;
  const file: SidecarFile = { v: 2, name, entries };
  let fh: FileHandle | undefined;
  try {
    fh = await open(
      temp,
      constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | (constants.O_NOFOLLOW ?? 0),
    );
    await fh.writeFile(`${JSON.stringify(file, null, 1)}\n`, 'utf8');
    if (fsync) await fh.sync();
    await fh.close();
    fh = undefined;
    await rename(temp, path);
  } catch (error) {
    await fh?.close().catch(() => {});
    await unlink(temp).catch(() => {});
    throw error;
  }
}
