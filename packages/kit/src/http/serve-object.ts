import type { IncomingMessage, ServerResponse } from 'node:http';
import { pipeline } from 'node:stream/promises';
import {
  type GetResult,
  isStorageError,
  type ObjectInfo,
  type ObjectStore,
  StorageError,
} from '@stowage/core';
import { decideRead } from './read-decision.js';
import type { SignedClaims } from './url-signer.js';

const ACTIVE =
  /^(text\/html|application\/xhtml\+xml|image\/svg\+xml|text\/xml|application\/xml|text\/javascript|application\/javascript|application\/ecmascript)\b/i;

export interface ServeObjectOptions {
  /** Refuse private objects (`PermissionDenied`): the request carries no authorisation. */
  publicOnly?: boolean;
  /** What a signed URL fixed: the response's content type and disposition. */
  claims?: Pick<SignedClaims, 'responseContentType' | 'responseContentDisposition'>;
  /** Serve HTML, SVG, XML and JavaScript inline; default false (attachment, sandboxing CSP). */
  serveActiveContent?: boolean;
  /** Extra response headers (a request id, …). */
  headers?: Record<string, string>;
}

/**
 * Answers a GET or HEAD of `key` from `store`: preconditions and ranges decided on the current
 * version (200, 206, 304, 416), the bytes read with `ifMatch` so they belong to the version
 * whose headers went out (a replacement in between costs one more round), `nosniff` always,
 * active content as a sandboxed attachment. Writes the response, except for failures, which
 * it throws for the caller to render: NotFound, PermissionDenied (a private object with
 * `publicOnly`), PreconditionFailed (If-Match / If-Unmodified-Since), and the store's kinds.
 */
export async function serveObject(
  store: ObjectStore,
  key: string,
  req: IncomingMessage,
  res: ServerResponse,
  options: ServeObjectOptions = {},
): Promise<{ info: ObjectInfo; status: number; bytes: number }> {
  for (let attempt = 0; ; attempt++) {
    const info = await store.head(key);
    if (options.publicOnly && info.visibility !== 'public') {
      throw new StorageError('PermissionDenied', `${JSON.stringify(key)} is private: use a signed URL`, {
        operation: 'get',
        key,
      });
    }
    const headers = {
      ...options.headers,
      ...responseHeaders(info, options.claims, options.serveActiveContent ?? false),
    };
    const decision = decideRead(req.headers, info, req.method);
    if (decision.status === 304) {
      res
        .writeHead(
          304,
          pick(headers, [
            'etag',
            'cache-control',
            'last-modified',
            'x-content-type-options',
            ...Object.keys(options.headers ?? {}),
          ]),
        )
        .end();
      return { info, status: 304, bytes: 0 };
    }
    if (decision.status === 412) {
      throw new StorageError('PreconditionFailed', 'A precondition does not hold', { operation: 'get', key });
    }
    if (decision.status === 416) {
      res.writeHead(416, {
        ...options.headers,
        'content-range': `bytes */${info.size}`,
        'content-type': 'text/plain; charset=utf-8',
        'x-content-type-options': 'nosniff',
      });
      res.end('Range Not Satisfiable\n');
      return { info, status: 416, bytes: 0 };
    }
    const range = decision.status === 206 ? decision.range : undefined;
    if (range !== undefined) {
      headers['content-range'] = `bytes ${range.start}-${range.end}/${info.size}`;
      headers['content-length'] = String(range.end - range.start + 1);
    }
    const bytes = range === undefined ? info.size : range.end - range.start + 1;
    if (req.method === 'HEAD') {
      res.writeHead(decision.status, headers).end();
      return { info, status: decision.status, bytes: 0 };
    }
    let got: GetResult;
    try {
      got = await store.get(key, { ifMatch: info.etag, ...(range !== undefined ? { range } : {}) });
    } catch (error) {
      if (isStorageError(error, 'PreconditionFailed') && attempt < 3) continue;
      throw error;
    }
    res.writeHead(decision.status, headers);
    await pipeline(got.body, res).catch(() => {
      // The client went away, or the store failed mid-body: the socket is torn down already.
    });
    return { info, status: decision.status, bytes };
  }
}

function responseHeaders(
  info: ObjectInfo,
  claims: ServeObjectOptions['claims'],
  serveActive: boolean,
): Record<string, string> {
  const contentType = claims?.responseContentType ?? info.contentType;
  const headers: Record<string, string> = {
    'content-type': contentType,
    'content-length': String(info.size),
    etag: info.etag,
    'last-modified': info.lastModified.toUTCString(),
    'accept-ranges': 'bytes',
    'x-content-type-options': 'nosniff',
  };
  if (info.cacheControl !== undefined) headers['cache-control'] = info.cacheControl;
  // User metadata names and values are printable ASCII (core validates them), safe as headers.
  for (const [name, value] of Object.entries(info.metadata)) headers[`x-stowage-meta-${name}`] = value;
  const disposition = claims?.responseContentDisposition ?? info.contentDisposition;
  if (!serveActive && ACTIVE.test(contentType)) {
    headers['content-disposition'] = 'attachment';
    headers['content-security-policy'] = "default-src 'none'; sandbox";
  } else if (disposition !== undefined) {
    headers['content-disposition'] = disposition;
  }
  return headers;
}

function pick(headers: Record<string, string>, names: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of names) if (headers[name] !== undefined) out[name] = headers[name];
  return out;
}
