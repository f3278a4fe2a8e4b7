import {
  assertValidKey,
  assertValidPrefix,
  type Cdn,
  type CdnCapabilities,
  type PurgeTarget,
  StorageError,
} from '@stowage/core';
import { encodeKeyPath, kindFromHttpStatus } from '@stowage/kit';
import { parseLocalOptions } from './options.js';

export interface LocalCdnOptions {
  /** Base URL of the `createLocalServer` serving the store's public objects. */
  baseUrl: string;
  /** Default `globalThis.fetch`. */
  fetch?: typeof globalThis.fetch;
}

/**
 * The "CDN" of local mode: public URLs on the local server. There is no cache between the
 * server and the files, so every read is fresh and a purge has nothing to invalidate: it
 * succeeds immediately, which is exactly the guarantee a purge gives (the next read sees the
 * current object). Hence purge and purgePrefix are declared supported, so code written for a
 * real CDN runs unchanged in local mode.
 */
export class LocalCdn implements Cdn {
  readonly name = 'local-cdn';
  readonly capabilities: CdnCapabilities = Object.freeze({ purge: true, purgePrefix: true });
  /** Ends with "/". */
  readonly baseUrl: string;
  private readonly fetchImpl: typeof globalThis.fetch;

  /** @throws ConfigInvalid for a malformed base URL. */
  constructor(options: LocalCdnOptions) {
    // The same rule as the store's publicBaseUrl (absolute http(s), no query or credentials).
    let parsed: ReturnType<typeof parseLocalOptions> | undefined;
    try {
      parsed = parseLocalOptions({ root: '.', publicBaseUrl: options?.baseUrl });
    } catch (cause) {
      const detail = (cause as Error).message.replace(/^Invalid local setting "publicBaseUrl": /, '');
      throw new StorageError('ConfigInvalid', `Invalid local-cdn setting "baseUrl": ${detail}`, {
        backend: this.name,
        operation: 'configure',
        cause,
      });
    }
    if (parsed.publicBaseUrl === undefined) {
      throw new StorageError('ConfigInvalid', 'Invalid local-cdn setting "baseUrl": required', {
        backend: this.name,
        operation: 'configure',
      });
    }
    this.baseUrl = parsed.publicBaseUrl;
    this.fetchImpl = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
  }

  /** @throws InvalidKey for an invalid key. */
  publicUrl(key: string): string {
    assertValidKey(key, { operation: 'publicUrl', backend: this.name });
    return this.baseUrl + encodeKeyPath(key);
  }

  /**
   * GETs the object through the local server.
   * @throws NotFound on 404, PermissionDenied on 401/403 (a private object), Unavailable when
   *   the server cannot be reached, Aborted when `signal` aborts.
   */
  async fetch(
    key: string,
    init?: { signal?: AbortSignal; headers?: Record<string, string> },
  ): Promise<Response> {
    const ctx = { operation: 'cdnFetch', key, backend: this.name };
    const url = this.publicUrl(key);
    let response: Response;
    try {
      response = await this.fetchImpl(url, {
        method: 'GET',
        ...(init?.headers !== undefined ? { headers: init.headers } : {}),
        ...(init?.signal !== undefined ? { signal: init.signal } : {}),
      });
    } catch (cause) {
      if (init?.signal?.aborted) throw new StorageError('Aborted', 'Operation aborted', { ...ctx, cause });
      throw new StorageError('Unavailable', `cdnFetch could not reach ${url}: ${(cause as Error)?.message}`, {
        ...ctx,
        cause,
      });
    }
    if (response.ok || response.status === 304) return response;
    const detail = (await response.text().catch(() => '')).slice(0, 300);
    throw new StorageError(
      kindFromHttpStatus(response.status),
      `cdnFetch failed with HTTP ${response.status}: ${detail}`,
      {
        ...ctx,
        status: response.status,
      },
    );
  }

  /**
   * Nothing is cached, so there is nothing to purge: validates the target and succeeds.
   * @throws InvalidKey for an invalid key or prefix.
   */
  async purge(target: PurgeTarget): Promise<void> {
    const ctx = { operation: 'purge', backend: this.name };
    if ('keys' in target) for (const key of target.keys) assertValidKey(key, ctx);
    else if ('prefix' in target) assertValidPrefix(target.prefix, ctx);
  }
}
