import { type ErrorKind, StorageError } from '@stowage/core';
import { errorFromFetchFailure, kindFromHttpStatus, type Secret } from '@stowage/kit';
import * as z from 'zod/mini';

/** A CDN endpoint as `GET /v2/cdn/endpoints` reports it (the fields we use). */
export interface DigitalOceanCdnEndpoint {
  id: string;
  origin: string;
  endpoint?: string;
  custom_domain?: string;
}

export interface DigitalOceanCdnApiConfig {
  /** Personal access token (needs `cdn:read` for lookup and `cdn:delete` for purge); revealed only into the Authorization header. */
  token: Secret;
  /** e.g. `https://api.digitalocean.com/` (ending with "/"). */
  baseUrl: string;
  fetch: typeof globalThis.fetch;
  /** Per-request timeout in ms. */
  timeoutMs: number;
  /** Name used in errors. */
  backend: string;
}

const endpointSchema = z.looseObject({
  id: z.string().check(z.minLength(1)),
  origin: z.string(),
  endpoint: z.optional(z.string()),
  custom_domain: z.nullish(z.string()),
});

const listSchema = z.looseObject({
  endpoints: z.array(endpointSchema),
  links: z.optional(z.looseObject({ pages: z.optional(z.looseObject({ next: z.optional(z.string()) })) })),
});

const errorBodySchema = z.looseObject({
  id: z.optional(z.string()),
  message: z.optional(z.string()),
  request_id: z.optional(z.string()),
});

/** DigitalOcean's largest page; fewer round trips against a 5-requests-per-10s limit. */
const PER_PAGE = 200;
/** A guard against a server that always says there is a next page. */
const MAX_PAGES = 100;

/**
 * The two DigitalOcean API calls the Spaces CDN needs, over plain fetch:
 * `GET /v2/cdn/endpoints` (paginated) and `DELETE /v2/cdn/endpoints/{id}/cache`.
 * Failures map to StorageError kinds in one table (see `kindForStatus`).
 */
export class DigitalOceanCdnApi {
  constructor(private readonly config: DigitalOceanCdnApiConfig) {}

  /**
   * Every CDN endpoint of the account, following pagination.
   * @throws PermissionDenied (401/403), RateLimited (429), Unavailable, Timeout, Unexpected.
   */
  async listEndpoints(): Promise<DigitalOceanCdnEndpoint[]> {
    const out: DigitalOceanCdnEndpoint[] = [];
    for (let page = 1; page <= MAX_PAGES; page++) {
      const url = `${this.config.baseUrl}v2/cdn/endpoints?page=${page}&per_page=${PER_PAGE}`;
      const response = await this.send('listCdnEndpoints', url, { method: 'GET' });
      let json: unknown;
      try {
        json = await response.json();
      } catch (error) {
        throw this.unexpected('listCdnEndpoints', `response is not JSON`, response, error);
      }
      const parsed = listSchema.safeParse(json);
      if (!parsed.success) {
        throw this.unexpected(
          'listCdnEndpoints',
          'response has no "endpoints" array',
          response,
          parsed.error,
        );
      }
      for (const e of parsed.data.endpoints) {
        out.push({
          id: e.id,
          origin: e.origin,
          ...(e.endpoint === undefined ? {} : { endpoint: e.endpoint }),
          ...(e.custom_domain == null ? {} : { custom_domain: e.custom_domain }),
        });
      }
      if (parsed.data.links?.pages?.next === undefined || parsed.data.endpoints.length === 0) return out;
    }
    return out;
  }

  /**
   * Purges `files` (paths relative to the bucket; `dir/*` purges a directory, `*` all).
   * DigitalOcean answers 204 with an empty body.
   * @throws NotFound for an unknown endpoint id, PermissionDenied, RateLimited, InvalidInput,
   *   Unavailable, Timeout, Unexpected.
   */
  async purgeCache(endpointId: string, files: readonly string[]): Promise<void> {
    const url = `${this.config.baseUrl}v2/cdn/endpoints/${encodeURIComponent(endpointId)}/cache`;
    const response = await this.send('purge', url, {
      method: 'DELETE',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ files }),
    });
    // 204 has no body; drain anything else a proxy might add so the socket is reused.
    await response.arrayBuffer().catch(() => undefined);
  }

  private async send(operation: string, url: string, init: RequestInit): Promise<Response> {
    const signal = AbortSignal.timeout(this.config.timeoutMs);
    const ctx = { operation, backend: this.config.backend };
    let response: Response;
    try {
      response = await this.config.fetch(url, {
        ...init,
        headers: {
          accept: 'application/json',
          ...(init.headers as Record<string, string> | undefined),
          authorization: `Bearer ${this.config.token.reveal()}`,
        },
        signal,
      });
    } catch (error) {
      throw errorFromFetchFailure(error, signal, ctx);
    }
    if (response.ok) return response;
    throw await this.errorFrom(operation, response);
  }

  private async errorFrom(operation: string, response: Response): Promise<StorageError> {
    const text = await response.text().catch(() => '');
    let id: string | undefined;
    let message: string | undefined;
    let requestId = response.headers.get('x-request-id') ?? undefined;
    try {
      const body = errorBodySchema.safeParse(JSON.parse(text));
      if (body.success) {
        id = body.data.id;
        message = body.data.message;
        requestId = body.data.request_id ?? requestId;
      }
    } catch {
      // Not JSON (a proxy's HTML page): quote it below.
    }
    const status = response.status;
    const kind = kindForStatus(status);
    const detail = message ?? text.trim().replace(/\s+/g, ' ').slice(0, 200);
    const hint = HINTS[status] ?? '';
    const wait = status === 429 ? retryHint(response.headers) : '';
    const error = new StorageError(
      kind,
      `DigitalOcean API ${operation} failed: HTTP ${status}${id === undefined ? '' : ` ${id}`}${detail === '' ? '' : ` (${detail})`}${hint}${wait}`,
      { operation, backend: this.config.backend, status, ...(requestId === undefined ? {} : { requestId }) },
    );
    if (status === 429) RETRY_AFTER.set(error, waitMs(response.headers));
    return error;
  }

  private unexpected(operation: string, what: string, response: Response, cause: unknown): StorageError {
    return new StorageError('Unexpected', `DigitalOcean API ${operation}: ${what}`, {
      operation,
      backend: this.config.backend,
      status: response.status,
      cause,
    });
  }
}

/** DigitalOcean API status → kind. */
export function kindForStatus(status: number): ErrorKind {
  if (status === 401 || status === 403) return 'PermissionDenied';
  if (status === 422) return 'InvalidInput';
  return kindFromHttpStatus(status);
}

const HINTS: Record<number, string> = {
  401: '; check cdn.token',
  403: '; the token needs the cdn:read and cdn:delete scopes',
  404: '; check cdn.endpointId (or that the CDN is enabled for this bucket)',
};

/** How long DigitalOcean asked us to wait, for errors that came from a 429. */
const RETRY_AFTER = new WeakMap<object, number>();

/** Without a hint, wait for DigitalOcean's documented purge window (50 files per 20 s). */
const DEFAULT_RATE_LIMIT_WAIT_MS = 20_000;

/** Milliseconds to wait before retrying, when `error` is a 429 from the DigitalOcean API. */
export function retryAfterMs(error: unknown): number | undefined {
  return typeof error === 'object' && error !== null ? RETRY_AFTER.get(error) : undefined;
}

function waitMs(headers: Headers): number {
  const retryAfter = headers.get('retry-after');
  if (retryAfter !== null && /^\d+$/.test(retryAfter.trim())) return Number(retryAfter.trim()) * 1000;
  const reset = headers.get('ratelimit-reset');
  if (reset !== null && /^\d+$/.test(reset.trim()))
    return Math.max(0, Number(reset.trim()) * 1000 - Date.now());
  return DEFAULT_RATE_LIMIT_WAIT_MS;
}

function retryHint(headers: Headers): string {
  const retryAfter = headers.get('retry-after');
  if (retryAfter !== null) return `; retry after ${retryAfter}s`;
  const reset = headers.get('ratelimit-reset');
  if (reset !== null && /^\d+$/.test(reset))
    return `; rate limit resets at ${new Date(Number(reset) * 1000).toISOString()}`;
  return '';
}
