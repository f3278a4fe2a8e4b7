import {
  type Body,
  type Clock,
  type JobStateStore,
  type ObjectInfo,
  type Page,
  type PresignedRequest,
  StorageError,
  type StoredPart,
  type UploadedPart,
  type UploadPartOptions,
  type UploadSession,
  type UploadSessionLimits,
  type UploadSessionOptions,
  type UploadSessions,
} from '@stowage/core';
import { partsOf, toSession, UploadSessionLedger } from '@stowage/kit';
import type { S3ObjectStore } from '../s3-object-store.js';
import { abortSession } from './abort-session.js';
import { completeSession } from './complete-session.js';
import { createSession } from './create-session.js';
import { presignSessionPart } from './presign-session-part.js';
import { serverParts } from './server-parts.js';
import type { NativeUpload, SessionContext } from './session-context.js';
import { uploadSessionPart } from './upload-session-part.js';

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;

export interface S3UploadSessionsConfig {
  /** The store completed objects land in; its client, bucket and profile are used. */
  store: S3ObjectStore;
  /** Session state: a shared store (PostgreSQL) lets any process continue a session. */
  jobs: JobStateStore;
  clock?: Clock;
  /** Keeps the sessions of several stores apart in one job state store; default the store's name. */
  namespace?: string;
  /**
   * Where sessions assemble before the object appears: a prefix of the same bucket, reserved
   * for this. Default `.stowage/uploads/`. An object shows there only between completion and
   * its move to the key (or while a completion that failed is cleaned up).
   */
  stagingPrefix?: string;
}

/**
 * Resumable upload sessions on S3's own multipart uploads: each session is a multipart upload
 * at `<stagingPrefix><id>`, parts go straight to the server (hashed as they stream), and session
 * state (upload id, parts, etags, sha256s) lives in the job state store, so any process
 * continues a session. Completion assembles on the server, checks the sha256 when one is given
 * (by reading the assembled object once), then moves it to the key with a server-side copy, so
 * a refused completion (gap, wrong digest, `ifNoneMatch`) never touches the key. A refused
 * digest re-stages the parts on the server (UploadPartCopy), so the session stays open.
 *
 * Parts may also go straight from a client to the server: `presignPart` signs an UploadPart of
 * the session's multipart upload. The session then remembers that the server may hold parts
 * it never saw, and completion assembles the parts ListParts reports (with the sha256 of the
 * ones that came through `uploadPart` and still have the recorded etag; the others have none).
 */
export class S3UploadSessions implements UploadSessions {
  readonly limits: UploadSessionLimits = Object.freeze({
    minPartSize: 5 * MiB,
    maxPartSize: 5 * GiB,
    maxParts: 10_000,
  });
  private readonly stagingPrefix: string;
  private readonly session: SessionContext;

  /** @throws ConfigInvalid for a staging prefix that is not a key prefix ending in "/". */
  constructor(config: S3UploadSessionsConfig) {
    const store = config.store;
    this.stagingPrefix = config.stagingPrefix ?? '.stowage/uploads/';
    if (!/^[^/].*\/$/.test(this.stagingPrefix)) {
      throw new StorageError('ConfigInvalid', 'stagingPrefix must be a key prefix ending in "/"', {
        operation: 'configure',
        backend: store.name,
      });
    }
    const ledger = new UploadSessionLedger<NativeUpload>(config.jobs, store.name, {
      limits: this.limits,
      namespace: config.namespace ?? store.name,
      ...(config.clock === undefined ? {} : { clock: config.clock }),
    });
    this.session = { store, ledger, stagingKey: (id) => this.stagingKey(id) };
  }

  /** Where session `id` assembles. */
  stagingKey(id: string): string {
    return `${this.stagingPrefix}${id}`;
  }

  create(key: string, options: UploadSessionOptions = {}): Promise<UploadSession> {
    return createSession(this.session, key, options);
  }

  async get(id: string): Promise<UploadSession | null> {
    const job = await this.session.ledger.load(id, 'getUpload', false);
    return job === null ? null : toSession(id, job.data);
  }

  uploadPart(id: string, number: number, body: Body, options: UploadPartOptions = {}): Promise<UploadedPart> {
    return uploadSessionPart(this.session, id, number, body, options);
  }

  async listParts(id: string): Promise<UploadedPart[]> {
    const job = (await this.session.ledger.load(id, 'listParts', true))!;
    return partsOf(job.data);
  }

  /**
   * A presigned UploadPart of the session's multipart upload (SigV4 query signing by the
   * store's clock, no checksum headers): the client PUTs the part's bytes to `url`.
   * @throws NotFound for an unknown, completed, aborted or expired session.
   * @throws InvalidInput for a part number outside 1–10000 or `expiresIn` outside 1–604800 s.
   */
  presignPart(id: string, number: number, options: { expiresIn: number }): Promise<PresignedRequest> {
    return presignSessionPart(this.session, id, number, options);
  }

  /**
   * The parts the server holds for the session (ListParts, every page), whoever uploaded them.
   * @throws NotFound for an unknown, completed, aborted or expired session.
   */
  async listStoredParts(id: string): Promise<StoredPart[]> {
    const { ledger } = this.session;
    const job = (await ledger.load(id, 'listParts', true))!;
    return serverParts(this.session, id, job.data, ledger.ctx('listParts', job.data.key));
  }

  complete(
    id: string,
    options: { parts?: readonly number[]; sha256?: string; ifNoneMatch?: '*'; signal?: AbortSignal } = {},
  ): Promise<ObjectInfo> {
    return completeSession(this.session, id, options);
  }

  abort(id: string): Promise<void> {
    return abortSession(this.session, id);
  }

  list(options: { cursor?: string; limit?: number } = {}): Promise<Page<UploadSession>> {
    return this.session.ledger.list(options);
  }

  async expire(): Promise<number> {
    const ids = await this.session.ledger.expiredIds();
    for (const id of ids) await this.abort(id);
    return ids.length;
  }
}
