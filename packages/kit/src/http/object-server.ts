import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import type { Readable } from 'node:stream';
import {
  type Clock,
  type ErrorKind,
  isStorageError,
  isValidKey,
  type ObjectInfo,
  type ObjectStore,
  StorageError,
} from '@stowage/core';
import { pullReadable } from '../body/pull-readable.js';
import { decodeKeyPath } from './key-path.js';
import { serveObject } from './serve-object.js';
import { type SignedClaims, UrlSigner } from './url-signer.js';

/**
 * The HTTP face of a store that has none of its own (local, memory): it serves public
 * objects the way a CDN would and checks URLs signed by the store's `UrlSigner`.
 */
export interface ObjectServerOptions {
  /** The store; a function when the store is created after the server (it needs the URL). */
  store: ObjectStore | (() => ObjectStore | undefined);
  /** Verifies signed URLs; without it every signed URL is refused. */
  signer?: UrlSigner | (() => UrlSigner | undefined);
  /** Expiry of signed URLs is judged by this clock (the store's). Default: system time. */
  clock?: Clock | (() => Clock | undefined);
  /** Path under which keys are served, default "/" (the signer's base path when given). */
  basePath?: string;
  /** Serve public objects without a signature. Default true. */
  servePublic?: boolean;
  /**
   * Serve HTML, SVG, XML and JavaScript inline. Default false: such objects (which anyone
   * holding a presigned PUT may have uploaded) are sent as attachments, so they cannot run
   * as pages of this origin.
   */
  serveActiveContent?: boolean;
}

const STATUS: Partial<Record<ErrorKind, number>> = {
  NotFound: 404,
  PermissionDenied: 403,
  PreconditionFailed: 412,
  AlreadyExists: 412,
  InvalidKey: 400,
  InvalidInput: 400,
  Integrity: 400,
  Aborted: 400,
  Conflict: 409,
  PayloadTooLarge: 413,
  RateLimited: 429,
  Unsupported: 501,
  Unavailable: 503,
  Timeout: 504,
};

/** Types a browser would run as part of the serving origin. */
/**
 * The request handler, for `node:http` or any server that takes one:
 * - `GET`/`HEAD /<encoded key>`: public objects (private: 403, missing: 404);
 * - signed GET, HEAD and PUT URLs: HMAC checked in constant time, expiry by the store's
 *   clock; tampered or expired: 403. A PUT must carry the signed Content-Type and stay
 *   within the signed size (413 at once from Content-Length, or as the limit is crossed);
 *   nothing is stored when it fails.
 * Reads honour Range (206/416), If-Range, If-None-Match/If-Modified-Since (304) and
 * If-Match/If-Unmodified-Since (412). Every response has `X-Content-Type-Options: nosniff`.
 * Errors are JSON `{ error: { kind, message, requestId? } }` — the HTTP service's shape, so a
 * client reads `/files/` and `/v1/` errors alike — naming the key, never a filesystem path; an
 * unexpected failure says only that. `requestId` is the response's `x-request-id` header when
 * the host set one before handing the request over.
 */
export function createObjectRequestHandler(options: ObjectServerOptions): RequestListener {
  const resolveStore = asResolver(options.store);
  const resolveSigner = asResolver(options.signer);
  const resolveClock = asResolver(options.clock);
  const servePublic = options.servePublic ?? true;
  const serveActive = options.serveActiveContent ?? false;

  return (req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (res.headersSent) {
        res.destroy();
        return;
      }
      const status = isStorageError(error) ? STATUS[error.kind] : undefined;
      if (isStorageError(error) && status !== undefined) {
        fail(res, status, error.kind, error.message);
      } else {
        // Unmapped kinds (Unexpected, ConfigInvalid) carry internals: the client learns only that it failed.
        fail(res, 500, 'Unexpected', 'The server failed to handle this request');
      }
    });
  };

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const store = resolveStore();
    if (store === undefined) return fail(res, 503, 'Unavailable', 'No store is attached to this server yet');
    const signer = resolveSigner();
    const basePath = normaliseBasePath(options.basePath ?? signer?.basePath ?? '/');
    const target = req.url ?? '/';
    const pathname = target.split('?', 1)[0]!;
    if (!pathname.startsWith(basePath))
      return fail(res, 404, 'NotFound', "Not under this server's base path");
    const key = decodeKeyPath(pathname.slice(basePath.length));
    if (key === undefined || !isValidKey(key))
      return fail(res, 400, 'InvalidKey', 'The path is not a valid key');
    const method = req.method ?? 'GET';

    if (UrlSigner.isSigned(target)) {
      if (signer === undefined)
        return fail(res, 403, 'PermissionDenied', 'This server verifies no signed URLs');
      const signedFor = method === 'PUT' ? 'PUT' : method === 'GET' || method === 'HEAD' ? 'GET' : undefined;
      if (signedFor === undefined) return fail(res, 405, 'InvalidInput', `${method} is not allowed`);
      const now = resolveClock()?.now() ?? new Date();
      const check = signer.verify(signedFor, target, now.getTime());
      if (!check.ok) {
        const why = {
          malformed: 'malformed signature',
          signature: 'signature mismatch',
          expired: 'URL expired',
        };
        return fail(res, 403, 'PermissionDenied', `Forbidden: ${why[check.reason]}`);
      }
      if (signedFor === 'PUT') return upload(store, key, check.claims, req, res);
      await serveObject(store, key, req, res, { claims: check.claims, serveActiveContent: serveActive });
      return;
    }
    if (method !== 'GET' && method !== 'HEAD') {
      res.setHeader('allow', 'GET, HEAD');
      return fail(res, 405, 'InvalidInput', `${method} needs a signed URL`);
    }
    if (!servePublic)
      return fail(res, 403, 'PermissionDenied', 'Objects here are only served through signed URLs');
    await serveObject(store, key, req, res, { publicOnly: true, serveActiveContent: serveActive });
  }

  async function upload(
    store: ObjectStore,
    key: string,
    claims: SignedClaims,
    req: IncomingMessage,
    res: ServerResponse,
  ): Promise<void> {
    const sent = req.headers['content-type'];
    if (claims.contentType !== undefined && sent !== claims.contentType) {
      req.resume();
      return fail(res, 403, 'PermissionDenied', 'Forbidden: Content-Type differs from the signed one');
    }
    const lengthHeader = req.headers['content-length'];
    const contentLength =
      lengthHeader !== undefined && /^\d+$/.test(lengthHeader) ? Number(lengthHeader) : undefined;
    const max = claims.maxSize;
    if (max !== undefined && contentLength !== undefined && contentLength > max) {
      // Answer before reading the body, and close: the client need not send it.
      res.setHeader('connection', 'close');
      fail(res, 413, 'PayloadTooLarge', `The upload is ${contentLength} bytes; this URL allows ${max}`);
      req.destroy();
      return;
    }
    let body: Readable = req;
    if (max !== undefined) body = limitUpload(req, max);
    let info: ObjectInfo;
    try {
      info = await store.put(key, body, {
        // Without a signed type, the uploader does not choose how this origin serves the object.
        ...(claims.contentType !== undefined ? { contentType: claims.contentType } : {}),
        ...(contentLength !== undefined ? { contentLength } : {}),
      });
    } catch (error) {
      // The rest of the body is not wanted: answer, close, and only then drop the connection,
      // so the client reads the error instead of a reset.
      res.setHeader('connection', 'close');
      res.once('finish', () => req.destroy());
      throw error;
    }
    res.writeHead(200, { etag: info.etag, 'content-length': '0' }).end();
  }
}

/**
 * The upload, failing with `PayloadTooLarge` as it crosses `max`. Unlike `inspectStream` it
 * leaves the request alone when given up on: the response still has to go out on its socket.
 */
function limitUpload(req: IncomingMessage, max: number): Readable {
  const chunks = req[Symbol.asyncIterator]();
  let seen = 0;
  return pullReadable(
    async () => {
      const next = await chunks.next();
      if (next.done) return null;
      const chunk = next.value as Buffer;
      seen += chunk.length;
      if (seen > max)
        throw new StorageError('PayloadTooLarge', `The upload exceeds the ${max} bytes this URL allows`);
      return chunk;
    },
    () => req.pause(),
  );
}

function fail(res: ServerResponse, status: number, kind: string, message: string): void {
  const requestId = res.getHeader('x-request-id');
  const error = typeof requestId === 'string' ? { kind, message, requestId } : { kind, message };
  const body = `${JSON.stringify({ error })}\n`;
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(body),
    'x-content-type-options': 'nosniff',
  });
  res.end(body);
}

function normaliseBasePath(path: string): string {
  const withLead = path.startsWith('/') ? path : `/${path}`;
  return withLead.endsWith('/') ? withLead : `${withLead}/`;
}

function asResolver<T>(value: T | (() => T | undefined) | undefined): () => T | undefined {
  return typeof value === 'function' ? (value as () => T | undefined) : () => value;
}
