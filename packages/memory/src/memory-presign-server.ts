import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pipeline } from 'node:stream/promises';
import { type ErrorKind, type GetResult, isStorageError, type ObjectInfo } from '@stowage/core';
import type { MemoryObjectStore } from './memory-object-store.js';

export interface MemoryPresignServer {
  /** Base URL to pass as the store's `presignBaseUrl`, e.g. `http://127.0.0.1:41234`. */
  readonly url: string;
  /** Stops listening and drops open connections. */
  close(): Promise<void>;
}

export interface MemoryPresignServerOptions {
  /** Default 127.0.0.1: the server is for tests and local experiments, not the network. */
  host?: string;
  /** Default 0 (any free port). */
  port?: number;
}

/**
 * Serves a MemoryObjectStore's presigned URLs over HTTP: GET (with Range) and PUT.
 * Tampered or expired URLs get 403, missing objects 404.
 *
 * The store needs the server's URL and the server needs the store, so `store` may be a
 * function that returns it once it exists:
 * ```ts
 * let store!: MemoryObjectStore;
 * const server = await createMemoryPresignServer(() => store);
 * store = new MemoryObjectStore({ presignBaseUrl: server.url });
 * ```
 */
export async function createMemoryPresignServer(
  store: MemoryObjectStore | (() => MemoryObjectStore | undefined),
  options: MemoryPresignServerOptions = {},
): Promise<MemoryPresignServer> {
  const resolve = typeof store === 'function' ? store : () => store;
  const server = createServer((req, res) => {
    handle(resolve(), req, res).catch((error: unknown) => fail(res, 500, 'Unexpected', String(error)));
  });
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((done, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      done();
    });
  });
  const { port } = server.address() as AddressInfo;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  return {
    url,
    close: () =>
      new Promise<void>((done, reject) => {
        server.close((error) => (error ? reject(error) : done()));
        server.closeAllConnections();
      }),
  };
}

const STATUS: Partial<Record<ErrorKind, number>> = {
  NotFound: 404,
  PermissionDenied: 403,
  PreconditionFailed: 412,
  AlreadyExists: 412,
  InvalidKey: 400,
  InvalidInput: 400,
  Integrity: 400,
  PayloadTooLarge: 413,
  Aborted: 400,
  Unsupported: 501,
};

async function handle(
  store: MemoryObjectStore | undefined,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  if (store === undefined)
    return fail(res, 503, 'Unavailable', 'No store attached to this presign server yet');
  const method = req.method === 'HEAD' ? 'GET' : req.method;
  if (method !== 'GET' && method !== 'PUT') {
    res.setHeader('allow', 'GET, HEAD, PUT');
    return fail(res, 405, 'Unsupported', `Method ${req.method} is not allowed`);
  }
  const verified = store.verifyPresignedRequest(method, req.url ?? '/');
  if (!verified.ok) {
    const message = verified.reason === 'expired' ? 'The URL has expired' : 'The URL signature is invalid';
    return fail(res, 403, 'PermissionDenied', message);
  }
  const { claims } = verified;
  try {
    if (method === 'GET') await serveGet(store, claims, req, res);
    else await servePut(store, claims, req, res);
  } catch (error) {
    if (res.headersSent) {
      res.destroy();
      return;
    }
    if (isStorageError(error)) return fail(res, STATUS[error.kind] ?? 500, error.kind, error.message);
    throw error;
  }
}

async function serveGet(
  store: MemoryObjectStore,
  claims: { key: string; responseContentDisposition?: string; responseContentType?: string },
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  // The range is resolved against the size from a head; the get then pins that version with
  // ifMatch, and an overwrite landing in between just means trying again.
  let result: GetResult | undefined;
  let info: ObjectInfo;
  for (let attempt = 0; result === undefined; attempt++) {
    info = await store.head(claims.key);
    const range = parseRange(req.headers.range, info.size);
    if (range === 'unsatisfiable') {
      res.setHeader('content-range', `bytes */${info.size}`);
      return fail(res, 416, 'InvalidInput', 'Range not satisfiable');
    }
    try {
      result = await store.get(claims.key, { ifMatch: info.etag, ...(range !== undefined ? { range } : {}) });
    } catch (error) {
      if (!isStorageError(error, 'PreconditionFailed') || attempt >= 3) throw error;
    }
  }
  info = result.info;
  setObjectHeaders(res, result.info);
  if (claims.responseContentType !== undefined) res.setHeader('content-type', claims.responseContentType);
  if (claims.responseContentDisposition !== undefined) {
    res.setHeader('content-disposition', claims.responseContentDisposition);
  }
  if (result.range !== undefined) {
    res.statusCode = 206;
    res.setHeader('content-range', `bytes ${result.range.start}-${result.range.end}/${info.size}`);
    res.setHeader('content-length', String(result.range.end - result.range.start + 1));
  } else {
    res.statusCode = 200;
    res.setHeader('content-length', String(info.size));
  }
  if (req.method === 'HEAD') {
    result.body.destroy();
    res.end();
    return;
  }
  await pipeline(result.body, res);
}

async function servePut(
  store: MemoryObjectStore,
  claims: { key: string; contentType?: string },
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const sentType = req.headers['content-type'];
  // The content type is part of the signature: uploading as anything else is refused.
  if (claims.contentType !== undefined && sentType !== claims.contentType) {
    return fail(res, 403, 'PermissionDenied', `This URL requires content-type: ${claims.contentType}`);
  }
  const lengthHeader = req.headers['content-length'];
  const contentLength =
    lengthHeader !== undefined && /^\d+$/.test(lengthHeader) ? Number(lengthHeader) : undefined;
  const contentType = claims.contentType ?? sentType;
  const info = await store.put(claims.key, req, {
    ...(contentType !== undefined ? { contentType } : {}),
    ...(contentLength !== undefined ? { contentLength } : {}),
  });
  res.statusCode = 200;
  res.setHeader('etag', info.etag);
  res.setHeader('content-length', '0');
  res.end();
}

function setObjectHeaders(res: ServerResponse, info: ObjectInfo): void {
  res.setHeader('content-type', info.contentType);
  res.setHeader('etag', info.etag);
  res.setHeader('last-modified', info.lastModified.toUTCString());
  res.setHeader('accept-ranges', 'bytes');
  if (info.cacheControl !== undefined) res.setHeader('cache-control', info.cacheControl);
  if (info.contentDisposition !== undefined) res.setHeader('content-disposition', info.contentDisposition);
  for (const [name, value] of Object.entries(info.metadata)) res.setHeader(`x-stowage-meta-${name}`, value);
}

/**
 * One `bytes=` range resolved against `size` (inclusive). Syntactically invalid or
 * multi-range headers are ignored (the whole object is served), as RFC 9110 allows.
 */
export function parseRange(
  header: string | undefined,
  size: number,
): { start: number; end: number } | 'unsatisfiable' | undefined {
  if (header === undefined) return undefined;
  const match = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (match === null) return undefined;
  const [, first = '', last = ''] = match;
  if (first === '' && last === '') return undefined;
  if (first === '') {
    const suffix = Number(last);
    if (suffix === 0 || size === 0) return 'unsatisfiable';
    return { start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(first);
  const end = last === '' ? size - 1 : Number(last);
  if (last !== '' && end < start) return undefined;
  if (start >= size) return 'unsatisfiable';
  return { start, end: Math.min(end, size - 1) };
}

function fail(res: ServerResponse, status: number, kind: string, message: string): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const body = JSON.stringify({ error: kind, message });
  res.statusCode = status;
  res.setHeader('content-type', 'application/json; charset=utf-8');
  res.setHeader('content-length', String(Buffer.byteLength(body)));
  res.end(body);
}
