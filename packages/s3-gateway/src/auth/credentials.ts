import type { ApiKeys } from '@stowage/services';

/** What a request may do; the API keys' scopes. `admin` implies the others. */
export type GatewayScope = 'read' | 'write' | 'admin';

/** The secret an access key signs with, and what the key may do. */
export interface GatewayCredentials {
  secretAccessKey: string;
  scopes: readonly GatewayScope[];
}

/** Looks up access keys. Return null for an unknown or revoked key. */
export interface CredentialsProvider {
  lookup(accessKeyId: string): Promise<GatewayCredentials | null>;
}

/**
 * The service's API keys as S3 credentials: the key id is the access key id and the secret is
 * recomputed (`ApiKeys.secretOf`), so nothing secret is stored; a revoked key stops working
 * at once (looked up per request).
 */
export function apiKeyCredentials(apiKeys: ApiKeys): CredentialsProvider {
  return {
    async lookup(accessKeyId) {
      const key = await apiKeys.find(accessKeyId);
      if (key === null) return null;
      return { secretAccessKey: apiKeys.secretOf(key.id), scopes: key.scopes };
    },
  };
}

/** Fixed credentials (tests, a single-user dev gateway). */
export function staticCredentials(
  keys: Record<string, { secretAccessKey: string; scopes?: readonly GatewayScope[] }>,
): CredentialsProvider {
  return {
    async lookup(accessKeyId) {
      if (!Object.hasOwn(keys, accessKeyId)) return null;
      const key = keys[accessKeyId]!;
      return { secretAccessKey: key.secretAccessKey, scopes: key.scopes ?? ['read', 'write', 'admin'] };
    },
  };
}

export function hasScope(scopes: readonly GatewayScope[], needed: GatewayScope): boolean {
  return scopes.includes('admin') || scopes.includes(needed);
}
