import { mkdir, realpath, stat } from 'node:fs/promises';
import {
  type Body,
  type Capabilities,
  type Clock,
  type DeleteManyResult,
  type GetOptions,
  type GetResult,
  type ListEntry,
  type ObjectInfo,
  type PresignedRequest,
  type PresignGetOptions,
  type PresignPutOptions,
  StorageError,
  SystemClock,
} from '@stowage/core';
import {
  type CheckedCopyOptions,
  CheckedObjectStore,
  type CheckedPutOptions,
  defineCapabilities,
  KeyedRwLock,
  type ListQuery,
  storageErrorFrom,
  UrlSigner,
} from '@stowage/kit';
import { copyObject, moveObject } from './copy-object.js';
import { EtagJournal } from './etag-journal.js';
import { fromFsError } from './fs-errors.js';
import { listObjects } from './list-objects.js';
import { type LocalStoreConfig, parseLocalStoreConfig } from './local-config.js';
import type { LocalContext } from './local-context.js';
import { ObjectEntries } from './object-entries.js';
import { headObject, objectExists, readObject } from './read-object.js';
import { removeObject, removeObjects } from './remove-object.js';
import { RESERVED_PREFIX, reservedSegment } from './reserved-names.js';
import { type SweepResult, sweepDebris } from './sweep.js';
import { writeObject } from './write-object.js';

/**
 * An ObjectStore on the local filesystem, for local mode and tests.
 *
 * Layout: the object `a/b/c.txt` is the file `<root>/a/b/c.txt`, byte for byte, so a person
 * can look at it. Its metadata (content type, headers, user metadata, visibility, etag,
 * sha256) lives in a hidden sidecar in the same directory, `.stowage-meta-<hash of name>.json`,
 * whose entries name the body they describe by inode, size and mtime; a sidecar entry that
 * does not match the body is ignored and the object is reported with defaults (content type
 * from the extension, private, lastModified = mtime) and a sha256 (etag: its first 128 bits)
 * computed from the bytes. An object with nothing beyond those defaults therefore needs no
 * durable sidecar (see `ObjectEntries.derivable`). Names starting with `.stowage-` are
 * reserved: keys with such a segment are `InvalidKey`.
 *
 * Writes are atomic and durable (write-object.ts): the body streams into a temp file in the
 * target directory while it is hashed, is fsynced, the sidecar (new entry plus the entry of
 * the body being replaced; only when the entry is not derivable) is written and renamed
 * first, then the body is renamed over the old one and the directory is fsynced. A reader,
 * or a process restarted after a crash at any point, sees the old object or the new one,
 * each with its own metadata. `ifNoneMatch: '*'` creates with `link()`, which fails if the
 * name exists, so exactly one of racing creators wins even across processes; writers of one
 * key are serialised within the process.
 *
 * Reads (read-object.ts) stream from a descriptor opened at `get`: **consume or destroy
 * every body**, or it holds a file descriptor until garbage collection (`getBytes` from
 * `@stowage/core` reads a whole object and never leaves a body open).
 *
 * Safety: no path is opened through a symbolic link. Reads open with O_NOFOLLOW and check
 * the descriptor's real path; writes create directories one by one, refusing symlinks. A
 * symlink anywhere inside the root yields `PermissionDenied`; listings skip symlinks. Error
 * messages name keys, never paths on disk.
 *
 * Filesystem limits: a key cannot be both an object and a "folder" of other keys
 * (`Conflict`, declared as `capabilities.fileFolderConflict`); on case-insensitive
 * filesystems keys differing only in case collide.
 *
 * Every public method is checked by `CheckedObjectStore` (keys, options, capabilities,
 * aborts, content-type inference, error context); the hooks below hold only filesystem work.
 */
export class LocalObjectStore extends CheckedObjectStore {
  readonly name = 'local';
  readonly capabilities: Readonly<Capabilities>;
  /** The clock presign expiry is read from (the local server checks URLs against it too). */
  readonly clock: Clock;
  /** Absolute path of the root directory, as configured. */
  readonly root: string;
  /** Where the local server serves public objects, if configured (ends with "/"). */
  readonly publicBaseUrl: string | undefined;
  /** Signs presigned URLs (and lets the local server verify them); undefined without `signing`. */
  readonly urlSigner: UrlSigner | undefined;

  readonly #fsync: boolean;
  readonly #entries: ObjectEntries;
  readonly #locks = new KeyedRwLock();
  readonly #journal = new EtagJournal();
  #context: Promise<LocalContext> | undefined;

  /** @throws ConfigInvalid naming each bad setting. */
  constructor(config: LocalStoreConfig) {
    super();
    const parsed = parseLocalStoreConfig(config);
    this.root = parsed.root;
    this.clock = parsed.clock ?? new SystemClock();
    this.publicBaseUrl = parsed.publicBaseUrl;
    this.#fsync = parsed.fsync;
    this.#entries = new ObjectEntries(this.clock, parsed.clock === undefined);
    this.urlSigner =
      parsed.signing === undefined
        ? undefined
        : new UrlSigner({ baseUrl: parsed.signing.baseUrl, secret: parsed.signing.secret });
    const presign = this.urlSigner !== undefined;
    this.capabilities = defineCapabilities({
      rangeRead: true,
      writeIfNoneMatch: true,
      writeIfMatch: true,
      readIfMatch: true,
      userMetadata: true,
      contentHeaders: true,
      visibility: true,
      presignGet: presign,
      presignPut: presign,
      serverSideCopy: true,
      sha256: true,
      listDelimiter: true,
      fileFolderConflict: true,
    });
  }

  /**
   * Cleans up after crashed writers (any process): deletes temp files older than
   * `olderThanMs` (default one hour, so writes in flight are left alone), sidecars whose body
   * is gone, and empty directories. Objects are never touched. Safe to run at any time.
   * @throws InvalidInput for a bad `olderThanMs`, ConfigInvalid for an unusable root.
   */
  async sweep(options: { olderThanMs?: number } = {}): Promise<SweepResult> {
    const ctx = this.ctx('sweep');
    try {
      const olderThanMs = options.olderThanMs ?? 3_600_000;
      if (!Number.isFinite(olderThanMs) || olderThanMs < 0) {
        throw new StorageError(
          'InvalidInput',
          `olderThanMs must be a non-negative number; got ${olderThanMs}`,
        );
      }
      const { root } = await this.context();
      return await sweepDebris(root, olderThanMs, Date.now(), this.#journal);
    } catch (error) {
      throw storageErrorFrom(fromFsError(error), ctx);
    }
  }

  // ------------------------------------------------------------------ hooks
  // Each also throws ConfigInvalid while the root is not a usable directory.

  /** @throws InvalidKey (reserved name), Integrity, Aborted, AlreadyExists, PreconditionFailed, Conflict, PermissionDenied. */
  protected putObject(key: string, body: Body, options: CheckedPutOptions): Promise<ObjectInfo> {
    return this.run(key, (cx) => writeObject(cx, key, body, options));
  }

  /** @throws InvalidKey (reserved name), NotFound, PreconditionFailed (ifMatch), PermissionDenied. */
  protected getObject(key: string, options: GetOptions): Promise<GetResult> {
    return this.run(key, (cx) => readObject(cx, key, options));
  }

  /** @throws InvalidKey (reserved name), NotFound, PermissionDenied. */
  protected headObject(key: string): Promise<ObjectInfo> {
    return this.run(key, (cx) => headObject(cx, key));
  }

  /** @throws InvalidKey (reserved name), PermissionDenied. */
  protected override existsObject(key: string): Promise<boolean> {
    return this.run(key, (cx) => objectExists(cx, key));
  }

  /** A missing key succeeds. @throws InvalidKey (reserved name), PermissionDenied. */
  protected deleteObject(key: string): Promise<void> {
    return this.run(key, (cx) => removeObject(cx, key));
  }

  /** Each key's failure (a reserved name, a symlink) is reported with it. @throws Aborted. */
  protected override deleteObjects(
    keys: readonly string[],
    options: { signal?: AbortSignal },
  ): Promise<DeleteManyResult> {
    return this.run([], (cx) => removeObjects(cx, keys, options.signal, assertNotReserved));
  }

  /** @throws as `copyObject` in copy-object.ts, and InvalidKey (reserved name). */
  protected copyObject(from: string, to: string, options: CheckedCopyOptions): Promise<ObjectInfo> {
    return this.run([from, to], (cx) => copyObject(cx, from, to, options));
  }

  /** A rename; onto itself, a copy that rewrites the metadata. @throws as `copyObject`. */
  protected override moveObject(from: string, to: string, options: CheckedCopyOptions): Promise<ObjectInfo> {
    return this.run([from, to], (cx) =>
      from === to ? copyObject(cx, from, to, options) : moveObject(cx, from, to, options),
    );
  }

  /**
   * Symlinks and reserved names are skipped, never followed.
   * @throws PermissionDenied or Unavailable when a directory cannot be read.
   */
  protected async *listEntries(query: ListQuery): AsyncGenerator<ListEntry> {
    try {
      yield* listObjects(await this.context(), query);
    } catch (error) {
      throw fromFsError(error);
    }
  }

  protected override async presignGetUrl(key: string, options: PresignGetOptions): Promise<string> {
    assertNotReserved(key);
    return this.signer().presignGet(key, options, this.clock.now());
  }

  /** With `maxSize`, the local server refuses a bigger upload (413) and stores nothing. */
  protected override async presignPutRequest(
    key: string,
    options: PresignPutOptions,
  ): Promise<PresignedRequest> {
    assertNotReserved(key);
    return this.signer().presignPut(key, options, this.clock.now());
  }

  // ------------------------------------------------------------------ internals

  /** Runs a hook once the root is ready, with filesystem failures as path-free StorageErrors. */
  private async run<T>(keys: string | string[], fn: (cx: LocalContext) => Promise<T>): Promise<T> {
    try {
      for (const key of typeof keys === 'string' ? [keys] : keys) assertNotReserved(key);
      return await fn(await this.context());
    } catch (error) {
      throw fromFsError(error);
    }
  }

  /** Creates the root on first use and resolves its real path (everything is checked against it). */
  private context(): Promise<LocalContext> {
    this.#context ??= (async () => {
      let root: string;
      try {
        await mkdir(this.root, { recursive: true });
        root = await realpath(this.root);
        if (!(await stat(root)).isDirectory())
          throw Object.assign(new Error('not a directory'), { code: 'ENOTDIR' });
      } catch (cause) {
        this.#context = undefined;
        const code = (cause as { code?: unknown }).code;
        // The root's path is left out: this message may reach an HTTP client of the local server.
        throw new StorageError(
          'ConfigInvalid',
          `Invalid local configuration: root: is not a usable directory${typeof code === 'string' ? ` (${code})` : ''}`,
          { operation: 'configure', backend: this.name, cause },
        );
      }
      return {
        root,
        fsync: this.#fsync,
        clock: this.clock,
        entries: this.#entries,
        journal: this.#journal,
        locks: this.#locks,
      };
    })();
    return this.#context;
  }

  private signer(): UrlSigner {
    if (this.urlSigner === undefined)
      throw new StorageError('Unsupported', 'Presigning needs the "signing" setting');
    return this.urlSigner;
  }
}

/** @throws InvalidKey for a key with a segment the store reserves for its own files. */
function assertNotReserved(key: string): void {
  const reserved = reservedSegment(key);
  if (reserved !== undefined) {
    throw new StorageError(
      'InvalidKey',
      `Invalid key ${JSON.stringify(key)}: segment ${JSON.stringify(reserved)} starts with "${RESERVED_PREFIX}", which the local store reserves for its temp and metadata files`,
      { key },
    );
  }
}
