import { createHash } from 'node:crypto';
import type { FileHandle } from 'node:fs/promises';
import { type Clock, type ObjectInfo, StorageError, type Visibility } from '@stowage/core';
import { contentTypeFromKey, DEFAULT_CONTENT_TYPE } from '@stowage/kit';
import { hashFile } from './hash-file.js';
import { sidecarPathOf } from './paths.js';
import { openBody } from './safe-paths.js';
import { etagFromSha256 } from './sha256-etag.js';
import {
  type BodyIdentity,
  findEntry,
  identityKey,
  identityOf,
  readSidecar,
  type SidecarEntry,
  sameIdentity,
} from './sidecar.js';

/** Sidecar entries remembered per body path, so repeated reads and listings skip the sidecar. */
const CACHE_LIMIT = 20_000;

/**
 * Objects whose sidecar would hold nothing but what the file itself gives (see
 * `derivable`) and that are at most this big get no sidecar at all: reading one back in a
 * fresh process hashes it, which costs about what reading a sidecar would. Bigger ones get
 * a sidecar as a cache of their hash, written without fsync (losing it loses nothing).
 */
export const SIDECAR_FREE_MAX = 64 * 1024;

/** What `lstat`/`fstat` with `bigint: true` tell about a body. */
export type BodyStats = { ino: bigint; size: bigint; mtimeNs: bigint };

/**
 * What describes each body: its sidecar entry, or when none matches, defaults with hashes
 * computed from the bytes. Entries are cached per path and trusted only while the body on
 * disk keeps the identity (inode, size, nanosecond mtime) they name.
 */
export class ObjectEntries {
  private readonly cache = new Map<string, { id: string; entry: SidecarEntry }>();

  constructor(
    private readonly clock: Clock,
    /** With the system clock, lastModified is the body's mtime, so it survives without a sidecar. */
    private readonly mtimeIsLastModified: boolean,
  ) {}

  /**
   * The entry describing the body with stats `st`: from the cache, the sidecar, or defaults
   * with an etag and sha256 computed from the bytes (no sidecar, or a crash between renames
   * of another process). `fh`, when given, is the open body (else it is opened to hash it);
   * `bytes`, when given, are all of its bytes, read from `fh` (then hashed, not read again).
   * @throws NotFound when the body is gone, Unavailable when it changes while being hashed.
   */
  async entryFor(
    key: string,
    path: string,
    st: BodyStats,
    fh?: FileHandle,
    bytes?: Buffer,
  ): Promise<SidecarEntry> {
    const id = identityOf(st);
    const cached = this.cache.get(path);
    if (cached !== undefined && cached.id === identityKey(id)) return cached.entry;
    const entry =
      findEntry(await readSidecar(sidecarPathOf(path)), id) ??
      (await this.freshEntry(key, path, id, fh, bytes));
    this.set(path, entry);
    return entry;
  }

  /** The cached entry of the body at `path` if it still has identity `id`; no I/O. */
  peek(path: string, id: BodyIdentity): SidecarEntry | undefined {
    const cached = this.cache.get(path);
    return cached !== undefined && cached.id === identityKey(id) ? cached.entry : undefined;
  }

  set(path: string, entry: SidecarEntry): void {
    this.cache.delete(path);
    this.cache.set(path, { id: identityKey(entry.id), entry });
    if (this.cache.size > CACHE_LIMIT) {
      const oldest = this.cache.keys().next().value;
      if (oldest !== undefined) this.cache.delete(oldest);
    }
  }

  forget(path: string): void {
    this.cache.delete(path);
  }

  /** Whether the cache says the body with stats `st` was small and derivable (so it had no sidecar). */
  hadNoSidecar(key: string, path: string, st: BodyStats): boolean {
    const cached = this.cache.get(path);
    return (
      cached !== undefined &&
      cached.id === identityKey(identityOf(st)) &&
      cached.entry.id.size <= SIDECAR_FREE_MAX &&
      this.derivable(key, cached.entry)
    );
  }

  /** lastModified of a body just written: its mtime with the system clock, else the clock's now. */
  lastModifiedOf(id: BodyIdentity): number {
    return this.mtimeIsLastModified ? mtimeMs(id) : this.clock.now().getTime();
  }

  /**
   * Whether the entry says nothing beyond what reading the body without a sidecar gives
   * (`freshEntry`): hash-derived etag, type from the extension, private, no headers or
   * metadata, lastModified = mtime. Such an entry need not be made durable.
   */
  derivable(key: string, entry: SidecarEntry): boolean {
    return (
      entry.etag === etagFromSha256(entry.sha256) &&
      entry.contentType === defaultContentType(key) &&
      entry.cacheControl === undefined &&
      entry.contentDisposition === undefined &&
      entry.visibility === 'private' &&
      Object.keys(entry.metadata).length === 0 &&
      entry.lastModified === mtimeMs(entry.id)
    );
  }

  private async freshEntry(
    key: string,
    path: string,
    id: BodyIdentity,
    given: FileHandle | undefined,
    bytes?: Buffer,
  ): Promise<SidecarEntry> {
    if (given !== undefined && bytes !== undefined && bytes.length === id.size) {
      // Read from the descriptor whose stat gave `id`: bodies are replaced by rename, never
      // rewritten in place, so these are that body's bytes.
      return this.defaultEntry(key, id, createHash('sha256').update(bytes).digest('hex'));
    }
    const fh = given ?? (await openBody(path, key));
    if (fh === undefined) throw new StorageError('NotFound', `No object at ${JSON.stringify(key)}`);
    try {
      const st = await fh.stat({ bigint: true });
      if (!sameIdentity(identityOf(st), id)) {
        throw new StorageError('Unavailable', `${JSON.stringify(key)} changed while it was being read`);
      }
      return this.defaultEntry(key, id, await hashFile(fh, id.size));
    } finally {
      if (given === undefined) await fh.close().catch(() => {});
    }
  }

  private defaultEntry(key: string, id: BodyIdentity, sha256: string): SidecarEntry {
    return {
      id,
      etag: etagFromSha256(sha256),
      sha256,
      contentType: defaultContentType(key),
      metadata: {},
      visibility: 'private',
      lastModified: mtimeMs(id),
    };
  }
}

/** The type a body without a sidecar is reported with: from the extension alone. */
export function defaultContentType(key: string): string {
  return contentTypeFromKey(key) ?? DEFAULT_CONTENT_TYPE;
}

/** The body's mtime in whole milliseconds. */
export function mtimeMs(id: BodyIdentity): number {
  return Number(BigInt(id.mtimeNs) / 1_000_000n);
}

export function toInfo(key: string, entry: SidecarEntry, size: number): ObjectInfo {
  const info: ObjectInfo = {
    key,
    size,
    etag: entry.etag,
    lastModified: new Date(entry.lastModified),
    contentType: entry.contentType,
    metadata: { ...entry.metadata },
    visibility: entry.visibility as Visibility,
    sha256: entry.sha256,
  };
  if (entry.cacheControl !== undefined) info.cacheControl = entry.cacheControl;
  if (entry.contentDisposition !== undefined) info.contentDisposition = entry.contentDisposition;
  return info;
}
