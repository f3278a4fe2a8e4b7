/**
 * What a backend can do, flat so callers can check before acting (OpenDAL's idea).
 * A call a backend cannot honour throws `Unsupported`; it never silently does something else.
 */
export interface Capabilities {
  /** Byte ranges on get. */
  rangeRead: boolean;
  /** `ifNoneMatch: '*'` on put. */
  writeIfNoneMatch: boolean;
  /** `ifMatch` on put (compare-and-swap). */
  writeIfMatch: boolean;
  /** `ifMatch` on get. */
  readIfMatch: boolean;
  /** Stores user metadata. */
  userMetadata: boolean;
  /** Stores cache-control and content-disposition. */
  contentHeaders: boolean;
  /** Per-object public/private visibility. */
  visibility: boolean;
  presignGet: boolean;
  presignPut: boolean;
  /** Copy without moving bytes through the client. */
  serverSideCopy: boolean;
  /** Large or unknown-length bodies are sent in parts. */
  multipart: boolean;
  /** Native lifecycle (expiry) rules. */
  lifecycle: boolean;
  versioning: boolean;
  /** Verifies `sha256` on put and reports `sha256` on head. */
  sha256: boolean;
  /** Delimited listing ("folders"). */
  listDelimiter: boolean;
  /** A key cannot also be a "folder" of other keys (a filesystem): such writes are `Conflict`. */
  fileFolderConflict: boolean;
  /** Largest object in bytes, if bounded. */
  maxObjectSize?: number;
}
