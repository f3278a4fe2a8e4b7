import type { Cdn } from '@stowage/core';
import type { CdnEdge } from './cdn-edge.js';

/** The CDN under test and what puts objects behind it. */
export interface CdnTarget {
  cdn: Cdn;
  /**
   * Base URL (http, loopback, ending in "/") of the origin that serves published objects by
   * their percent-encoded key path: the edge forwards every unscripted read there, path as
   * received. E.g. a memory or local store's object server, or a bucket's public endpoint.
   */
  originUrl: string;
  /**
   * Makes `bytes` readable under `key` through the origin, replacing what was there: e.g.
   * `store.put(key, bytes, { visibility: 'public' })`.
   */
  publish(key: string, bytes: Uint8Array): Promise<void>;
  /** Removes a published object (the suite calls it after each case, best effort). */
  unpublish?(key: string): Promise<void>;
  /**
   * The fetch that reaches `cdn.publicUrl(key)` (default the global fetch). For a CDN whose
   * public host is fixed, route it to the edge with `edge.fetchFor(publicBase)`.
   */
  fetch?: typeof fetch;
  /**
   * Set when the CDN's purge reaches `edge.invalidate()` (e.g. a stub of its purge API calls
   * it): the edge then caches what it serves, and the purge cases prove a stale copy is gone.
   * Leave unset for a CDN with no cache (local mode): purge cases then check only that reads
   * after a purge see the current bytes.
   */
  purgeReachesEdge?: boolean;
}

export interface CdnConformanceOptions {
  /** Shown in the suite title ("base-url", "spaces (stub API)", …). */
  name: string;
  /**
   * Called once, in beforeAll, with the suite's running edge: build the CDN so that its reads
   * reach `edge.url` (its base URL), or `edge.fetchFor(publicBase)` for a fixed public host.
   */
  create(edge: CdnEdge): CdnTarget | Promise<CdnTarget>;
  /** Called once, in afterAll, before the edge closes. */
  cleanup?(target: CdnTarget): void | Promise<void>;
  /**
   * Secrets the CDN was configured with (API tokens): none may show in `util.inspect`,
   * `JSON.stringify` or `String` of the CDN or its errors. Without them that case is skipped.
   */
  secrets?: readonly string[];
}
