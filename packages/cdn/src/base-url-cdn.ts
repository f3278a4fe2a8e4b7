import { type Cdn, type CdnCapabilities, type PurgeTarget, StorageError } from '@stowage/core';
import { baseUrlSchema, type FetchPublicInit, fetchSchema, PublicBaseUrl, parseConfig } from '@stowage/kit';
import * as z from 'zod/mini';

export interface BaseUrlCdnConfig {
  /** Where public objects are served, e.g. `https://cdn.example.com/assets/`. */
  baseUrl: string;
  /** Name used in errors and metrics; default "cdn". */
  name?: string;
  /** The fetch used by `fetch()`; default `globalThis.fetch` (tests route it to a local server). */
  fetch?: typeof globalThis.fetch;
}

interface ParsedBaseUrlCdnConfig {
  baseUrl: string;
  name?: string;
  fetch?: typeof globalThis.fetch;
}

export const baseUrlCdnConfigSchema: z.ZodMiniType<ParsedBaseUrlCdnConfig, BaseUrlCdnConfig> = z.strictObject(
  {
    baseUrl: baseUrlSchema(),
    name: z.optional(z.string().check(z.minLength(1, 'must not be empty'))),
    fetch: z.optional(fetchSchema()),
  },
);

const NO_PURGE: CdnCapabilities = Object.freeze({ purge: false, purgePrefix: false });

/**
 * A CDN (or any static host) that serves public objects under a base URL and offers no
 * purge API: URLs and reads only. Cached copies expire by the CDN's own TTL.
 */
export class BaseUrlCdn implements Cdn {
  readonly name: string;
  readonly capabilities: CdnCapabilities = NO_PURGE;
  /** The normalised base URL, ending with "/". */
  readonly baseUrl: string;
  private readonly urls: PublicBaseUrl;

  /** @throws ConfigInvalid naming the bad setting. */
  constructor(config: BaseUrlCdnConfig) {
    const parsed = parseConfig(baseUrlCdnConfigSchema, config, 'cdn');
    this.name = parsed.name ?? 'cdn';
    this.baseUrl = parsed.baseUrl;
    this.urls = new PublicBaseUrl(parsed.baseUrl, this.name, parsed.fetch);
  }

  /** @throws InvalidKey for an invalid key. */
  publicUrl(key: string): string {
    return this.urls.url(key);
  }

  /**
   * GETs the key through the CDN. Returns 2xx responses (and 304 for conditional requests).
   * @throws NotFound on 404, PermissionDenied on 401/403, RateLimited on 429,
   *   Unavailable on 5xx or a network failure, Aborted when `signal` aborts.
   */
  fetch(key: string, init?: FetchPublicInit): Promise<Response> {
    return this.urls.fetch(key, init);
  }

  /** @throws Unsupported always: a plain base URL has no purge API. */
  async purge(_target: PurgeTarget): Promise<void> {
    throw new StorageError(
      'Unsupported',
      `${this.name} cannot purge: a base-URL CDN has no purge API (cached copies expire by its TTL)`,
      { operation: 'purge', backend: this.name },
    );
  }
}
