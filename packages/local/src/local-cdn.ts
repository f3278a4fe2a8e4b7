import {
  assertValidKey,
  assertValidPrefix,
  type Cdn,
  type CdnCapabilities,
  type PurgeTarget,
} from '@stowage/core';
import { baseUrlSchema, type FetchPublicInit, fetchSchema, PublicBaseUrl, parseConfig } from '@stowage/kit';
import * as z from 'zod/mini';

/** Configuration of `LocalCdn`. */
export interface LocalCdnConfig {
  /** Base URL of the local server serving the store's public objects (the store's `publicBaseUrl`). */
  baseUrl: string;
  /** Default `globalThis.fetch`. */
  fetch?: typeof globalThis.fetch;
}

export const localCdnConfigSchema: z.ZodMiniType<LocalCdnConfig, LocalCdnConfig> = z.strictObject(
  {
    baseUrl: baseUrlSchema(),
    fetch: z.optional(fetchSchema()),
  },
  'must be an object of settings ({ baseUrl, … })',
);

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
  private readonly urls: PublicBaseUrl;

  /** @throws ConfigInvalid naming the bad setting. */
  constructor(config: LocalCdnConfig) {
    const parsed = parseConfig(localCdnConfigSchema, config, 'local-cdn');
    this.baseUrl = parsed.baseUrl;
    this.urls = new PublicBaseUrl(parsed.baseUrl, this.name, parsed.fetch);
  }

  /** @throws InvalidKey for an invalid key. */
  publicUrl(key: string): string {
    return this.urls.url(key);
  }

  /**
   * GETs the object through the local server (2xx, or 304 for a conditional request).
   * @throws NotFound on 404, PermissionDenied on 401/403 (a private object), Unavailable when
   *   the server cannot be reached, Aborted (Timeout for a timed-out signal) when `signal` aborts.
   */
  fetch(key: string, init?: FetchPublicInit): Promise<Response> {
    return this.urls.fetch(key, init);
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
