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

/** Capabilities of a router over several backends: only what all of them can do. */
export function intersectCapabilities(a: Capabilities, b: Capabilities): Capabilities {
  const out = {} as Record<string, unknown>;
  for (const name of Object.keys(a) as Array<keyof Capabilities>) {
    if (name === 'maxObjectSize') continue;
    const va = a[name];
    const vb = b[name];
    out[name] = name === 'fileFolderConflict' ? Boolean(va) || Boolean(vb) : Boolean(va) && Boolean(vb);
  }
  const sizes = [a.maxObjectSize, b.maxObjectSize].filter((n): n is number => n !== undefined);
  if (sizes.length > 0) out.maxObjectSize = Math.min(...sizes);
  return out as unknown as Capabilities;
}
