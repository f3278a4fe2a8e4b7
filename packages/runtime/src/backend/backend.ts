import type { RequestListener } from 'node:http';
import type { BucketAdmin, Cdn, Clock, Logger, ObjectStore, UploadSessions } from '@stowage/core';
import type { ParsedRuntimeConfig } from '../config/runtime-config.js';
import type { OpenedDatabase } from '../database/open-database.js';

/** What a storage mode contributes to the container. */
export interface Backend {
  readonly store: ObjectStore;
  /** Public reads and purges; null when the mode has none configured. */
  readonly cdn: Cdn | null;
  /** Bucket administration (lifecycle rules, …) and the bucket it is for; admin null where there is none. */
  readonly bucketAdmin: { admin: BucketAdmin | null; bucket: string };
  readonly uploadSessions: UploadSessions;
  /** Local and memory modes' object server (public objects and signed URLs). */
  readonly files?: FileServer;
  close(): Promise<void>;
}

/** An object server: listening on its own port, or a handler for the caller to mount at `url`. */
export interface FileServer {
  /** Where objects are served, ending in "/". */
  readonly url: string;
  readonly handler: RequestListener;
  /** True when the runtime listens itself (closed by `runtime.close()`). */
  readonly listening: boolean;
}

/** What building a backend needs besides its own settings. */
export interface BackendContext {
  readonly config: ParsedRuntimeConfig;
  /** Absolute. */
  readonly dataDir: string;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly database: OpenedDatabase;
  /**
   * `listen`: the runtime serves local/memory objects on `server.host:port` itself.
   * `mount`: it only builds the handler, for an HTTP service to mount at `server.publicUrl` + `files/`.
   */
  readonly files: 'listen' | 'mount';
}
