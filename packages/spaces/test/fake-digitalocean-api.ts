import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A local stand-in for the two DigitalOcean API calls the Spaces CDN makes, strict about
 * the request shape DigitalOcean documents (api.digitalocean.com, CDN Endpoints):
 *   GET    /v2/cdn/endpoints?page=&per_page=  (per_page 1..200, default 20; links.pages.next)
 *   DELETE /v2/cdn/endpoints/{cdn_id}/cache  with Authorization: Bearer, Content-Type:
 *          application/json and a body of exactly {"files": [non-empty strings]} → 204.
 * It answers 401 for a wrong token, 404 for an unknown endpoint, 400 for a malformed
 * request, and 429 beyond `filesPerWindow` purged files (the documented 50 per 20 s).
 * Anything the client gets wrong is recorded in `violations` and answered with 400.
 */
export interface FakeEndpoint {
  id: string;
  origin: string;
  endpoint: string;
  custom_domain?: string;
  certificate_id?: string;
  ttl: number;
  created_at: string;
}

export interface RecordedRequest {
  method: string;
  url: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingMessage['headers'];
  body: string;
}

export class FakeDigitalOceanApi {
  readonly requests: RecordedRequest[] = [];
  readonly violations: string[] = [];
  /** Every file path successfully purged, per endpoint id, in order. */
  readonly purged = new Map<string, string[]>();
  endpoints: FakeEndpoint[] = [];
  token = 'dop_v1_test-token';
  /** Files DigitalOcean purges per rate-limit window (50 per 20 s). */
  filesPerWindow = 50;
  usedInWindow = 0;
  /** Retry-After sent with a 429 (seconds). */
  retryAfterSeconds = 20;
  /** When true, a 429 also "lets the window pass", as if the client had waited. */
  resetWindowOnThrottle = false;
  /** Forces the next responses to these statuses (for 403/500 cases). */
  forcedStatuses: number[] = [];
  /** While set, purge responses wait for it (to observe concurrent requests). */
  gate: Promise<void> | undefined;
  /** Called with each purge DigitalOcean accepted, before it answers 204 (e.g. to clear an edge). */
  onPurge: ((endpointId: string, files: readonly string[]) => void) | undefined;
  private server: Server | undefined;
  private inFlightBodies = new Set<string>();
  url = '';

  async start(): Promise<this> {
    this.server = createServer((req, res) => void this.handle(req, res));
    this.server.listen(0, '127.0.0.1');
    await once(this.server, 'listening');
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    this.server?.close();
  }

  addEndpoint(bucket: string, region: string, id: string, customDomain?: string): FakeEndpoint {
    const e: FakeEndpoint = {
      id,
      origin: `${bucket}.${region}.digitaloceanspaces.com`,
      endpoint: `${bucket}.${region}.cdn.digitaloceanspaces.com`,
      ttl: 3600,
      created_at: '2018-07-19T15:04:16Z',
      ...(customDomain === undefined
        ? {}
        : { custom_domain: customDomain, certificate_id: '892071a0-bb95-49bc-8021-3afd67a210bf' }),
    };
    this.endpoints.push(e);
    return e;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks).toString('utf8');
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const rec: RecordedRequest = {
      method: req.method ?? '',
      url: req.url ?? '',
      path: url.pathname,
      query: url.searchParams,
      headers: req.headers,
      body,
    };
    this.requests.push(rec);

    if (req.headers.authorization !== `Bearer ${this.token}`) {
      if (req.headers.authorization !== undefined && !/^Bearer \S+$/.test(req.headers.authorization)) {
        this.violations.push(`malformed Authorization header: ${req.headers.authorization}`);
      }
      return json(res, 401, { id: 'unauthorized', message: 'Unable to authenticate you.' });
    }
    const forced = this.forcedStatuses.shift();
    if (forced !== undefined) {
      return json(res, forced, {
        id: `forced_${forced}`,
        message: `Forced ${forced}`,
        request_id: `req-${forced}`,
      });
    }

    if (req.method === 'GET' && url.pathname === '/v2/cdn/endpoints') return this.list(url, res);
    const m = /^\/v2\/cdn\/endpoints\/([^/]+)\/cache$/.exec(url.pathname);
    if (m !== null) {
      if (req.method !== 'DELETE') return this.bad(res, `purge must be DELETE, got ${req.method}`);
      return this.purge(decodeURIComponent(m[1] ?? ''), req, body, res);
    }
    this.violations.push(`unexpected request ${req.method} ${req.url}`);
    return json(res, 404, { id: 'not_found', message: 'The resource you requested could not be found.' });
  }

  private list(url: URL, res: ServerResponse): void {
    const page = Number(url.searchParams.get('page') ?? '1');
    const perPage = Number(url.searchParams.get('per_page') ?? '20');
    if (!Number.isInteger(page) || page < 1) {
      this.bad(res, `page must be an integer >= 1`);
      return;
    }
    if (!Number.isInteger(perPage) || perPage < 1 || perPage > 200) {
      this.bad(res, `per_page must be 1..200`);
      return;
    }
    const start = (page - 1) * perPage;
    const endpoints = this.endpoints.slice(start, start + perPage);
    const lastPage = Math.max(1, Math.ceil(this.endpoints.length / perPage));
    const link = (p: number) => `https://api.digitalocean.com/v2/cdn/endpoints?page=${p}&per_page=${perPage}`;
    const pages: Record<string, string> = {};
    if (page > 1) Object.assign(pages, { first: link(1), prev: link(page - 1) });
    if (page < lastPage) Object.assign(pages, { next: link(page + 1), last: link(lastPage) });
    json(res, 200, { endpoints, links: { pages }, meta: { total: this.endpoints.length } });
  }

  private async purge(id: string, req: IncomingMessage, body: string, res: ServerResponse): Promise<void> {
    const contentType = req.headers['content-type'] ?? '';
    if (!/^application\/json(\s*;.*)?$/i.test(contentType)) {
      return this.bad(res, `purge needs Content-Type: application/json, got ${JSON.stringify(contentType)}`);
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(body);
    } catch {
      return this.bad(res, `purge body is not JSON: ${body.slice(0, 80)}`);
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
      return this.bad(res, 'purge body must be an object');
    const keys = Object.keys(parsed);
    if (keys.length !== 1 || keys[0] !== 'files')
      return this.bad(res, `purge body must have only "files", got ${keys.join(',')}`);
    const files = (parsed as { files: unknown }).files;
    if (
      !Array.isArray(files) ||
      files.length === 0 ||
      !files.every((f) => typeof f === 'string' && f.length > 0)
    ) {
      return this.bad(res, 'files must be a non-empty array of non-empty strings');
    }
    const endpoint = this.endpoints.find((e) => e.id === id);
    if (endpoint === undefined) {
      return json(res, 404, { id: 'not_found', message: 'The resource you requested could not be found.' });
    }
    if (this.inFlightBodies.has(id + body)) {
      this.violations.push(`two identical purge requests at the same time: ${body}`);
      return json(res, 409, { id: 'conflict', message: 'identical purge in progress' });
    }
    // A wildcard path counts as one file.
    if (this.usedInWindow + files.length > this.filesPerWindow) {
      if (this.resetWindowOnThrottle) this.usedInWindow = 0;
      res.setHeader('retry-after', String(this.retryAfterSeconds));
      res.setHeader('ratelimit-limit', '5000');
      res.setHeader('ratelimit-remaining', '4990');
      return json(res, 429, { id: 'too_many_requests', message: 'API Rate limit exceeded.' });
    }
    this.usedInWindow += files.length;
    this.inFlightBodies.add(id + body);
    try {
      if (this.gate !== undefined) await this.gate;
    } finally {
      this.inFlightBodies.delete(id + body);
    }
    const list = this.purged.get(id) ?? [];
    list.push(...(files as string[]));
    this.purged.set(id, list);
    this.onPurge?.(id, files as string[]);
    res.writeHead(204).end();
  }

  private bad(res: ServerResponse, why: string): void {
    this.violations.push(why);
    json(res, 400, { id: 'bad_request', message: why });
  }
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res
    .writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'x-request-id': `hdr-${status}` })
    .end(JSON.stringify(body));
}
