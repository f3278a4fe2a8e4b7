import {
  createServer,
  type IncomingMessage,
  type RequestListener,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';
import { pipeline } from 'node:stream/promises';
import { type ErrorKind, isStorageError, isValidKey, type ObjectInfo } from '@stowage/core';
import { decodeKeyPath, etagsMatch } from '@stowage/kit';
import { parseRangeHeader } from './http-range.js';
import type { LocalObjectStore } from './local-object-store.js';
import { isSignedQuery, type Verification, verifySignedQuery } from './signer.js';

export interface LocalServerOptions {
  /** The store to serve; a function when the store is created after the server (it needs the URL). */
  store: LocalObjectStore | (() => LocalObjectStore | undefined);
  /** The store's `signing.secret`. Without it signed URLs are refused and only public objects are served. */
  secret?: string;
  /** Path under which keys are served; default "/". Must match the path of the configured base URLs. */
  basePath?: string;
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
  Unsupported: 501,
  Unavailable: 503,
  Timeout: 504,
};

/**
 * The request handler behind `createLocalServer`, for mounting in another server:
 * - `GET`/`HEAD /<encoded key>` serves public objects (private: 403, missing: 404);
 * - URLs signed by the store's `presignGet`/`presignPut` are checked (HMAC, constant-time,
 *   expiry against the store's clock) and serve any object or store the uploaded body,
 *   streaming; tampered or expired URLs get 403.
 * Responses carry Content-Type, Content-Length, ETag, Last-Modified, Cache-Control,
 * Content-Disposition and Accept-Ranges; `Range` gives 206 (416 when unsatisfiable) and
 * `If-None-Match` gives 304.
 */
export function createLocalRequestHandler(options: LocalServerOptions): RequestListener {
  const resolveStore =
    typeof options.store === 'function' ? options.store : () => options.store as LocalObjectStore;
  const basePath = normaliseBasePath(options.basePath ?? '/');
  return (req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (res.headersSent) {
        res.destroy(error as Error);
        return;
      }
      if (isStorageError(error)) {
        fail(res, STATUS[error.kind] ?? 500, error.kind, error.message);
      } else {
        fail(res, 500, 'Unexpected', (error as Error)?.message ?? String(error));
      }
    });
  };

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const store = resolveStore();
    if (store === undefined) return fail(res, 503, 'Unavailable', 'No store is attached to this server yet');
    const url = new URL(req.url ?? '/', 'http://local');
    if (!url.pathname.startsWith(basePath))
      return fail(res, 404, 'NotFound', "Not under this server's base path");
    const key = decodeKeyPath(url.pathname.slice(basePath.length));
    if (key === undefined || !isValidKey(key))
      return fail(res, 400, 'InvalidKey', 'The path is not a valid key');
    const method = req.method ?? 'GET';

    if (isSignedQuery(url.searchParams)) {
      if (options.secret === undefined)
        return fail(res, 403, 'PermissionDenied', 'This server verifies no signed URLs');
      const signedFor = method === 'PUT' ? 'PUT' : method === 'GET' || method === 'HEAD' ? 'GET' : undefined;
      if (signedFor === undefined) return fail(res, 405, 'InvalidInput', `${method} is not allowed`);
      const check: Verification = verifySignedQuery(
        signedFor,
        key,
        url.searchParams,
        options.secret,
        store.clock.now().getTime(),
      );
      if (!check.ok) {
        const why = {
          malformed: 'malformed signature',
          signature: 'signature mismatch',
          expired: 'URL expired',
        }[check.reason];
        return fail(res, 403, 'PermissionDenied', `Forbidden: ${why}`);
      }
      if (signedFor === 'PUT') {
        const sent = req.headers['content-type'];
        if (check.fields.contentType !== undefined && sent !== check.fields.contentType) {
          return fail(res, 403, 'PermissionDenied', 'Forbidden: Content-Type differs from the signed one');
        }
        return upload(store, key, req, res, sent);
      }
      return serve(store, key, req, res, {
        contentDisposition: check.fields.responseContentDisposition,
        contentType: check.fields.responseContentType,
      });
    }

    if (method !== 'GET' && method !== 'HEAD') {
      res.setHeader('allow', 'GET, HEAD');
      return fail(res, 405, 'InvalidInput', `${method} needs a signed URL`);
    }
    return serve(store, key, req, res, { publicOnly: true });
  }
}

async function upload(
  store: LocalObjectStore,
  key: string,
  req: IncomingMessage,
  res: ServerResponse,
  contentType: string | undefined,
): Promise<void> {
  const length = req.headers['content-length'];
  const contentLength = length !== undefined && /^\d+$/.test(length) ? Number(length) : undefined;
  const info = await store.put(key, req, {
    ...(contentType !== undefined ? { contentType } : {}),
    ...(contentLength !== undefined ? { contentLength } : {}),
  });
  res.writeHead(200, { etag: info.etag, 'content-length': '0' }).end();
}

async function serve(
  store: LocalObjectStore,
  key: string,
  req: IncomingMessage,
  res: ServerResponse,
  opts: { publicOnly?: boolean; contentDisposition?: string | undefined; contentType?: string | undefined },
): Promise<void> {
  const head = req.method === 'HEAD';
  // Resolve the range against the current size, then read with ifMatch so the bytes belong to
  // the object whose headers we send; a replacement in between just means one more round.
  for (let attempt = 0; ; attempt++) {
    const info = await store.head(key);
    if (opts.publicOnly && info.visibility !== 'public') {
      return fail(res, 403, 'PermissionDenied', 'This object is private: use a signed URL');
    }
    const headers = responseHeaders(info, opts);
    const ifNoneMatch = req.headers['if-none-match'];
    if (ifNoneMatch !== undefined && noneMatchHits(ifNoneMatch, info.etag)) {
      res.writeHead(304, pick(headers, ['etag', 'cache-control', 'last-modified'])).end();
      return;
    }
    const range = parseRangeHeader(req.headers.range, info.size);
    if (range === 'unsatisfiable') {
      res.writeHead(416, {
        'content-range': `bytes */${info.size}`,
        'content-type': 'text/plain; charset=utf-8',
      });
      res.end('Range Not Satisfiable\n');
      return;
    }
    if (range !== undefined) {
      headers['content-range'] = `bytes ${range.start}-${range.end}/${info.size}`;
      headers['content-length'] = String(range.end - range.start + 1);
    }
    if (head) {
      res.writeHead(range === undefined ? 200 : 206, headers).end();
      return;
    }
    let got: Awaited<ReturnType<LocalObjectStore['get']>>;
    try {
      got = await store.get(key, { ifMatch: info.etag, ...(range !== undefined ? { range } : {}) });
    } catch (error) {
      if (isStorageError(error, 'PreconditionFailed') && attempt < 3) continue;
      throw error;
    }
    res.writeHead(range === undefined ? 200 : 206, headers);
    await pipeline(got.body, res).catch(() => {
      // The client went away or the disk failed mid-body: the socket is already torn down.
    });
    return;
  }
}

function responseHeaders(
  info: ObjectInfo,
  opts: { contentDisposition?: string | undefined; contentType?: string | undefined },
): Record<string, string> {
  const headers: Record<string, string> = {
    'content-type': opts.contentType ?? info.contentType,
    'content-length': String(info.size),
    etag: info.etag,
    'last-modified': info.lastModified.toUTCString(),
    'accept-ranges': 'bytes',
  };
  if (info.cacheControl !== undefined) headers['cache-control'] = info.cacheControl;
  const disposition = opts.contentDisposition ?? info.contentDisposition;
  if (disposition !== undefined) headers['content-disposition'] = disposition;
  return headers;
}

function noneMatchHits(header: string, etag: string): boolean {
  if (header.trim() === '*') return true;
  return header.split(',').some((candidate) => etagsMatch(candidate.trim(), etag));
}

function pick(headers: Record<string, string>, names: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of names) if (headers[name] !== undefined) out[name] = headers[name];
  return out;
}

function fail(res: ServerResponse, status: number, kind: string, message: string): void {
  const body = `${JSON.stringify({ error: kind, message })}\n`;
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(body),
  });
  res.end(body);
}

function normaliseBasePath(path: string): string {
  const withLead = path.startsWith('/') ? path : `/${path}`;
  return withLead.endsWith('/') ? withLead : `${withLead}/`;
}

/** A `node:http` server running `createLocalRequestHandler` (not yet listening). */
export function createLocalServer(options: LocalServerOptions): Server {
  return createServer(createLocalRequestHandler(options));
}

export interface ListeningLocalServer {
  /** Base URL, e.g. `http://127.0.0.1:41234/` (use as `signing.baseUrl` / `publicBaseUrl`). */
  readonly url: string;
  readonly server: Server;
  /** Stops listening and drops open connections. */
  close(): Promise<void>;
}

/** Starts `createLocalServer` on `host` (default 127.0.0.1) and `port` (default 0: any free port). */
export async function listenLocalServer(
  options: LocalServerOptions & { host?: string; port?: number },
): Promise<ListeningLocalServer> {
  const server = createLocalServer(options);
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const base = normaliseBasePath(options.basePath ?? '/');
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}${base}`,
    server,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}
