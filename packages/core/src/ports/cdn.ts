export interface CdnCapabilities {
  purge: boolean;
  purgePrefix: boolean;
}

export type PurgeTarget = { keys: string[] } | { prefix: string } | { all: true };

/**
 * A content delivery network in front of a store's public objects.
 * Methods may also throw `Timeout`, `Unavailable` or `Unexpected`.
 */
export interface Cdn {
  readonly name: string;
  readonly capabilities: CdnCapabilities;

  /**
   * The public URL of `key` (path segments percent-encoded). Pure: no I/O.
   * @throws InvalidKey for an invalid key.
   */
  publicUrl(key: string): string;

  /**
   * Reads through the CDN (may be stale by the CDN's TTL: use the store for fresh reads).
   * @throws NotFound on 404; `PermissionDenied` on 401/403.
   */
  fetch(key: string, init?: { signal?: AbortSignal; headers?: Record<string, string> }): Promise<Response>;

  /**
   * Invalidates cached copies.
   * @throws Unsupported where `capabilities.purge` (or `purgePrefix` for a prefix) is false.
   * @throws PermissionDenied when the CDN API refuses the credentials.
   * @throws RateLimited when the CDN API throttles.
   */
  purge(target: PurgeTarget): Promise<void>;
}
