import { setTimeout as sleep } from 'node:timers/promises';
import { BaseUrlCdn } from '@stowage/cdn';
import {
  assertValidKey,
  assertValidPrefix,
  type Cdn,
  type CdnCapabilities,
  type PurgeTarget,
  StorageError,
} from '@stowage/core';
import {
  baseUrlSchema,
  type FetchPublicInit,
  fetchSchema,
  parseConfig,
  positiveInteger,
  type Secret,
  secretSchema,
} from '@stowage/kit';
import * as z from 'zod/mini';
import { DigitalOceanCdnApi, retryAfterMs } from './digitalocean-cdn-api.js';
import {
  hostnameSchema,
  spacesBucketSchema,
  spacesCdnHost,
  spacesOriginHost,
  spacesRegionSchema,
} from './spaces-names.js';

/** DigitalOcean purges at most 50 files per 20 seconds; a wildcard path counts as one. */
export const DIGITALOCEAN_MAX_PURGE_FILES = 50;
export const DIGITALOCEAN_API_URL = 'https://api.digitalocean.com/';
/** Throttled resends of one batch before giving up, whatever the server says about waiting. */
const MAX_THROTTLED_ATTEMPTS = 5;

export interface SpacesCdnConfig {
  bucket: string;
  /** Datacenter slug, e.g. "nyc3". */
  region: string;
  /** Serve URLs from this domain (configured on the CDN endpoint) instead of the default CDN host. */
  customDomain?: string;
  /**
   * DigitalOcean API token (scopes cdn:read and cdn:delete). Without it, purge is unsupported.
   * Held as a `Secret`: it never shows in logs, `inspect` or JSON.
   */
  token?: string | Secret;
  /** The CDN endpoint id; looked up by the bucket's origin when absent (once, then cached). */
  endpointId?: string;
  /** DigitalOcean API base URL (with or without `/v2`); default https://api.digitalocean.com/ (tests point it at a local server). */
  apiBaseUrl?: string;
  /** The fetch used for CDN reads and API calls; default `globalThis.fetch`. */
  fetch?: typeof globalThis.fetch;
  /** Paths per purge request; default 50 (DigitalOcean's documented purge limit). */
  maxFilesPerRequest?: number;
  /**
   * How long one purge may wait, in total, for DigitalOcean's rate limit to reset before
   * resending a throttled batch (it answers 429 beyond 50 files per 20 s). A 429 whose
   * wait is longer than what is left throws `RateLimited`. Default 60 s; 0 never waits.
   */
  maxRateLimitWaitMs?: number;
  /** Timeout of each DigitalOcean API request in ms; default 30 s. */
  apiTimeoutMs?: number;
  /** Name used in errors and metrics; default "spaces-cdn". */
  name?: string;
}

/** The parsed CDN configuration: the token held as a `Secret`, names normalised. */
export interface ParsedSpacesCdnConfig extends Omit<SpacesCdnConfig, 'token'> {
  token?: Secret;
}

/** The CDN settings beside the bucket and region (what a Spaces store's `cdn` setting holds). */
export const spacesCdnSettings = {
  customDomain: z.optional(hostnameSchema),
  token: z.optional(secretSchema()),
  endpointId: z.optional(
    z
      .string('must be a CDN endpoint id')
      .check(z.regex(/^[A-Za-z0-9-]+$/, 'must be a CDN endpoint id (a UUID)')),
  ),
  apiBaseUrl: z.optional(baseUrlSchema()),
  fetch: z.optional(fetchSchema()),
  maxFilesPerRequest: z.optional(
    z
      .number()
      .check(
        z.refine((n) => Number.isSafeInteger(n) && n >= 1 && n <= 1000, 'must be an integer from 1 to 1000'),
      ),
  ),
  maxRateLimitWaitMs: z.optional(
    z
      .number()
      .check(z.refine((n) => Number.isSafeInteger(n) && n >= 0, 'must be milliseconds (0 = never wait)')),
  ),
  apiTimeoutMs: z.optional(positiveInteger('must be a positive number of milliseconds')),
  name: z.optional(z.string().check(z.minLength(1, 'must not be empty'))),
};

export const spacesCdnConfigSchema: z.ZodMiniType<ParsedSpacesCdnConfig, SpacesCdnConfig> = z.strictObject({
  bucket: spacesBucketSchema,
  region: spacesRegionSchema,
  ...spacesCdnSettings,
});

/**
 * The Spaces CDN: public URLs on `https://{bucket}.{region}.cdn.digitaloceanspaces.com/`
 * (or a custom domain), reads through it, and purge through the DigitalOcean API
 * (`DELETE /v2/cdn/endpoints/{id}/cache`). Purge needs a token; without one the
 * capability is false and purge throws `Unsupported`.
 */
export class SpacesCdn implements Cdn {
  readonly name: string;
  readonly capabilities: CdnCapabilities;
  readonly bucket: string;
  readonly region: string;
  /** The origin host DigitalOcean reports for this bucket's CDN endpoint. */
  readonly originHost: string;
  private readonly urls: BaseUrlCdn;
  private readonly api: DigitalOceanCdnApi | undefined;
  private readonly configuredEndpointId: string | undefined;
  private readonly customDomain: string | undefined;
  private readonly maxFiles: number;
  private readonly maxWaitMs: number;
  private lookup: Promise<string> | undefined;
  // DigitalOcean refuses two identical purge requests at once: identical concurrent batches share one.
  private readonly inFlight = new Map<string, Promise<void>>();

  /** @throws ConfigInvalid naming each bad setting ("Invalid spaces-cdn configuration: …"). */
  constructor(config: SpacesCdnConfig) {
    const c = parseConfig(spacesCdnConfigSchema, config, 'spaces-cdn');
    this.name = c.name ?? 'spaces-cdn';
    this.bucket = c.bucket;
    this.region = c.region;
    this.originHost = spacesOriginHost(c.bucket, c.region);
    this.customDomain = c.customDomain;
    this.configuredEndpointId = c.endpointId;
    this.maxFiles = c.maxFilesPerRequest ?? DIGITALOCEAN_MAX_PURGE_FILES;
    this.maxWaitMs = c.maxRateLimitWaitMs ?? 60_000;
    const fetchImpl = c.fetch ?? ((input, init) => globalThis.fetch(input, init));
    const host = c.customDomain ?? spacesCdnHost(c.bucket, c.region);
    this.urls = new BaseUrlCdn({ baseUrl: `https://${host}/`, name: this.name, fetch: fetchImpl });
    this.api =
      c.token === undefined
        ? undefined
        : new DigitalOceanCdnApi({
            token: c.token,
            // Paths are appended as `v2/...`: accept a base given with the version too.
            baseUrl: (c.apiBaseUrl ?? DIGITALOCEAN_API_URL).replace(/v2\/$/, ''),
            fetch: fetchImpl,
            timeoutMs: c.apiTimeoutMs ?? 30_000,
            backend: this.name,
          });
    const canPurge = this.api !== undefined;
    this.capabilities = Object.freeze({ purge: canPurge, purgePrefix: canPurge });
  }

  /** @throws InvalidKey for an invalid key. */
  publicUrl(key: string): string {
    return this.urls.publicUrl(key);
  }

  /**
   * Reads through the CDN (public objects only; may be stale by the endpoint's TTL).
   * @throws NotFound on 404, PermissionDenied on 401/403 (e.g. a private object), RateLimited,
   *   Unavailable, Aborted.
   */
  fetch(key: string, init?: FetchPublicInit): Promise<Response> {
    return this.urls.fetch(key, init);
  }

  /**
   * Purges keys (in batches of `maxFilesPerRequest`, sent one after another), a prefix
   * (`prefix*`) or everything (`*`). Paths are sent as keys, unencoded, as DigitalOcean
   * documents them; a key containing `*` acts as a wildcard there (it purges more, never less).
   * @throws Unsupported without a token; InvalidKey / InvalidInput for a bad target before any request;
   *   PermissionDenied (401/403); RateLimited (429, retryable; the message says how many paths were
   *   already purged); NotFound for an unknown endpoint id; ConfigInvalid when no CDN endpoint has
   *   this bucket as origin; Unavailable, Timeout.
   */
  async purge(target: PurgeTarget): Promise<void> {
    const api = this.api;
    if (api === undefined) {
      throw new StorageError(
        'Unsupported',
        `${this.name} cannot purge without a DigitalOcean API token (set cdn.token)`,
        {
          operation: 'purge',
          backend: this.name,
        },
      );
    }
    const files = this.filesFor(target);
    if (files.length === 0) return;
    const endpointId = await this.endpointId();
    let done = 0;
    let waited = 0;
    let throttled = 0;
    while (done < files.length) {
      const batch = files.slice(done, done + this.maxFiles);
      try {
        await this.purgeBatch(api, endpointId, batch);
      } catch (error) {
        const wait = retryAfterMs(error);
        if (
          wait !== undefined &&
          this.maxWaitMs > 0 &&
          waited + wait <= this.maxWaitMs &&
          throttled < MAX_THROTTLED_ATTEMPTS
        ) {
          // Throttled: wait for the window, then resend this batch only.
          waited += wait;
          throttled++;
          await sleep(wait);
          continue;
        }
        if (
          error instanceof StorageError &&
          error.kind === 'NotFound' &&
          this.configuredEndpointId === undefined
        ) {
          // The endpoint we looked up is gone (deleted or re-created): look it up afresh next time.
          this.lookup = undefined;
        }
        if (error instanceof StorageError && files.length > batch.length) {
          throw new StorageError(
            error.kind,
            `${error.message} [${done} of ${files.length} paths purged before this batch]`,
            {
              operation: 'purge',
              backend: this.name,
              retryable: error.retryable,
              ...(error.requestId === undefined ? {} : { requestId: error.requestId }),
              ...(error.status === undefined ? {} : { status: error.status }),
              cause: error,
            },
          );
        }
        throw error;
      }
      done += batch.length;
      throttled = 0;
    }
  }

  /**
   * The CDN endpoint id: configured, or looked up once by origin (a failed lookup is retried next time).
   * @throws Unsupported without a token; ConfigInvalid when no endpoint has this bucket as origin.
   */
  endpointId(): Promise<string> {
    if (this.configuredEndpointId !== undefined) return Promise.resolve(this.configuredEndpointId);
    const api = this.api;
    if (api === undefined) {
      return Promise.reject(
        new StorageError(
          'Unsupported',
          `${this.name} needs a DigitalOcean API token (cdn.token) to look up its endpoint`,
          {
            operation: 'lookupCdnEndpoint',
            backend: this.name,
          },
        ),
      );
    }
    if (this.lookup === undefined) {
      const lookup = this.findEndpoint(api);
      this.lookup = lookup;
      lookup.catch(() => {
        if (this.lookup === lookup) this.lookup = undefined;
      });
    }
    return this.lookup;
  }

  private async findEndpoint(api: DigitalOceanCdnApi): Promise<string> {
    const endpoints = await api.listEndpoints();
    const origin = this.originHost;
    const matching = endpoints.filter((e) => e.origin.toLowerCase() === origin);
    const chosen =
      matching.find(
        (e) => this.customDomain !== undefined && e.custom_domain?.toLowerCase() === this.customDomain,
      ) ?? matching[0];
    if (chosen === undefined) {
      throw new StorageError(
        'ConfigInvalid',
        `No DigitalOcean CDN endpoint has origin ${origin} (${endpoints.length} endpoints checked): enable the CDN for the bucket or set cdn.endpointId`,
        { operation: 'lookupCdnEndpoint', backend: this.name },
      );
    }
    return chosen.id;
  }

  private filesFor(target: PurgeTarget): string[] {
    const ctx = { operation: 'purge', backend: this.name };
    const invalid = () =>
      new StorageError(
        'InvalidInput',
        'purge target must be { keys: string[] }, { prefix: string } or { all: true }',
        ctx,
      );
    if (typeof target !== 'object' || target === null) throw invalid();
    if ('all' in target) {
      if (target.all !== true) throw invalid();
      return ['*'];
    }
    if ('prefix' in target) {
      if (typeof target.prefix !== 'string') throw invalid();
      assertValidPrefix(target.prefix, ctx);
      return [`${target.prefix}*`];
    }
    if ('keys' in target && Array.isArray(target.keys)) {
      for (const key of target.keys) assertValidKey(key, ctx);
      return [...new Set(target.keys)];
    }
    throw invalid();
  }

  private purgeBatch(api: DigitalOceanCdnApi, endpointId: string, files: string[]): Promise<void> {
    const id = `${endpointId}\n${JSON.stringify(files)}`;
    const existing = this.inFlight.get(id);
    if (existing !== undefined) return existing;
    const request = api.purgeCache(endpointId, files).finally(() => this.inFlight.delete(id));
    this.inFlight.set(id, request);
    return request;
  }
}
