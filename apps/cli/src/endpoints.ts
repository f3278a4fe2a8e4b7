import { createHash, randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { lstat, mkdir, open, readdir, readFile, rename, rm, stat, unlink } from 'node:fs/promises';
import { dirname, join, sep } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import {
  isCommonPrefix,
  isStorageError,
  keyProblem,
  type PutOptions,
  StorageError,
  type Visibility,
} from '@stowage/core';
import type { OpenStore } from './context.js';

/** A file or object under an endpoint, named relative to it (`a/b.txt`). */
export interface Item {
  key: string;
  size: number;
  etag?: string;
}

/** What a read yields and a write takes: the bytes and what describes them. */
export interface Source {
  body: Readable | Buffer;
  size: number;
  sha256?: string;
  contentType?: string;
  cacheControl?: string;
  contentDisposition?: string;
  metadata?: Record<string, string>;
  visibility?: Visibility;
}

/**
 * One side of a transfer: a directory on this machine or a prefix of a store. Listings are in
 * UTF-8 byte order of keys on both, so two sides are compared in one merge-join pass.
 */
export interface Endpoint {
  readonly kind: 'dir' | 'store';
  readonly label: string;
  /** How a key under this endpoint is shown to people (`./dir/a.txt`, `photos/a.txt`, `s3://b/a.txt`). */
  display(key: string): string;
  list(signal: AbortSignal): AsyncIterable<Item>;
  /** The sha256 the side has recorded (a store's metadata), without reading the bytes. */
  recordedSha256(key: string, signal: AbortSignal): Promise<string | undefined>;
  /** Reads the bytes and hashes them. */
  computeSha256(key: string, signal: AbortSignal): Promise<string>;
  read(key: string, signal: AbortSignal): Promise<Source>;
  /** Writes atomically: the old version or the new one, never a part. */
  write(key: string, source: Source, signal: AbortSignal, onBytes?: (n: number) => void): Promise<void>;
  remove(key: string, signal: AbortSignal): Promise<void>;
}

/** Files at most this big are read into memory and sent in one request (retried when transient). */
const IN_MEMORY_MAX = 8 * 1024 * 1024;
/** Names Stowage writes for itself (local store sidecars and temp files, the CLI's partial downloads). */
const RESERVED = '.stowage-';

export class DirEndpoint implements Endpoint {
  readonly kind = 'dir';
  constructor(
    readonly root: string,
    readonly label: string = root,
    private readonly warn: (text: string) => void = () => {},
  ) {}

  pathOf(key: string): string {
    return join(this.root, ...key.split('/'));
  }

  display(key: string): string {
    return this.pathOf(key);
  }

  async *list(signal: AbortSignal): AsyncIterable<Item> {
    let rootStat: Awaited<ReturnType<typeof stat>>;
    try {
      rootStat = await stat(this.root);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw error;
    }
    if (!rootStat.isDirectory()) throw new StorageError('InvalidInput', `${this.root} is not a directory`);
    yield* this.walk(this.root, '', signal);
  }

  /**
   * Depth first, each directory's entries sorted by name bytes with "/" appended to
   * directories: that is exactly the byte order of the full keys ("a-b" < "a/b" < "a0").
   */
  private async *walk(dir: string, prefix: string, signal: AbortSignal): AsyncGenerator<Item> {
    const names = await readdir(dir, { withFileTypes: true });
    const entries = names
      .filter((d) => !d.name.startsWith(RESERVED))
      .map((d) => ({ d, sortKey: Buffer.from(d.isDirectory() ? `${d.name}/` : d.name) }))
      .sort((x, y) => Buffer.compare(x.sortKey, y.sortKey));
    for (const { d } of entries) {
      if (signal.aborted) return;
      const key = prefix + d.name;
      const path = join(dir, d.name);
      if (d.isDirectory()) {
        yield* this.walk(path, `${key}/`, signal);
        continue;
      }
      let s = d.isFile() ? undefined : await stat(path).catch(() => undefined);
      if (!d.isFile() && (s === undefined || !s.isFile())) {
        this.warn(`skipping ${path}: not a regular file`);
        continue;
      }
      const problem = keyProblem(key);
      if (problem !== undefined) {
        this.warn(`skipping ${path}: not a valid key (${problem})`);
        continue;
      }
      s ??= await stat(path);
      yield { key, size: s.size };
    }
  }

  async recordedSha256(): Promise<string | undefined> {
    return undefined;
  }

  async computeSha256(key: string, signal: AbortSignal): Promise<string> {
    return (await digestsOfFile(this.pathOf(key), signal)).sha256;
  }

  /** sha256 and md5 in one read: an S3 single-part etag is the md5, a local store's is the sha256's first half. */
  digests(key: string, signal: AbortSignal): Promise<{ sha256: string; md5: string }> {
    return digestsOfFile(this.pathOf(key), signal);
  }

  async read(key: string, signal: AbortSignal): Promise<Source> {
    const path = this.pathOf(key);
    const s = await stat(path);
    if (!s.isFile()) throw new StorageError('InvalidInput', `${path} is not a file`);
    if (s.size <= IN_MEMORY_MAX) {
      const body = await readFile(path, { signal });
      return { body, size: body.length };
    }
    // Hashed first, so the store records the sha256 and checks it as the bytes stream in.
    const sha256 = await sha256File(path, signal);
    return { body: createReadStream(path), size: s.size, sha256 };
  }

  async write(
    key: string,
    source: Source,
    signal: AbortSignal,
    onBytes?: (n: number) => void,
  ): Promise<void> {
    const target = this.pathOf(key);
    await mkdir(dirname(target), { recursive: true });
    const temp = join(dirname(target), `${RESERVED}partial-${randomUUID()}`);
    const hash = createHash('sha256');
    let bytes = 0;
    const counter = new Transform({
      transform(chunk: Buffer, _enc, done) {
        hash.update(chunk);
        bytes += chunk.length;
        onBytes?.(chunk.length);
        done(null, chunk);
      },
    });
    try {
      const body = Buffer.isBuffer(source.body) ? Readable.from([source.body]) : source.body;
      await pipeline(body, counter, createWriteStream(temp), { signal });
      if (bytes !== source.size) {
        throw new StorageError('Integrity', `Read ${bytes} bytes of ${key}, expected ${source.size}`, {
          key,
          operation: 'write',
        });
      }
      if (source.sha256 !== undefined && hash.digest('hex') !== source.sha256) {
        throw new StorageError('Integrity', `The bytes of ${key} do not match its sha256`, {
          key,
          operation: 'write',
        });
      }
      const existing = await lstat(target).catch(() => undefined);
      if (existing?.isDirectory()) {
        throw new StorageError('Conflict', `${target} is a directory; cannot write the object ${key} there`, {
          key,
        });
      }
      await rename(temp, target);
    } catch (error) {
      if (!Buffer.isBuffer(source.body)) source.body.destroy();
      await unlink(temp).catch(() => {});
      if (signal.aborted && !isStorageError(error, 'Aborted')) {
        throw new StorageError('Aborted', 'Interrupted', { key, operation: 'write', cause: error });
      }
      throw error;
    }
  }

  async remove(key: string): Promise<void> {
    await rm(this.pathOf(key), { force: true });
  }
}

/** What `put`/`cp` flags set on every object they write. */
export interface WriteOverrides {
  contentType?: string;
  cacheControl?: string;
  contentDisposition?: string;
  metadata?: Record<string, string>;
  visibility?: Visibility;
  /** Fail with AlreadyExists rather than replace an object. */
  noOverwrite?: boolean;
}

export class StoreEndpoint implements Endpoint {
  readonly kind = 'store';
  constructor(
    readonly store: OpenStore,
    /** "" or ending in "/"; "" for endpoints of single objects named by their full key. */
    readonly prefix: string,
    /** "" for the configured store, `s3://bucket/` for another bucket. */
    readonly base: string,
    private readonly overrides: WriteOverrides = {},
  ) {}

  get label(): string {
    return this.base + this.prefix || '(the whole store)';
  }

  keyOf(key: string): string {
    return this.prefix + key;
  }

  display(key: string): string {
    return this.base + this.prefix + key;
  }

  async *list(signal: AbortSignal): AsyncIterable<Item> {
    for await (const entry of this.store.storage.list({
      ...(this.prefix === '' ? {} : { prefix: this.prefix }),
      signal,
    })) {
      if (isCommonPrefix(entry)) continue;
      yield { key: entry.key.slice(this.prefix.length), size: entry.size, etag: entry.etag };
    }
  }

  async recordedSha256(key: string, signal: AbortSignal): Promise<string | undefined> {
    return (await this.store.storage.head(this.keyOf(key), { signal })).sha256;
  }

  async computeSha256(key: string, signal: AbortSignal): Promise<string> {
    const { body } = await this.store.storage.get(this.keyOf(key), { signal });
    const hash = createHash('sha256');
    try {
      for await (const chunk of body) hash.update(chunk as Buffer);
    } finally {
      body.destroy();
    }
    return hash.digest('hex');
  }

  async read(key: string, signal: AbortSignal): Promise<Source> {
    const { info, body } = await this.store.storage.get(this.keyOf(key), { signal });
    return {
      body,
      size: info.size,
      ...(info.sha256 === undefined ? {} : { sha256: info.sha256 }),
      contentType: info.contentType,
      ...(info.cacheControl === undefined ? {} : { cacheControl: info.cacheControl }),
      ...(info.contentDisposition === undefined ? {} : { contentDisposition: info.contentDisposition }),
      metadata: info.metadata,
      visibility: info.visibility,
    };
  }

  async write(
    key: string,
    source: Source,
    signal: AbortSignal,
    onBytes?: (n: number) => void,
  ): Promise<void> {
    const caps = this.store.storage.store.capabilities;
    const options: PutOptions = { contentLength: source.size, signal };
    if (source.sha256 !== undefined) options.sha256 = source.sha256;
    if (source.contentType !== undefined) options.contentType = source.contentType;
    if (caps.contentHeaders) {
      if (source.cacheControl !== undefined) options.cacheControl = source.cacheControl;
      if (source.contentDisposition !== undefined) options.contentDisposition = source.contentDisposition;
    }
    if (caps.userMetadata && source.metadata !== undefined && Object.keys(source.metadata).length > 0) {
      options.metadata = source.metadata;
    }
    if (caps.visibility && source.visibility !== undefined) options.visibility = source.visibility;
    const o = this.overrides;
    if (o.contentType !== undefined) options.contentType = o.contentType;
    if (o.cacheControl !== undefined) options.cacheControl = o.cacheControl;
    if (o.contentDisposition !== undefined) options.contentDisposition = o.contentDisposition;
    if (o.metadata !== undefined) options.metadata = { ...options.metadata, ...o.metadata };
    if (o.visibility !== undefined) options.visibility = o.visibility;
    if (o.noOverwrite === true) options.ifNoneMatch = '*';
    if (onBytes !== undefined) {
      let reported = 0;
      options.onProgress = (p) => {
        if (p.loaded > reported) {
          onBytes(p.loaded - reported);
          reported = p.loaded;
        }
      };
    }
    try {
      await this.store.storage.put(this.keyOf(key), source.body, options);
    } finally {
      if (!Buffer.isBuffer(source.body) && !source.body.destroyed) source.body.destroy();
    }
  }

  async remove(key: string, signal: AbortSignal): Promise<void> {
    await this.store.storage.delete(this.keyOf(key), { signal });
  }
}

export async function sha256File(path: string, signal?: AbortSignal): Promise<string> {
  return (await digestsOfFile(path, signal, false)).sha256;
}

async function digestsOfFile(
  path: string,
  signal?: AbortSignal,
  withMd5 = true,
): Promise<{ sha256: string; md5: string }> {
  const sha = createHash('sha256');
  const md5 = withMd5 ? createHash('md5') : undefined;
  const handle = await open(path, 'r');
  try {
    if ((await handle.stat()).size <= 4 * 1024 * 1024) {
      // Small files (most of a tree): one read, one buffer.
      const bytes = await handle.readFile({ signal });
      sha.update(bytes);
      md5?.update(bytes);
      return { sha256: sha.digest('hex'), md5: md5?.digest('hex') ?? '' };
    }
    const buffer = Buffer.allocUnsafe(1024 * 1024);
    for (;;) {
      if (signal?.aborted) throw new StorageError('Aborted', 'Interrupted', { operation: 'hash' });
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, null);
      if (bytesRead === 0) break;
      sha.update(buffer.subarray(0, bytesRead));
      md5?.update(buffer.subarray(0, bytesRead));
    }
  } finally {
    await handle.close();
  }
  return { sha256: sha.digest('hex'), md5: md5?.digest('hex') ?? '' };
}

/** True when a path is a directory (following links); false for files; undefined when missing. */
export async function pathKind(path: string): Promise<'dir' | 'file' | undefined> {
  try {
    const s = await stat(path);
    return s.isDirectory() ? 'dir' : 'file';
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

export const PATH_SEP = sep;
