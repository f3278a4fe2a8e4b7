import type { ApiScope } from '@stowage/services';

/** Who a request acts as: an API key or a JWT subject, with its scopes. */
export interface Principal {
  kind: 'api-key' | 'jwt';
  /** The key id or the token's `sub`: what rate limits and audit events are keyed by. */
  id: string;
  scopes: ReadonlySet<ApiScope>;
}

/** `admin` implies `write`, which implies `read`. */
export function hasScope(principal: Principal | null, scope: ApiScope): boolean {
  if (principal === null) return false;
  if (principal.scopes.has('admin')) return true;
  if (scope === 'read') return principal.scopes.has('read') || principal.scopes.has('write');
  return principal.scopes.has(scope);
}
