import type { Capabilities } from '../model/capabilities.js';
import type {
  Body,
  CopyOptions,
  DeleteManyResult,
  GetOptions,
  GetResult,
  ListEntry,
  ListOptions,
  ListPage,
  ListPageOptions,
  ObjectInfo,
  PresignedRequest,
  PresignGetOptions,
  PresignPutOptions,
  PutOptions,
} from '../model/object-info.js';

/**
 * Bytes under keys: the central port. Every method validates its keys first and throws
 * `InvalidKey` before any I/O. Every failure is a `StorageError`; besides the kinds listed
 * per method, any method may throw `PermissionDenied`, `Timeout`, `RateLimited`,
 * `Unavailable` (retryable ones carry `retryable: true`) or `Unexpected`.
 */
export interface ObjectStore {
  /** Short backend name ("memory", "local", "s3", …), used in errors and metrics. */
  readonly name: string;
  readonly capabilities: Capabilities;

  /**
   * Stores `body` under `key`, replacing any object there. Atomic: readers see the old
   * object or the new one, never a mix; a failed or aborted write leaves the old one.
   * @throws AlreadyExists with `ifNoneMatch: '*'` when the key exists.
   * @throws PreconditionFailed with `ifMatch` when the etag differs or the key is missing.
   * @throws Integrity when `sha256` or `contentLength` do not match the body.
   * @throws Aborted when `signal` aborts.
   * @throws PayloadTooLarge above `capabilities.maxObjectSize`.
   * @throws Conflict where `capabilities.fileFolderConflict` and the key clashes with a folder.
   * @throws Unsupported for an option the backend cannot honour (see capabilities).
   * @throws InvalidInput for malformed options (e.g. metadata names).
   */
  put(key: string, body: Body, options?: PutOptions): Promise<ObjectInfo>;

  /**
   * Opens the object for reading. The caller must consume or destroy `body`.
   * @throws NotFound when the key is missing.
   * @throws InvalidInput for a range that starts past the end (unsatisfiable).
   * @throws PreconditionFailed with `ifMatch` when the etag differs.
   * @throws Aborted when `signal` aborts.
   */
  get(key: string, options?: GetOptions): Promise<GetResult>;

  /** @throws NotFound when the key is missing. */
  head(key: string, options?: { signal?: AbortSignal }): Promise<ObjectInfo>;

  /** True when an object is stored under exactly this key (a "folder" is not an object). */
  exists(key: string, options?: { signal?: AbortSignal }): Promise<boolean>;

  /** Removes the object. Deleting a missing key succeeds. */
  delete(key: string, options?: { signal?: AbortSignal }): Promise<void>;

  /**
   * Removes many objects; missing keys count as deleted. Per-key failures are reported in
   * `errors`, not thrown. Invalid keys are reported as `InvalidKey` errors.
   */
  deleteMany(
    keys: Iterable<string> | AsyncIterable<string>,
    options?: { signal?: AbortSignal },
  ): Promise<DeleteManyResult>;

  /**
   * Copies `from` to `to` (server-side where `capabilities.serverSideCopy`). Metadata is
   * copied unless options replace it.
   * @throws NotFound when `from` is missing.
   * @throws PreconditionFailed with `ifMatch` when the source etag differs.
   * @throws AlreadyExists with `ifNoneMatch: '*'` when `to` exists.
   */
  copy(from: string, to: string, options?: CopyOptions): Promise<ObjectInfo>;

  /**
   * Copy then delete the source; the source is removed only after the copy succeeded.
   * @throws as `copy`.
   */
  move(from: string, to: string, options?: CopyOptions): Promise<ObjectInfo>;

  /**
   * Every entry under `prefix`, in UTF-8 byte order of keys, fetching pages lazily.
   * With `delimiter`, keys below the next "/" are folded into one `CommonPrefix`.
   * @throws InvalidKey for an invalid prefix or startAfter.
   */
  list(options?: ListOptions): AsyncIterable<ListEntry>;

  /**
   * One page of a listing. Feed `cursor` back to continue; a cursor stays valid across
   * concurrent writes (entries added behind it are not returned, ones ahead may be).
   * @throws InvalidInput for a cursor this store did not issue.
   */
  listPage(options?: ListPageOptions): Promise<ListPage>;

  /**
   * A URL anyone can GET until it expires (`expiresIn` seconds, read from the store's Clock).
   * @throws Unsupported without `capabilities.presignGet`.
   * @throws InvalidInput for a non-positive or over-long expiry.
   */
  presignGet(key: string, options: PresignGetOptions): Promise<string>;

  /**
   * A request anyone can send to upload the object until it expires.
   * @throws Unsupported without `capabilities.presignPut`.
   * @throws InvalidInput for a non-positive or over-long expiry.
   */
  presignPut(key: string, options: PresignPutOptions): Promise<PresignedRequest>;
}
