import { errorFromFetchFailure, errorFromResponse } from './http-errors.js';

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
