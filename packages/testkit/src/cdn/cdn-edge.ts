import { once } from 'node:events';
import { createServer, type IncomingMessage, request, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { PurgeTarget } from '@stowage/core';
import { decodeKeyPath } from '@stowage/kit';

/** What the edge does for one key instead of forwarding the read to the origin. */
export type EdgeFault =
  /** Answers this status (with a short body) without asking the origin. */
  | { status: number; body?: string; headers?: Record<string, string> }
  /** Takes the request and never answers, until the client gives up. */
  | 'hang'
  /** Closes the connection without an answer (a network failure). */
  | 'reset';

/** A request the edge received. */
export interface EdgeRequest {
  /** The key the path decodes to (undefined when outside the edge's base path or malformed). */
  key: string | undefined;
  /** The raw request path, as sent. */
  path: string;
  method: string;
  headers: IncomingMessage['headers'];
}

/** Request headers that reach the origin (what a CDN forwards for reads). */
const FORWARDED_REQUEST = [
  'range',
  'if-range',
  'if-none-match',
  'if-modified-since',
  'if-match',
  'if-unmodified-since',
  'accept',
];
/** Hop-by-hop headers, never copied from the origin's answer. */
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'upgrade', 'proxy-connection']);

interface CachedAnswer {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
}

/**
 * The CDN edge of the Cdn conformance suite: a loopback HTTP server between the CDN under
 * test and the origin that serves published objects. Reads are forwarded to the origin with
 * the path exactly as received, so an encoding mistake in `publicUrl` reaches the origin as
 * another key. Cases script faults per key (a status, a hang, a reset) and read what it
 * received. With `caching` on it keeps what it served until `invalidate()`, like a real edge:
 * a CDN whose purge reaches `invalidate()` (through a stub of its purge API) proves its purge.
 */
export class CdnEdge {
  /** Base URL of the edge, ending in "/": point the CDN's base URL here. */
  readonly url: string;
  readonly basePath: string;
  /** Every request received, oldest first. */
  readonly requests: EdgeRequest[] = [];
  /** Every invalidation received, oldest first. */
  readonly invalidations: PurgeTarget[] = [];
  /** Keep 200 answers to plain GETs until invalidated. */
  caching = false;
  private origin: URL | undefined;
  private readonly faults = new Map<string, EdgeFault>();
  private readonly cache = new Map<string, CachedAnswer>();
  private readonly sockets = new Set<Socket>();
  private readonly waiters: Array<{ key: string; resolve: () => void }> = [];

  private constructor(
    private readonly server: Server,
    basePath: string,
  ) {
    const { port } = server.address() as AddressInfo;
    this.basePath = basePath;
    this.url = `http://127.0.0.1:${port}${basePath}`;
    server.on('connection', (socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
  }

  /** Starts an edge on a free loopback port, serving under `basePath` (default "/cdn-edge/"). */
  static async start(basePath = '/cdn-edge/'): Promise<CdnEdge> {
    let edge: CdnEdge | undefined;
    const server = createServer((req, res) => edge?.handle(req, res));
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    edge = new CdnEdge(server, basePath);
    return edge;
  }

  /** Where reads are forwarded: the base URL of the origin (http, loopback), ending in "/". */
  setOrigin(originUrl: string): void {
    const url = new URL(originUrl);
    if (url.protocol !== 'http:') throw new Error(`conformance: the origin must be http, got ${originUrl}`);
    if (!url.pathname.endsWith('/')) url.pathname += '/';
    this.origin = url;
  }

  /** Answers reads of `key` with `fault` until the faults are cleared. */
  fault(key: string, fault: EdgeFault): void {
    this.faults.set(key, fault);
  }

  /** Clears the faults of every key that starts with `prefix`. */
  clearFaults(prefix = ''): void {
    for (const key of [...this.faults.keys()]) if (key.startsWith(prefix)) this.faults.delete(key);
  }

  /** Requests received for `key`. */
  requestsFor(key: string): EdgeRequest[] {
    return this.requests.filter((r) => r.key === key);
  }

  /** Resolves once a request for `key` has arrived (at once if one did). */
  waitForRequest(key: string): Promise<void> {
    if (this.requestsFor(key).length > 0) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ key, resolve }));
  }

  /** Drops cached copies: what a CDN's purge API does at its edges. */
  invalidate(target: PurgeTarget): void {
    this.invalidations.push(target);
    if ('all' in target) this.cache.clear();
    else if ('prefix' in target) {
      for (const key of [...this.cache.keys()]) if (key.startsWith(target.prefix)) this.cache.delete(key);
    } else for (const key of target.keys) this.cache.delete(key);
  }

  /**
   * A fetch that sends requests for URLs under `publicBase` to the edge, and every other
   * request to `passThrough` (default the global fetch): for a CDN whose public host is fixed
   * (`https://<bucket>.<region>.cdn.digitaloceanspaces.com/`) and whose fetch is injectable.
   */
  fetchFor(publicBase: string, passThrough: typeof fetch = globalThis.fetch): typeof fetch {
    const base = publicBase.endsWith('/') ? publicBase : `${publicBase}/`;
    return (input, init) => {
      const url = input instanceof Request ? input.url : String(input);
      if (!url.startsWith(base)) return passThrough(input, init);
      return globalThis.fetch(this.url + url.slice(base.length), init);
    };
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    this.server.close();
    if (this.server.listening) await once(this.server, 'close').catch(() => undefined);
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const path = req.url ?? '/';
    const rest = path.startsWith(this.basePath) ? path.slice(this.basePath.length).split('?')[0]! : undefined;
    const key = rest === undefined || rest === '' ? undefined : decodeKeyPath(rest);
    this.requests.push({ key, path, method: req.method ?? 'GET', headers: req.headers });
    for (const waiter of this.waiters.filter((w) => w.key === key)) {
      this.waiters.splice(this.waiters.indexOf(waiter), 1);
      waiter.resolve();
    }
    if (rest === undefined) {
      res
        .writeHead(404, { 'content-type': 'text/plain' })
        .end(`outside the edge's base path ${this.basePath}`);
      return;
    }
    const fault = key === undefined ? undefined : this.faults.get(key);
    if (fault === 'hang') return;
    if (fault === 'reset') {
      req.socket.destroy();
      return;
    }
    if (fault !== undefined) {
      res.writeHead(fault.status, { 'content-type': 'text/plain', ...fault.headers }).end(fault.body ?? '');
      return;
    }
    const cacheable =
      this.caching &&
      key !== undefined &&
      req.method === 'GET' &&
      FORWARDED_REQUEST.every((h) => h === 'accept' || req.headers[h] === undefined);
    const cached = cacheable ? this.cache.get(key) : undefined;
    if (cached !== undefined) {
      res.writeHead(cached.status, { ...cached.headers, 'x-edge-cache': 'hit' }).end(cached.body);
      return;
    }
    this.forward(req, res, rest, cacheable ? key : undefined);
  }

  /** Sends the read to the origin with the path as received, and relays the answer. */
  private forward(
    req: IncomingMessage,
    res: ServerResponse,
    rest: string,
    cacheAs: string | undefined,
  ): void {
    const origin = this.origin;
    if (origin === undefined) {
      res.writeHead(502, { 'content-type': 'text/plain' }).end('the edge has no origin');
      return;
    }
    const headers: Record<string, string> = {};
    for (const name of FORWARDED_REQUEST) {
      const value = req.headers[name];
      if (typeof value === 'string') headers[name] = value;
    }
    const upstream = request(
      {
        host: origin.hostname,
        port: origin.port,
        method: req.method === 'HEAD' ? 'HEAD' : 'GET',
        path: origin.pathname + rest,
        headers,
      },
      (answer) => {
        const relayed: Record<string, string> = {};
        for (const [name, value] of Object.entries(answer.headers)) {
          if (value === undefined || HOP_BY_HOP.has(name)) continue;
          relayed[name] = Array.isArray(value) ? value.join(', ') : value;
        }
        const status = answer.statusCode ?? 502;
        if (cacheAs === undefined || status !== 200) {
          res.writeHead(status, relayed);
          answer.pipe(res);
          return;
        }
        const chunks: Buffer[] = [];
        answer.on('data', (chunk: Buffer) => chunks.push(chunk));
        answer.on('end', () => {
          const body = Buffer.concat(chunks);
          this.cache.set(cacheAs, { status, headers: relayed, body });
          res.writeHead(status, relayed).end(body);
        });
        answer.on('error', () => res.destroy());
      },
    );
    upstream.on('error', (error) => {
      if (!res.headersSent)
        res.writeHead(502, { 'content-type': 'text/plain' }).end(`origin failed: ${error.message}`);
      else res.destroy();
    });
    upstream.end();
  }
}
