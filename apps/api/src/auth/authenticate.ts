import { StorageError } from '@stowage/core';
import type { ApiKeys } from '@stowage/services';
import type { JwtVerifier } from './jwt-verifier.js';
import type { Principal } from './principal.js';

/**
 * The principal a request's credentials name: `X-Api-Key: <token>` or
 * `Authorization: Bearer <token>`, where the token is an API key (`sk_….…`) or a JWT.
 * No credentials: null (anonymous, allowed where a route allows it). Credentials that do not
 * verify: PermissionDenied — a client that sent a wrong key learns so at once instead of
 * being served as anonymous.
 */
export async function authenticate(
  headers: Record<string, string | string[] | undefined>,
  keys: ApiKeys,
  jwt: JwtVerifier | undefined,
): Promise<Principal | null> {
  const token = credentialsOf(headers);
  if (token === undefined) return null;
  if (token.startsWith('sk_')) {
    const key = await keys.authenticate(token);
    if (key !== null) return { kind: 'api-key', id: key.id, scopes: new Set(key.scopes) };
  } else if (jwt !== undefined && token.split('.').length === 3) {
    const principal = await jwt.verify(token);
    if (principal !== null) return principal;
  }
  throw new StorageError(
    'PermissionDenied',
    'The credentials are not valid (unknown, revoked, expired or tampered)',
    {
      operation: 'authenticate',
    },
  );
}

function credentialsOf(headers: Record<string, string | string[] | undefined>): string | undefined {
  const apiKey = headers['x-api-key'];
  if (typeof apiKey === 'string' && apiKey !== '') return apiKey.trim();
  const authorization = headers.authorization;
  if (typeof authorization !== 'string') return undefined;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
  if (match === null) {
    throw new StorageError('PermissionDenied', 'Authorization must be "Bearer <token>"', {
      operation: 'authenticate',
    });
  }
  return match[1];
}
