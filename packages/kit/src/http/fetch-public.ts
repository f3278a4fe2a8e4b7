import { assertValidKey } from '@stowage/core';
import { errorFromFetchFailure, errorFromResponse } from './http-errors.js';
import { encodeKeyPath } from './key-path.js';

export interface FetchPublicInit {
  signal?: AbortSignal;
  headers?: Record<string, string>;
}

/**
 * GETs a public URL and returns the response when it is usable (2xx, or 304 for a
 * conditional request). Anything else is consumed and thrown as a StorageError:
 * 404 `NotFound`, 401/403 `PermissionDenied`, 429 `RateLimited`, 5xx `Unavailable`, …
 * A network failure is `Unavailable` (retryable); an aborted signal is `Aborted`.
 */
export async function fetchPublic(
  fetchImpl: typeof globalThis.fetch,
  url: string,
  init: FetchPublicInit | undefined,
  ctx: { operation: string; key: string; backend: string },
): Promise<Response> {
  const signal = init?.signal;
  let response: Response;
  try {
    response = await fetchImpl(url, {
      method: 'GET',
      ...(init?.headers === undefined ? {} : { headers: init.headers }),
      ...(signal === undefined ? {} : { signal }),
    });
  } catch (error) {
    throw errorFromFetchFailure(error, signal, ctx);
  }
  if (response.ok || response.status === 304) return response;
  throw await errorFromResponse(response, ctx, (status) => `HTTP ${status} from ${new URL(url).host}`);
}

/**
 * Public URLs under a base URL and reads through them: what every CDN adapter does alike
 * (`BaseUrlCdn`, `LocalCdn`; `SpacesCdn` through `BaseUrlCdn`).
 */
export class PublicBaseUrl {
  private readonly fetchImpl: typeof globalThis.fetch;

  /**
   * @param baseUrl a normalised base URL, ending with "/" (see `baseUrlSchema`)
   * @param backend the CDN's name, for errors
   * @param fetchImpl default `globalThis.fetch`, looked up at each call
   */
  constructor(
    readonly baseUrl: string,
    private readonly backend: string,
    fetchImpl?: typeof globalThis.fetch,
  ) {
    this.fetchImpl = fetchImpl ?? ((input, init) => globalThis.fetch(input, init));
  }

  /** The key's URL, each segment percent-encoded. @throws InvalidKey for an invalid key. */
  url(key: string): string {
    assertValidKey(key, { operation: 'publicUrl', backend: this.backend });
    return this.baseUrl + encodeKeyPath(key);
  }

  /** GETs the key's URL: see `fetchPublic`. Rejects with InvalidKey, and as `fetchPublic`. */
  async fetch(key: string, init?: FetchPublicInit): Promise<Response> {
    return fetchPublic(this.fetchImpl, this.url(key), init, {
      operation: 'cdnFetch',
      key,
      backend: this.backend,
    });
  }
}
