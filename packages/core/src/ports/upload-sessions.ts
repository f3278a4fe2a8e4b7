import type { Body, ObjectInfo, PresignedRequest, Progress, Visibility } from '../model/object-info.js';
import type { Page } from '../model/page.js';

/** How the object is stored once the session completes. */
export interface UploadSessionOptions {
  contentType?: string;
  cacheControl?: string;
  contentDisposition?: string;
  metadata?: Record<string, string>;
  visibility?: Visibility;
  /** Seconds until the session expires unless completed; default 24 h. */
  expiresIn?: number;
}

/** A resumable upload in progress. */
export interface UploadSession {
  /** Opaque; names the session to any process sharing the implementation's state. */
  id: string;
  key: string;
  createdAt: Date;
  expiresAt: Date;
  options: UploadSessionOptions;
}

export interface UploadedPart {
  /** 1–10000. */
  number: number;
  size: number;
  /** Opaque, per part. */
  etag: string;
  /** Hex sha256 of the part. */
  sha256: string;
}

/**
 * A part as the backend holds it, whoever uploaded it. Parts uploaded through `presignPart`
 * went straight to the backend: their bytes never passed through the implementation, so no
 * sha256 is known for them.
 */
export interface StoredPart {
  /** 1–10000. */
  number: number;
  size: number;
  /** As the backend reports it (quoted). */
  etag: string;
}

/** What an implementation requires of parts (S3's limits where the parts are S3's). */
export interface UploadSessionLimits {
  /** Every part but the last must be at least this big (5 MiB on S3; 1 where emulated). */
  minPartSize: number;
  maxPartSize: number;
  maxParts: number;
}

/** Options of `UploadSessions.uploadPart`. */
export interface UploadPartOptions {
  /** The part's length, checked against the body; needed for a stream of unknown length. */
  contentLength?: number;
  /** The part's sha256 (hex), checked against the bytes. */
  sha256?: string;
  signal?: AbortSignal;
  onProgress?: (progress: Progress) => void;
}

/**
 * Resumable uploads across requests and processes: create a session, upload numbered parts
 * in any order (a part sent again replaces the earlier one), list them, and complete, which
 * makes the object appear at once with every part in number order — or abort, which leaves
 * nothing behind. Session state lives in a JobStateStore, so any process sharing it can
 * continue a session another one started. Native on S3-family backends (multipart uploads),
 * emulated elsewhere by staging parts and assembling them in one atomic write.
 *
 * Every method may throw `Unavailable` (retryable), `Timeout` or `Unexpected`.
 */
export interface UploadSessions {
  readonly limits: UploadSessionLimits;
  /**
   * @throws InvalidKey for an invalid key; InvalidInput for malformed options.
   */
  create(key: string, options?: UploadSessionOptions): Promise<UploadSession>;
  /** The session, or null when it does not exist (completed, aborted or expired). */
  get(id: string): Promise<UploadSession | null>;
  /**
   * Stores part `number` (1–maxParts), replacing an earlier upload of that number.
   * @throws NotFound for an unknown, completed, aborted or expired session.
   * @throws InvalidInput for a part number out of range, a part over maxPartSize.
   * @throws Integrity when `sha256` or `contentLength` do not match the body.
   * @throws Aborted when `signal` aborts; the part is then not stored.
   */
  uploadPart(id: string, number: number, body: Body, options?: UploadPartOptions): Promise<UploadedPart>;
  /**
   * The parts uploaded so far through `uploadPart`, by number (parts uploaded through
   * `presignPart` are listed by `listStoredParts`). @throws NotFound as `uploadPart`.
   */
  listParts(id: string): Promise<UploadedPart[]>;
  /**
   * Optional: implementations whose backend takes part uploads itself (the S3 family) have it.
   * A presigned request that uploads part `number` of the session straight to the backend,
   * valid `expiresIn` seconds: the client sends the part's bytes as the body, with `headers`,
   * and reads the part's etag from the answer. Such a part replaces an earlier upload of that
   * number like `uploadPart`. From the first presigned part on, `complete` assembles the parts
   * the backend reports (see `listStoredParts`), whose sha256 is unknown: give `complete` the
   * whole object's `sha256` to have the bytes checked.
   * @throws NotFound as `uploadPart`.
   * @throws InvalidInput for a part number out of range, or `expiresIn` not a whole number of
   *   seconds from 1 to 604800 (7 days).
   */
  presignPart?(id: string, number: number, options: { expiresIn: number }): Promise<PresignedRequest>;
  /**
   * Optional, with `presignPart`: every part the backend holds for the session, by number,
   * whoever uploaded it, as the backend reports it. @throws NotFound as `uploadPart`.
   */
  listStoredParts?(id: string): Promise<StoredPart[]>;
  /**
   * Assembles parts 1…N into the object in one write and ends the session. After
   * `presignPart`, the parts are the ones the backend holds (`listStoredParts`).
   * @throws NotFound as `uploadPart`.
   * @throws InvalidInput when parts are missing (a gap, none at all, or one of `parts` not
   *   uploaded) or a part before the last is smaller than `minPartSize`; the session stays open.
   * @throws Integrity when `sha256` does not match the assembled bytes; nothing is stored and
   *   the session stays open.
   * @throws AlreadyExists with `ifNoneMatch: '*'` when the key exists.
   */
  complete(
    id: string,
    options?: { parts?: readonly number[]; sha256?: string; ifNoneMatch?: '*'; signal?: AbortSignal },
  ): Promise<ObjectInfo>;
  /** Ends the session and removes its parts. Unknown sessions succeed. */
  abort(id: string): Promise<void>;
  /** Open sessions, oldest first. @throws InvalidInput for a malformed cursor. */
  list(options?: { cursor?: string; limit?: number }): Promise<Page<UploadSession>>;
  /** Aborts every session past its expiry (by the implementation's clock); returns how many. */
  expire(): Promise<number>;
}
