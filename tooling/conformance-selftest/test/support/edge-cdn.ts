import {
  assertValidKey,
  assertValidPrefix,
  type Cdn,
  type CdnCapabilities,
  type PurgeTarget,
  StorageError,
} from '@stowage/core';
import { encodeKeyPath, type FetchPublicInit, fetchPublic } from '@stowage/kit';
import type { CdnEdge } from '@stowage/testkit';

export interface EdgeCdnOptions {
  /** Declare prefix purge; default true. */
  purgePrefix?: boolean;
  /** An API token it holds (for the secrets case); never shown. */
  token?: string;
}

/**
 * The smallest CDN with a purge API: reads through the suite's edge, and purges by calling
 * `edge.invalidate()` the way a real CDN's API reaches its edges. It runs the purge cases of
 * the Cdn suite, which no published CDN with a cache can run on loopback.
 */
export class EdgeCdn implements Cdn {
  readonly name = 'edge-cdn';
  readonly capabilities: CdnCapabilities;
  readonly #token: string | undefined;

  constructor(
    protected readonly edge: CdnEdge,
    options: EdgeCdnOptions = {},
  ) {
    this.capabilities = Object.freeze({ purge: true, purgePrefix: options.purgePrefix ?? true });
    this.#token = options.token;
  }

  publicUrl(key: string): string {
    assertValidKey(key, { operation: 'publicUrl', backend: this.name });
    return this.edge.url + encodeKeyPath(key);
  }

  async fetch(key: string, init?: FetchPublicInit): Promise<Response> {
    return fetchPublic(globalThis.fetch, this.publicUrl(key), init, {
      operation: 'cdnFetch',
      key,
      backend: this.name,
    });
  }

  async purge(target: PurgeTarget): Promise<void> {
    const ctx = { operation: 'purge', backend: this.name };
    if ('keys' in target) for (const key of target.keys) assertValidKey(key, ctx);
    else if ('prefix' in target) {
      if (!this.capabilities.purgePrefix) throw new StorageError('Unsupported', 'no prefix purge', ctx);
      assertValidPrefix(target.prefix, ctx);
    }
    this.edge.invalidate(target);
  }
}
