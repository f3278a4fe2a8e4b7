import type { Readable } from 'node:stream';

export type Visibility = 'public' | 'private';

/** What a body may be: bytes, text, or a Node or web stream of known or unknown length. */
export type Body = Uint8Array | string | NodeJS.ReadableStream | ReadableStream<Uint8Array>;

/** Everything known about a stored object. */
export interface ObjectInfo {
  key: string;
  size: number;
  /** Quoted, as HTTP carries it: `"9e107d9d372bb6826bd81d3542a419d6"`. Opaque; differs across backends. */
  etag: string;
  lastModified: Date;
  contentType: string;
  cacheControl?: string;
  contentDisposition?: string;
  /** User metadata, names lower-case ASCII. */
  metadata: Record<string, string>;
  visibility: Visibility;
  /** Hex sha256 of the body, when the backend knows it. */
  sha256?: string;
}

/** What a listing knows without a HEAD per object. */
export interface ObjectSummary {
  key: string;
  size: number;
  etag: string;
  lastModified: Date;
}

/** A "folder" in a delimited listing. */
export interface CommonPrefix {
  prefix: string;
}

export type ListEntry = ObjectSummary | CommonPrefix;

export function isCommonPrefix(entry: ListEntry): entry is CommonPrefix {
  return 'prefix' in entry && !('key' in entry);
}

export interface Progress {
  loaded: number;
  total?: number;
}

export interface PutOptions {
  contentType?: string;
  cacheControl?: string;
  contentDisposition?: string;
  metadata?: Record<string, string>;
  visibility?: Visibility;
  /** `'*'`: create only; fails with `AlreadyExists` when the key exists. */
  ifNoneMatch?: '*';
  /** Compare-and-swap: write only if the current etag equals this; else `PreconditionFailed`. */
  ifMatch?: string;
  /** Declared length; a body of another length fails with `Integrity`. */
  contentLength?: number;
  /** Expected hex sha256; a mismatch fails with `Integrity` and stores nothing. */
  sha256?: string;
  signal?: AbortSignal;
  onProgress?: (progress: Progress) => void;
}

export interface ByteRange {
  start: number;
  /** Inclusive; omitted means to the end. */
  end?: number;
}

export interface GetOptions {
  range?: ByteRange;
  /** Read only if the current etag equals this; else `PreconditionFailed`. */
  ifMatch?: string;
  signal?: AbortSignal;
}

export interface GetResult {
  /** Info of the whole object (size is the full size even for a range). */
  info: ObjectInfo;
  body: Readable;
  /** The range actually returned, inclusive, when a range was asked for. */
  range?: { start: number; end: number };
}

export interface CopyOptions {
  /** Replace metadata instead of copying it from the source. */
  metadata?: Record<string, string>;
  contentType?: string;
  cacheControl?: string;
  contentDisposition?: string;
  visibility?: Visibility;
  /** Copy only if the source's etag equals this. */
  ifMatch?: string;
  /** `'*'`: fail with `AlreadyExists` if the destination exists. */
  ifNoneMatch?: '*';
  signal?: AbortSignal;
}

export interface ListOptions {
  prefix?: string;
  /** Only "/" is portable: groups keys into "folders". */
  delimiter?: '/';
  /**
   * Entries strictly after this position in byte order. With a delimiter, a position naming
   * a folder of the listed level (`photos/` when listing `""` — what a cursor after a folder
   * entry holds) skips that folder's keys too; a position inside a folder (`photos/b`) still
   * lists the folder when keys in it follow the position, as S3 does.
   */
  startAfter?: string;
  /** Backend page size hint. */
  pageSize?: number;
  signal?: AbortSignal;
}

export interface ListPageOptions extends Omit<ListOptions, 'pageSize'> {
  /** Opaque cursor from a previous page. */
  cursor?: string;
  /** At most this many entries (objects plus prefixes); default 1000. */
  limit?: number;
}

export interface ListPage {
  items: ObjectSummary[];
  prefixes: string[];
  /** Present when there may be more. */
  cursor?: string;
}

export interface DeleteManyResult {
  deleted: number;
  errors: Array<{ key: string; error: Error }>;
}

export interface PresignGetOptions {
  /** Seconds. */
  expiresIn: number;
  responseContentDisposition?: string;
  responseContentType?: string;
}

export interface PresignPutOptions {
  /** Seconds. */
  expiresIn: number;
  /** The Content-Type the upload must carry; without it the store picks the type (never the uploader). */
  contentType?: string;
  /**
   * The most bytes the upload may have. Where a signed PUT cannot enforce a range (S3), the
   * request is a form POST with a policy (`method: 'POST'`, `fields`).
   */
  maxSize?: number;
}

export interface PresignedRequest {
  url: string;
  /** `PUT`: send the body as is. `POST`: send a multipart/form-data form of `fields` plus a `file` part. */
  method: 'PUT' | 'POST';
  /** Headers the client must send with the request. */
  headers: Record<string, string>;
  /** `POST` only: the form fields to send before the file. */
  fields?: Record<string, string>;
}
