import { constants } from 'node:fs';
import {
  copyFile,
  type FileHandle,
  link,
  lstat,
  mkdir,
  open,
  realpath,
  rename,
  rm,
  rmdir,
  stat,
  unlink,
} from 'node:fs/promises';
import { Readable } from 'node:stream';
import {
  assertValidKey,
  type Body,
  type Capabilities,
  type Clock,
  type CopyOptions,
  type DeleteManyResult,
  type GetOptions,
  type GetResult,
  isStorageError,
  knownLength,
  type ListEntry,
  type ListOptions,
  type ListPage,
  type ListPageOptions,
  type ObjectInfo,
  type ObjectStore,
  type ObjectSummary,
  type PresignedRequest,
  type PresignGetOptions,
  type PresignPutOptions,
  type PutOptions,
  prefixProblem,
  StorageError,
  SystemClock,
  throwIfAborted,
  type Visibility,
} from '@stowage/core';
import {
  assertCopyOptions,
  assertHeaderValues,
  assertPresignExpiry,
  assertPutOptions,
  assertRange,
  contentTypeFromKey,
  DEFAULT_CONTENT_TYPE,
  destroyOnAbort,
  encodeKeyCursor,
  encodeKeyPath,
  etagsMatch,
  listFromPages,
  normalizeMetadata,
  resolveListStart,
  resolveRange,
} from '@stowage/kit';
import { type Ctx, errnoCode, toStorageError } from './fs-errors.js';
import { hashFile } from './hash-file.js';
import { KeyedMutex } from './keyed-mutex.js';
import { type WalkEntry, walkKeys } from './list-walk.js';
import { type LocalObjectStoreOptions, type LocalSigningOptions, parseLocalOptions } from './options.js';
import { RESERVED_PREFIX, reservedSegment, sidecarName, tempName } from './reserved-names.js';
import { dirsExist, dirsReady, ensureDirs, fsyncDir, openBody, symlinkRefused } from './safe-paths.js';
import { etagFromSha256 } from './sha256-etag.js';
import {
  type BodyIdentity,
  findEntry,
  identityKey,
  identityOf,
  mergeEntries,
  readSidecar,
  type SidecarEntry,
  sameIdentity,
  writeSidecar,
} from './sidecar.js';
import { signUrl } from './signer.js';
import { type SweepResult, sweepDebris } from './sweep.js';
import { type WrittenTemp, writeTemp } from './write-temp.js';

// Header values end up in HTTP responses of the local server: printable ASCII only.
/** Sidecar entries remembered per body path, so repeated reads and listings skip the sidecar. */
const INFO_CACHE_LIMIT = 20_000;
/** Files looked up in parallel while listing. */
const LIST_BATCH = 64;
/**
 * Objects whose sidecar would hold nothing but what the file itself gives (see
 * `derivable`) and that are at most this big get no sidecar at all: reading one back in a
 * fresh process hashes it, which costs about what reading a sidecar would. Bigger ones get
 * a sidecar as a cache of their hash, written without fsync (losing it loses nothing).
 */
const SIDECAR_FREE_MAX = 64 * 1024;

type EntryFields = Omit<SidecarEntry, 'id' | 'lastModified'>;

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
 * durable sidecar (see `derivable`). Names starting with `.stowage-` are reserved: keys with
 * such a segment are `InvalidKey`.
 *
 * Writes are atomic and durable: the body streams into a temp file in the target directory
 * while it is hashed, is fsynced, the sidecar (new entry plus the entry of the body being
 * replaced; only when the entry is not derivable) is written and renamed first, then the body
 * is renamed over the old one and the directory is fsynced. A reader, or a process restarted
 * after a crash at any point, sees the old object or the new one, each with its own
 * metadata. `ifNoneMatch: '*'` creates with `link()`, which fails if the name exists, so
 * exactly one of racing creators wins even across processes; writers of one key are
 * serialised within the process.
 *
 * Safety: no path is opened through a symbolic link. Reads open with O_NOFOLLOW and check
 * the descriptor's real path; writes create directories one by one, refusing symlinks. A
 * symlink anywhere inside the root yields `PermissionDenied`; listings skip symlinks.
 *
 * Filesystem limits: a key cannot be both an object and a "folder" of other keys
 * (`Conflict`, declared as `capabilities.fileFolderConflict`); on case-insensitive
 * filesystems keys differing only in case collide.
 */
export class LocalObjectStore implements ObjectStore {
  readonly name = 'local';
  readonly capabilities: Capabilities;
  /** The clock presign expiry is read from (the local server checks URLs against it too). */
  readonly clock: Clock;
  /** Absolute path of the root directory, as configured. */
  readonly root: string;
  /** Where `createLocalServer` serves public objects, if configured (ends with "/"). */
  readonly publicBaseUrl: string | undefined;

  private readonly signing: LocalSigningOptions | undefined;
  private readonly fsync: boolean;
  /** With the system clock, lastModified is the body's mtime, so it survives without a sidecar. */
  private readonly mtimeIsLastModified: boolean;
  private rootReady: Promise<string> | undefined;
  private readonly locks = new KeyedMutex();
  private readonly infoCache = new Map<string, { id: string; entry: SidecarEntry }>();

  /** @throws ConfigInvalid naming the bad setting. */
  constructor(options: LocalObjectStoreOptions) {
    const o = parseLocalOptions(options);
    this.root = o.root;
    this.clock = o.clock ?? new SystemClock();
    this.publicBaseUrl = o.publicBaseUrl;
    this.signing = o.signing;
    this.fsync = o.fsync;
    this.mtimeIsLastModified = o.clock === undefined;
    const presign = this.signing !== undefined;
    this.capabilities = Object.freeze({
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
      multipart: false,
      lifecycle: false,
      versioning: false,
      sha256: true,
      listDelimiter: true,
      fileFolderConflict: true,
    });
  }

  async put(key: string, body: Body, options: PutOptions = {}): Promise<ObjectInfo> {
    const ctx: Ctx = { operation: 'put', key, backend: this.name };
    return this.run(ctx, async () => {
      this.checkKey(key, ctx);
      assertPutOptions(options, ctx);
      const metadata = normalizeMetadata(options.metadata, ctx);
      assertHeaderValues(options, ctx);
      throwIfAborted(options.signal, ctx);
      const known = knownLength(body);
      if (known !== undefined && options.contentLength !== undefined && known !== options.contentLength) {
        throw new StorageError(
          'Integrity',
          `Body is ${known} bytes but contentLength says ${options.contentLength}`,
          ctx,
        );
      }
      const root = await this.ready();
      const path = bodyPath(root, key);
      let committed = false;
      let temp: WrittenTemp | undefined;
      try {
        temp = await this.writeNewTemp(
          root,
          key,
          (tmp) => writeTemp(tmp, body, options, this.fsync, ctx),
          ctx,
        );
        const fields: EntryFields = {
          etag: etagFromSha256(temp.sha256),
          sha256: temp.sha256,
          ...headerFields(options, options.contentType ?? contentTypeFromKey(key) ?? DEFAULT_CONTENT_TYPE),
          metadata,
          visibility: options.visibility ?? 'private',
        };
        const written = temp;
        const info = await this.locks.run(key, () =>
          this.commit(root, key, path, written, fields, options, ctx),
        );
        committed = true;
        return info;
      } finally {
        if (!committed) {
          if (temp !== undefined) {
            await temp.settled.catch(() => {});
            await unlink(temp.path).catch(() => {});
          }
          // A failed write leaves no directories it created behind.
          await pruneEmptyDirs(root, dirOf(path));
        }
      }
    });
  }

  async get(key: string, options: GetOptions = {}): Promise<GetResult> {
    const ctx: Ctx = { operation: 'get', key, backend: this.name };
    return this.run(ctx, async () => {
      this.checkKey(key, ctx);
      if (options.range !== undefined) assertRange(options.range, ctx);
      throwIfAborted(options.signal, ctx);
      const root = await this.ready();
      const path = bodyPath(root, key);
      const { fh, entry, size } = await this.openObject(key, path, ctx);
      try {
        if (options.ifMatch !== undefined && !etagsMatch(entry.etag, options.ifMatch)) {
          throw new StorageError(
            'PreconditionFailed',
            `ETag ${entry.etag} does not match ${options.ifMatch}`,
            ctx,
          );
        }
        const range = options.range === undefined ? undefined : resolveRange(options.range, size, ctx);
        const start = range?.start ?? 0;
        const end = range?.end ?? size - 1;
        let body: Readable;
        if (end < start) {
          await fh.close();
          body = Readable.from([]);
        } else {
          body = fh.createReadStream({ start, end, autoClose: true, highWaterMark: 256 * 1024 });
        }
        destroyOnAbort(body, options.signal, ctx);
        const info = toInfo(key, entry, size);
        return range === undefined ? { info, body } : { info, body, range };
      } catch (error) {
        await fh.close().catch(() => {});
        throw error;
      }
    });
  }

  async head(key: string, options: { signal?: AbortSignal } = {}): Promise<ObjectInfo> {
    const ctx: Ctx = { operation: 'head', key, backend: this.name };
    return this.run(ctx, async () => {
      this.checkKey(key, ctx);
      throwIfAborted(options.signal, ctx);
      const root = await this.ready();
      const { fh, entry, size } = await this.openObject(key, bodyPath(root, key), ctx);
      await fh.close();
      return toInfo(key, entry, size);
    });
  }

  async exists(key: string, options: { signal?: AbortSignal } = {}): Promise<boolean> {
    const ctx: Ctx = { operation: 'exists', key, backend: this.name };
    return this.run(ctx, async () => {
      this.checkKey(key, ctx);
      throwIfAborted(options.signal, ctx);
      const root = await this.ready();
      const fh = await openBody(bodyPath(root, key), ctx);
      if (fh === undefined) return false;
      try {
        return (await fh.stat()).isFile();
      } finally {
        await fh.close();
      }
    });
  }

  async delete(key: string, options: { signal?: AbortSignal } = {}): Promise<void> {
    const ctx: Ctx = { operation: 'delete', key, backend: this.name };
    return this.run(ctx, async () => {
      this.checkKey(key, ctx);
      throwIfAborted(options.signal, ctx);
      const root = await this.ready();
      await this.locks.run(key, () => this.remove(root, key, ctx));
    });
  }

  async deleteMany(
    keys: Iterable<string> | AsyncIterable<string>,
    options: { signal?: AbortSignal } = {},
  ): Promise<DeleteManyResult> {
    const ctx: Ctx = { operation: 'deleteMany', backend: this.name };
    return this.run(ctx, async () => {
      if (
        typeof keys !== 'object' ||
        keys === null ||
        (typeof (keys as Iterable<string>)[Symbol.iterator] !== 'function' &&
          typeof (keys as AsyncIterable<string>)[Symbol.asyncIterator] !== 'function')
      ) {
        throw new StorageError('InvalidInput', 'deleteMany takes an iterable or async iterable of keys', ctx);
      }
      throwIfAborted(options.signal, ctx);
      const root = await this.ready();
      let deleted = 0;
      const errors: DeleteManyResult['errors'] = [];
      const inFlight = new Set<Promise<void>>();
      for await (const key of keys) {
        throwIfAborted(options.signal, ctx);
        const keyCtx: Ctx = { ...ctx, key };
        const task = (async () => {
          try {
            this.checkKey(key, keyCtx);
            await this.locks.run(key, () => this.remove(root, key, keyCtx));
            deleted++;
          } catch (error) {
            errors.push({
              key: typeof key === 'string' ? key : String(key),
              error: toStorageError(error, keyCtx),
            });
          }
        })();
        inFlight.add(task);
        void task.finally(() => inFlight.delete(task));
        if (inFlight.size >= 16) await Promise.race(inFlight);
      }
      await Promise.all(inFlight);
      return { deleted, errors };
    });
  }

  async copy(from: string, to: string, options: CopyOptions = {}): Promise<ObjectInfo> {
    return this.copyAs('copy', from, to, options);
  }

  async move(from: string, to: string, options: CopyOptions = {}): Promise<ObjectInfo> {
    // Onto itself: a move is a copy that rewrites the metadata.
    if (from === to) return this.copyAs('move', from, to, options);
    const ctx: Ctx = { operation: 'move', key: from, backend: this.name };
    return this.run(ctx, async () => {
      const toCtx: Ctx = { ...ctx, key: to };
      const metadata = this.checkCopy(from, to, options, ctx, toCtx);
      const root = await this.ready();
      return this.locks.runAll([from, to], () =>
        this.moveLocked(root, from, to, options, metadata, ctx, toCtx),
      );
    });
  }

  private async copyAs(
    operation: 'copy' | 'move',
    from: string,
    to: string,
    options: CopyOptions,
  ): Promise<ObjectInfo> {
    const ctx: Ctx = { operation, key: from, backend: this.name };
    return this.run(ctx, async () => {
      const toCtx: Ctx = { ...ctx, key: to };
      const metadata = this.checkCopy(from, to, options, ctx, toCtx);
      const root = await this.ready();
      const srcPath = bodyPath(root, from);
      const dstPath = bodyPath(root, to);
      // Bodies are never changed in place, so if the source path still names the same inode
      // after the copy, the copy holds exactly the bytes the source entry describes.
      for (let attempt = 0; ; attempt++) {
        const { fh, entry: source } = await this.openObject(from, srcPath, ctx);
        await fh.close();
        checkSourceEtag(source, options, ctx);
        const temp = await this.writeNewTemp(root, to, (tmp) => copyInto(srcPath, tmp, this.fsync), toCtx);
        try {
          const now = await lstat(srcPath, { bigint: true }).catch(() => undefined);
          if (now === undefined || !sameIdentity(identityOf(now), source.id)) {
            if (now === undefined)
              throw new StorageError('NotFound', `No object at ${JSON.stringify(from)}`, ctx);
            if (attempt < 3) continue;
            throw new StorageError(
              'Unavailable',
              `${JSON.stringify(from)} kept changing during the copy`,
              ctx,
            );
          }
          const fields = copiedFields(source, options, metadata);
          return await this.locks.run(to, () =>
            this.commit(root, to, dstPath, temp, fields, { ifNoneMatch: options.ifNoneMatch }, toCtx),
          );
        } finally {
          await unlink(temp.path).catch(() => {});
        }
      }
    });
  }

  /**
   * Cleans up after crashed writers (any process): deletes temp files older than
   * `olderThanMs` (default one hour, so writes in flight are left alone), sidecars whose body
   * is gone, and empty directories. Objects are never touched. Safe to run at any time.
   */
  async sweep(options: { olderThanMs?: number } = {}): Promise<SweepResult> {
    const ctx: Ctx = { operation: 'sweep', backend: this.name };
    return this.run(ctx, async () => {
      const olderThanMs = options.olderThanMs ?? 3_600_000;
      if (!Number.isFinite(olderThanMs) || olderThanMs < 0) {
        throw new StorageError(
          'InvalidInput',
          `olderThanMs must be a non-negative number; got ${olderThanMs}`,
          ctx,
        );
      }
      return sweepDebris(await this.ready(), olderThanMs, Date.now());
    });
  }

  list(options: ListOptions = {}): AsyncIterable<ListEntry> {
    return listFromPages((pageOptions) => this.page(pageOptions, 'list'), options);
  }

  async listPage(options: ListPageOptions = {}): Promise<ListPage> {
    return this.page(options, 'listPage');
  }

  async presignGet(key: string, options: PresignGetOptions): Promise<string> {
    const ctx: Ctx = { operation: 'presignGet', key, backend: this.name };
    return this.run(ctx, async () => {
      this.checkKey(key, ctx);
      const signing = this.requireSigning(ctx);
      assertPresignExpiry(options?.expiresIn, ctx);
      assertHeaderValues(
        { contentDisposition: options.responseContentDisposition, contentType: options.responseContentType },
        ctx,
      );
      return signUrl(signing.baseUrl, encodeKeyPath(key), signing.secret, {
        method: 'GET',
        key,
        expiresAt: this.clock.now().getTime() + options.expiresIn * 1000,
        responseContentDisposition: options.responseContentDisposition,
        responseContentType: options.responseContentType,
      });
    });
  }

  async presignPut(key: string, options: PresignPutOptions): Promise<PresignedRequest> {
    const ctx: Ctx = { operation: 'presignPut', key, backend: this.name };
    return this.run(ctx, async () => {
      this.checkKey(key, ctx);
      const signing = this.requireSigning(ctx);
      assertPresignExpiry(options?.expiresIn, ctx);
      assertHeaderValues({ contentType: options.contentType }, ctx);
      const url = signUrl(signing.baseUrl, encodeKeyPath(key), signing.secret, {
        method: 'PUT',
        key,
        expiresAt: this.clock.now().getTime() + options.expiresIn * 1000,
        contentType: options.contentType,
      });
      const headers: Record<string, string> = {};
      if (options.contentType !== undefined) headers['content-type'] = options.contentType;
      return { url, method: 'PUT', headers };
    });
  }

  // ---------------------------------------------------------------------------------------

  /** Moves with both keys locked: a rename (or link + unlink for create-only), so the bytes never move. */
  private async moveLocked(
    root: string,
    from: string,
    to: string,
    options: CopyOptions,
    metadata: Record<string, string> | undefined,
    ctx: Ctx,
    toCtx: Ctx,
  ): Promise<ObjectInfo> {
    const srcPath = bodyPath(root, from);
    const dstPath = bodyPath(root, to);
    const { fh, entry: source } = await this.openObject(from, srcPath, ctx);
    await fh.close();
    checkSourceEtag(source, options, ctx);
    await ensureDirs(dirChain(root, to), toCtx, (dir) => keyOfPath(root, dir));
    const current = await this.currentBody(root, to, dstPath, toCtx);
    if (options.ifNoneMatch === '*' && current !== undefined) {
      throw new StorageError('AlreadyExists', `Destination ${JSON.stringify(to)} already exists`, toCtx);
    }
    // A rename keeps the inode, size and mtime: the body identity moves with the file.
    const entry: SidecarEntry = {
      ...copiedFields(source, options, metadata),
      id: source.id,
      lastModified: this.clock.now().getTime(),
    };
    const dstDir = dirOf(dstPath);
    const dstSidecar = sidecarPathOf(dstPath);
    await writeSidecar(
      dstDir,
      dstSidecar,
      baseOf(dstPath),
      mergeEntries(entry, await readSidecar(dstSidecar)),
      this.fsync,
    );
    if (options.ifNoneMatch === '*') {
      await link(srcPath, dstPath).catch((error: unknown) => {
        throw errnoCode(error) === 'EEXIST'
          ? new StorageError('AlreadyExists', `Destination ${JSON.stringify(to)} already exists`, toCtx)
          : error;
      });
      await unlink(srcPath);
    } else {
      await rename(srcPath, dstPath).catch((error: unknown) => {
        throw conflictOr(error, to, toCtx);
      });
    }
    this.cacheSet(dstPath, entry);
    this.infoCache.delete(srcPath);
    await unlink(sidecarPathOf(srcPath)).catch(() => {});
    if (this.fsync) await Promise.all([fsyncDir(dstDir), fsyncDir(dirOf(srcPath))]);
    await pruneEmptyDirs(root, dirOf(srcPath));
    return toInfo(to, entry, entry.id.size);
  }

  /** Creates the root on first use and resolves its real path (everything is checked against it). */
  private ready(): Promise<string> {
    this.rootReady ??= (async () => {
      try {
        await mkdir(this.root, { recursive: true });
        const real = await realpath(this.root);
        if (!(await stat(real)).isDirectory()) throw new Error('not a directory');
        return real;
      } catch (cause) {
        this.rootReady = undefined;
        throw new StorageError(
          'ConfigInvalid',
          `Invalid local setting "root": ${JSON.stringify(this.root)} is not a usable directory (${(cause as Error).message})`,
          { backend: this.name, operation: 'configure', cause },
        );
      }
    })();
    return this.rootReady;
  }

  private checkKey(key: string, ctx: Ctx): void {
    assertValidKey(key, ctx);
    const reserved = reservedSegment(key);
    if (reserved !== undefined) {
      throw new StorageError(
        'InvalidKey',
        `Invalid key ${JSON.stringify(key)}: segment ${JSON.stringify(reserved)} starts with "${RESERVED_PREFIX}", which the local store reserves for its temp and metadata files`,
        ctx,
      );
    }
  }

  private checkCopy(
    from: string,
    to: string,
    options: CopyOptions,
    ctx: Ctx,
    toCtx: Ctx,
  ): Record<string, string> | undefined {
    this.checkKey(from, ctx);
    this.checkKey(to, toCtx);
    assertCopyOptions(options, ctx);
    const metadata = options.metadata === undefined ? undefined : normalizeMetadata(options.metadata, ctx);
    throwIfAborted(options.signal, ctx);
    return metadata;
  }

  private requireSigning(ctx: Ctx): LocalSigningOptions {
    if (this.signing === undefined) {
      throw new StorageError(
        'Unsupported',
        'Presigning needs the "signing" option ({ secret, baseUrl } of a createLocalServer)',
        ctx,
      );
    }
    return this.signing;
  }

  /**
   * Creates a temp file next to the target (making directories as needed) and fills it.
   * A concurrent delete may prune a directory we just made; then we make it again.
   */
  private async writeNewTemp(
    root: string,
    key: string,
    fill: (tempPath: string) => Promise<WrittenTemp>,
    ctx: Ctx,
  ): Promise<WrittenTemp> {
    const dir = dirOf(bodyPath(root, key));
    for (let attempt = 0; ; attempt++) {
      // After a failure, take the careful path: it reports a file standing in for a folder.
      const dirs = dirChain(root, key);
      if (attempt === 0) await dirsReady(dirs, ctx, (d) => keyOfPath(root, d));
      else await ensureDirs(dirs, ctx, (d) => keyOfPath(root, d));
      try {
        return await fill(`${dir}/${tempName()}`);
      } catch (error) {
        const code = errnoCode(error);
        if ((code === 'ENOENT' || code === 'ENOTDIR') && attempt < 5) continue;
        throw error;
      }
    }
  }

  /**
   * Makes `temp` the object at `key`, honouring preconditions. Sidecar first (new entry plus
   * the current body's), then the body: at every instant the body on disk has its entry.
   * Called with the key's lock held.
   */
  private async commit(
    root: string,
    key: string,
    path: string,
    temp: WrittenTemp,
    fields: EntryFields,
    conditions: { ifMatch?: string | undefined; ifNoneMatch?: '*' | undefined },
    ctx: Ctx,
  ): Promise<ObjectInfo> {
    const current = await this.currentBody(root, key, path, ctx);
    if (conditions.ifNoneMatch === '*' && current !== undefined) {
      throw new StorageError('AlreadyExists', `${JSON.stringify(key)} already exists`, ctx);
    }
    if (conditions.ifMatch !== undefined) {
      if (current === undefined) {
        throw new StorageError('PreconditionFailed', `${JSON.stringify(key)} does not exist (ifMatch)`, ctx);
      }
      const { etag } = await this.entryFor(key, path, current, undefined, ctx);
      if (!etagsMatch(etag, conditions.ifMatch)) {
        throw new StorageError(
          'PreconditionFailed',
          `ETag ${etag} does not match ${conditions.ifMatch}`,
          ctx,
        );
      }
    }
    const entry: SidecarEntry = { ...fields, id: temp.id, lastModified: this.lastModifiedOf(temp.id) };
    const dir = dirOf(path);
    const derived = this.derivable(key, entry);
    if (derived) {
      // Nothing needs to be durable besides the body: should the sidecar be missing or
      // stale after a crash, the object is read back with exactly this entry.
      await temp.settled;
    } else {
      // With no body there, older entries describe nothing, unless a create-only race in
      // another process is linking its body in right now: keep its entry then.
      const sidecar = sidecarPathOf(path);
      const previous =
        current === undefined && conditions.ifNoneMatch !== '*' ? [] : await readSidecar(sidecar);
      // Both fsyncs at once (the body's started when its last byte was written).
      await Promise.all([
        temp.settled,
        writeSidecar(dir, sidecar, baseOf(path), mergeEntries(entry, previous), this.fsync),
      ]);
    }
    if (conditions.ifNoneMatch === '*') {
      // link() refuses an existing name: an atomic create-only, also against other processes.
      await link(temp.path, path).catch((error: unknown) => {
        if (errnoCode(error) === 'EEXIST')
          throw new StorageError('AlreadyExists', `${JSON.stringify(key)} already exists`, ctx);
        throw error;
      });
      await unlink(temp.path);
    } else {
      await rename(temp.path, path).catch((error: unknown) => {
        throw conflictOr(error, key, ctx);
      });
    }
    // Stale sidecar entries are removed so that none can ever be taken for the new body. Not
    // needed when nothing was there, or when this process saw the replaced body as plain and
    // small too: our own puts of such bodies removed the sidecar, and an entry computed fresh
    // means none in the sidecar matched. (Entries left by another process's failed write name
    // a temp inode with an earlier mtime; matching the new body would need the same inode,
    // size and nanosecond mtime.)
    const nothingStale =
      derived &&
      entry.id.size <= SIDECAR_FREE_MAX &&
      (current === undefined || this.hadNoSidecar(key, path, current));
    this.cacheSet(path, entry);
    await Promise.all([
      this.fsync ? fsyncDir(dir) : undefined,
      derived && !nothingStale
        ? refreshDerivedSidecar(dir, sidecarPathOf(path), baseOf(path), entry)
        : undefined,
    ]);
    return toInfo(key, entry, temp.size);
  }

  /**
   * What is at `path` now: the stats of the regular file there, or undefined when there is
   * nothing (a directory holding no keys, only debris of crashed writes, is removed).
   * @throws Conflict when `key` is a folder of other keys, PermissionDenied for a symlink.
   */
  private async currentBody(
    root: string,
    key: string,
    path: string,
    ctx: Ctx,
  ): Promise<{ ino: bigint; size: bigint; mtimeNs: bigint } | undefined> {
    let st: Awaited<ReturnType<typeof lstat>> & { ino: bigint; size: bigint; mtimeNs: bigint };
    try {
      st = await lstat(path, { bigint: true });
    } catch (error) {
      if (errnoCode(error) === 'ENOENT') return undefined;
      throw error;
    }
    if (st.isSymbolicLink()) throw symlinkRefused(ctx, path);
    if (st.isDirectory()) {
      if (await removeIfNoKeys(root, key, path)) return undefined;
      throw folderConflict(key, ctx);
    }
    if (!st.isFile()) throw new StorageError('Conflict', `${JSON.stringify(key)} is not a regular file`, ctx);
    return st;
  }

  /** Whether the cache says the body with stats `st` was small and derivable (so it had no sidecar). */
  private hadNoSidecar(
    key: string,
    path: string,
    st: { ino: bigint; size: bigint; mtimeNs: bigint },
  ): boolean {
    const cached = this.infoCache.get(path);
    return (
      cached !== undefined &&
      cached.id === identityKey(identityOf(st)) &&
      cached.entry.id.size <= SIDECAR_FREE_MAX &&
      this.derivable(key, cached.entry)
    );
  }

  private lastModifiedOf(id: BodyIdentity): number {
    return this.mtimeIsLastModified ? mtimeMs(id) : this.clock.now().getTime();
  }

  /**
   * Whether the entry says nothing beyond what reading the body without a sidecar gives
   * (`freshEntry`): hash-derived etag, type from the extension, private, no headers or
   * metadata, lastModified = mtime. Such an entry need not be made durable.
   */
  private derivable(key: string, entry: SidecarEntry): boolean {
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

  /**
   * Opens the object for reading and resolves its entry.
   * @throws NotFound, PermissionDenied (symlink).
   */
  private async openObject(
    key: string,
    path: string,
    ctx: Ctx,
  ): Promise<{ fh: FileHandle; entry: SidecarEntry; size: number }> {
    const fh = await openBody(path, ctx);
    if (fh === undefined) throw new StorageError('NotFound', `No object at ${JSON.stringify(key)}`, ctx);
    try {
      const st = await fh.stat({ bigint: true });
      if (!st.isFile()) {
        const what = st.isDirectory() ? 'a folder' : 'not a regular file';
        throw new StorageError('NotFound', `No object at ${JSON.stringify(key)} (it is ${what})`, ctx);
      }
      const entry = await this.entryFor(key, path, st, fh, ctx);
      return { fh, entry, size: Number(st.size) };
    } catch (error) {
      await fh.close().catch(() => {});
      throw error;
    }
  }

  /**
   * The sidecar entry describing the body with stats `st`: from the cache, the sidecar, or,
   * when no entry matches (no sidecar, or a crash between renames of another process),
   * defaults with an etag and sha256 computed from the bytes.
   */
  private async entryFor(
    key: string,
    path: string,
    st: { ino: bigint; size: bigint; mtimeNs: bigint },
    fh: FileHandle | undefined,
    ctx: Ctx,
  ): Promise<SidecarEntry> {
    const id = identityOf(st);
    const idKey = identityKey(id);
    const cached = this.infoCache.get(path);
    if (cached !== undefined && cached.id === idKey) return cached.entry;
    const entry =
      findEntry(await readSidecar(sidecarPathOf(path)), id) ??
      (await this.freshEntry(key, path, id, fh, ctx));
    this.cacheSet(path, entry);
    return entry;
  }

  private async freshEntry(
    key: string,
    path: string,
    id: BodyIdentity,
    given: FileHandle | undefined,
    ctx: Ctx,
  ): Promise<SidecarEntry> {
    const fh = given ?? (await openBody(path, ctx));
    if (fh === undefined) throw new StorageError('NotFound', `No object at ${JSON.stringify(key)}`, ctx);
    try {
      const st = await fh.stat({ bigint: true });
      if (!sameIdentity(identityOf(st), id)) {
        throw new StorageError('Unavailable', `${JSON.stringify(key)} changed while it was being read`, ctx);
      }
      const sha256 = await hashFile(fh, id.size);
      return {
        id,
        etag: etagFromSha256(sha256),
        sha256,
        contentType: defaultContentType(key),
        metadata: {},
        visibility: 'private',
        lastModified: mtimeMs(id),
      };
    } finally {
      if (given === undefined) await fh.close().catch(() => {});
    }
  }

  private cacheSet(path: string, entry: SidecarEntry): void {
    this.infoCache.delete(path);
    this.infoCache.set(path, { id: identityKey(entry.id), entry });
    if (this.infoCache.size > INFO_CACHE_LIMIT) {
      const oldest = this.infoCache.keys().next().value;
      if (oldest !== undefined) this.infoCache.delete(oldest);
    }
  }

  /** Deletes the object (missing is fine) and prunes directories it leaves empty. Lock held. */
  private async remove(root: string, key: string, ctx: Ctx): Promise<void> {
    if (!(await dirsExist(dirChain(root, key), ctx))) return;
    const path = bodyPath(root, key);
    let st: Awaited<ReturnType<typeof lstat>>;
    try {
      st = await lstat(path);
    } catch (error) {
      if (errnoCode(error) === 'ENOENT' || errnoCode(error) === 'ENOTDIR') return;
      throw error;
    }
    if (st.isSymbolicLink()) throw symlinkRefused(ctx, path);
    if (!st.isFile()) return; // a folder (or something else): no object under this key
    await unlink(path).catch((error: unknown) => {
      if (errnoCode(error) !== 'ENOENT') throw error;
    });
    this.infoCache.delete(path);
    await unlink(sidecarPathOf(path)).catch(() => {});
    if (this.fsync) await fsyncDir(dirOf(path));
    await pruneEmptyDirs(root, dirOf(path));
  }

  private async page(options: ListPageOptions, operation: string): Promise<ListPage> {
    const ctx: Ctx = { operation, backend: this.name };
    return this.run(ctx, async () => {
      if (options.startAfter !== undefined) {
        const problem =
          typeof options.startAfter === 'string'
            ? prefixProblem(options.startAfter)
            : 'startAfter must be a string';
        if (problem !== undefined) {
          throw new StorageError(
            'InvalidKey',
            `Invalid startAfter ${JSON.stringify(options.startAfter)}: ${problem}`,
            ctx,
          );
        }
      }
      const { prefix, after, limit } = resolveListStart(options, ctx);
      const delimiter = options.delimiter;
      throwIfAborted(options.signal, ctx);
      const root = await this.ready();
      const items: ObjectSummary[] = [];
      const prefixes: string[] = [];
      const cut = prefix.lastIndexOf('/');
      // A symlink on the way to the prefix: nothing there is an object of this store.
      const reachable =
        cut <= 0 ||
        (await dirsExist(dirChain(root, `${prefix.slice(0, cut)}/x`), ctx).catch((error: unknown) => {
          if (isStorageError(error, 'PermissionDenied')) return false;
          throw error;
        }));
      if (!reachable) return { items, prefixes };
      const walk = walkKeys(root, prefix, after, delimiter);
      let count = 0;
      let last: string | undefined;
      try {
        for (;;) {
          const batch: WalkEntry[] = [];
          const want = Math.min(LIST_BATCH, limit - count + 1);
          while (batch.length < want) {
            const next = await walk.next();
            if (next.done) break;
            batch.push(next.value);
          }
          if (batch.length === 0) break;
          throwIfAborted(options.signal, ctx);
          const resolved = await Promise.all(
            batch.map((e) => (e.kind === 'file' ? this.summarize(e.key, e.path, ctx) : e)),
          );
          for (const entry of resolved) {
            if (entry === undefined) continue; // vanished between readdir and stat
            if (count === limit) return { items, prefixes, cursor: encodeKeyCursor(last!) };
            if ('kind' in entry) {
              prefixes.push(entry.prefix);
              last = entry.prefix;
            } else {
              items.push(entry);
              last = entry.key;
            }
            count++;
          }
          if (batch.length < want) break;
        }
      } finally {
        await walk.return(undefined);
      }
      return { items, prefixes };
    });
  }

  private async summarize(key: string, path: string, ctx: Ctx): Promise<ObjectSummary | undefined> {
    let st: Awaited<ReturnType<typeof lstat>> & { ino: bigint; size: bigint; mtimeNs: bigint };
    try {
      st = await lstat(path, { bigint: true });
    } catch (error) {
      if (errnoCode(error) === 'ENOENT' || errnoCode(error) === 'ENOTDIR') return undefined;
      throw error;
    }
    if (!st.isFile()) return undefined;
    let entry: SidecarEntry;
    try {
      entry = await this.entryFor(key, path, st, undefined, { ...ctx, key });
    } catch (error) {
      // Replaced or deleted while we looked: the next page (or a fresh listing) shows the new state.
      if (isStorageError(error, 'NotFound') || isStorageError(error, 'Unavailable')) return undefined;
      throw error;
    }
    return { key, size: Number(st.size), etag: entry.etag, lastModified: new Date(entry.lastModified) };
  }

  private async run<T>(ctx: Ctx, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (error) {
      throw toStorageError(error, ctx);
    }
  }
}

// ---------------------------------------------------------------------------------------------

function bodyPath(root: string, key: string): string {
  return `${root}/${key}`;
}

function defaultContentType(key: string): string {
  return contentTypeFromKey(key) ?? DEFAULT_CONTENT_TYPE;
}

/** The body's mtime in whole milliseconds. */
function mtimeMs(id: BodyIdentity): number {
  return Number(BigInt(id.mtimeNs) / 1_000_000n);
}

/**
 * After a derivable entry's body is in place: a small body keeps no sidecar (a stale one,
 * of an older body, is removed so it can never be mistaken for this one), a bigger one gets
 * its entry cached in a sidecar without fsync. Best effort: the object is already correct.
 */
async function refreshDerivedSidecar(
  dir: string,
  sidecar: string,
  name: string,
  entry: SidecarEntry,
): Promise<void> {
  if (entry.id.size <= SIDECAR_FREE_MAX) await unlink(sidecar).catch(() => {});
  else await writeSidecar(dir, sidecar, name, [entry], false).catch(() => {});
}

function dirOf(path: string): string {
  return path.slice(0, path.lastIndexOf('/'));
}

function baseOf(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

function sidecarPathOf(path: string): string {
  return `${dirOf(path)}/${sidecarName(baseOf(path))}`;
}

function keyOfPath(root: string, path: string): string {
  return path.slice(root.length + 1);
}

/** The directories holding `key`, outermost first (empty for a top-level key). */
function dirChain(root: string, key: string): string[] {
  const segments = key.split('/');
  const dirs: string[] = [];
  let path = root;
  for (let i = 0; i < segments.length - 1; i++) {
    path = `${path}/${segments[i]}`;
    dirs.push(path);
  }
  return dirs;
}

function folderConflict(key: string, ctx: Ctx): StorageError {
  return new StorageError(
    'Conflict',
    `${JSON.stringify(key)} is a folder holding other keys; on a filesystem a key cannot also be a folder`,
    ctx,
  );
}

function conflictOr(error: unknown, key: string, ctx: Ctx): unknown {
  const code = errnoCode(error);
  if (code === 'EISDIR' || code === 'ENOTEMPTY' || code === 'EEXIST') return folderConflict(key, ctx);
  return error;
}

/**
 * A directory standing where an object should go, but holding no keys (only leftovers of
 * crashed writes): removes it so the write can proceed. False when it holds keys.
 */
async function removeIfNoKeys(root: string, key: string, path: string): Promise<boolean> {
  for await (const _ of walkKeys(root, `${key}/`, undefined, undefined)) return false;
  await rm(path, { recursive: true, force: true });
  return true;
}

/** Removes now-empty directories from `dir` up to (not including) the root. */
async function pruneEmptyDirs(root: string, dir: string): Promise<void> {
  while (dir.length > root.length && dir.startsWith(`${root}/`)) {
    try {
      await rmdir(dir);
    } catch {
      return; // not empty (or already gone, or recreated): stop
    }
    dir = dirOf(dir);
  }
}

/** Copies `src` into the new file `dest` (reflink where the filesystem can), fsyncs it and reports it. */
async function copyInto(src: string, dest: string, fsync: boolean): Promise<WrittenTemp> {
  await copyFile(src, dest, constants.COPYFILE_EXCL | constants.COPYFILE_FICLONE);
  try {
    const fh = await open(dest, constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0));
    try {
      if (fsync) await fh.sync();
      const st = await fh.stat({ bigint: true });
      const id = identityOf(st);
      // The copy's entry takes the source's sha256 (the bytes are the same).
      return { path: dest, id, size: id.size, sha256: '', settled: Promise.resolve() };
    } finally {
      await fh.close();
    }
  } catch (error) {
    await unlink(dest).catch(() => {});
    throw error;
  }
}

function checkSourceEtag(source: SidecarEntry, options: CopyOptions, ctx: Ctx): void {
  if (options.ifMatch !== undefined && !etagsMatch(source.etag, options.ifMatch)) {
    throw new StorageError(
      'PreconditionFailed',
      `Source ETag ${source.etag} does not match ${options.ifMatch}`,
      ctx,
    );
  }
}

function copiedFields(
  source: SidecarEntry,
  options: CopyOptions,
  metadata: Record<string, string> | undefined,
): EntryFields {
  const fields: EntryFields = {
    etag: source.etag,
    contentType: options.contentType ?? source.contentType,
    metadata: metadata ?? { ...source.metadata },
    sha256: source.sha256,
    visibility: options.visibility ?? source.visibility,
  };
  const cacheControl = options.cacheControl ?? source.cacheControl;
  if (cacheControl !== undefined) fields.cacheControl = cacheControl;
  const contentDisposition = options.contentDisposition ?? source.contentDisposition;
  if (contentDisposition !== undefined) fields.contentDisposition = contentDisposition;
  return fields;
}

function headerFields(
  options: { cacheControl?: string | undefined; contentDisposition?: string | undefined },
  contentType: string,
): { contentType: string; cacheControl?: string; contentDisposition?: string } {
  const out: { contentType: string; cacheControl?: string; contentDisposition?: string } = { contentType };
  if (options.cacheControl !== undefined) out.cacheControl = options.cacheControl;
  if (options.contentDisposition !== undefined) out.contentDisposition = options.contentDisposition;
  return out;
}

function toInfo(key: string, entry: SidecarEntry, size: number): ObjectInfo {
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
