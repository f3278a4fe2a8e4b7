import type { ObjectStore } from '@stowage/core';

export interface ObjectStoreConformanceOptions {
  /** Shown in the suite title ("memory", "s3 (moto)", …). */
  name: string;
  /** Called once, in beforeAll; every case shares the store under its own key prefix. */
  create(): ObjectStore | Promise<ObjectStore>;
  /** Called once, in afterAll. */
  cleanup?(store: ObjectStore): void | Promise<void>;
  /**
   * A manual clock the store reads (presign expiry cases need it); absent → those cases skip
   * with reason. By default the server that verifies presigned URLs reads it too (memory,
   * local), so expiry is tested by signing and then advancing it. A real S3 server keeps its
   * own time: then pass `readBy: 'signer'` and `set`, and the cases sign in the past instead.
   */
  clock?: {
    advance(ms: number): void;
    set?(date: Date): void;
    /** Who reads the clock: the store and the verifying server (default), or only the signer. */
    readBy?: 'store-and-server' | 'signer';
  };
  /** fetch used for presigned URLs (e.g. custom DNS for virtual-hosted buckets); default global fetch. */
  fetch?: typeof fetch;
  /** Size of the large-object case; default 64 MiB. */
  largeObjectBytes?: number;
  /**
   * Limits of the test *server* (not the adapter) that make a few cases meaningless. Each
   * entry is the reason, shown in the skip message. Use only for a fake server's gaps.
   */
  serverLimitations?: {
    /** The server accepts presigned requests without checking their signature (e.g. moto). */
    presignSignaturesUnverified?: string;
    /** The server serves presigned requests after they expire (e.g. moto): skips the expiry cases. */
    presignExpiryUnverified?: string;
    /**
     * The server can lose an acknowledged put of `a` that races a put of `a/b` (SeaweedFS 4.48:
     * about 1 in 13 races): skips that case.
     */
    racingFileAndFolderWrites?: string;
  };
  /** Root of the keys the suite writes; default `stowage-conformance`. A random run id goes below it. */
  keyRoot?: string;
  /**
   * The secrets the store was configured with (access keys, HMAC keys, tokens): none may show
   * in `util.inspect`, `JSON.stringify` or `String` of the store or of its errors. Without
   * them the secrets case is skipped, saying so.
   */
  secrets?: readonly string[];
}
