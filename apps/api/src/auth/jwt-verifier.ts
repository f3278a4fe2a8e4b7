import { StorageError } from '@stowage/core';
import type { Secret } from '@stowage/kit';
import { API_SCOPES, type ApiScope } from '@stowage/services';
import { createRemoteJWKSet, type JWTVerifyGetKey, jwtVerify } from 'jose';
import type { Principal } from './principal.js';

export interface JwtSettings {
  /** HS256 shared secret (local mode, tests). */
  secret?: Secret;
  /** An identity provider's JWKS (production): RS256/ES256/EdDSA keys fetched and cached by jose. */
  jwksUrl?: string;
  issuer?: string;
  audience?: string;
}

/**
 * Verifies JWT bearer tokens with `jose`: signature, `exp`/`nbf` (60 s tolerance), and
 * `iss`/`aud` when configured. Scopes come from `scope` (space-separated, OAuth style) or
 * `scopes` (array); unknown scopes are ignored, so a token for another API grants nothing here.
 */
export class JwtVerifier {
  private readonly key: Uint8Array | JWTVerifyGetKey;
  private readonly algorithms: string[];

  constructor(private readonly settings: JwtSettings) {
    if (settings.jwksUrl !== undefined) {
      this.key = createRemoteJWKSet(new URL(settings.jwksUrl), { timeoutDuration: 5000 });
      this.algorithms = ['RS256', 'PS256', 'ES256', 'EdDSA'];
    } else if (settings.secret !== undefined) {
      this.key = new TextEncoder().encode(settings.secret.reveal());
      this.algorithms = ['HS256'];
    } else {
      throw new StorageError('ConfigInvalid', 'JWT verification needs api.jwtSecret or api.jwksUrl', {
        operation: 'configure',
        backend: 'api',
      });
    }
  }

  /** The principal, or null for a token that does not verify (expired, forged, wrong issuer…). */
  async verify(token: string): Promise<Principal | null> {
    try {
      const { payload } = await jwtVerify(token, this.key as Uint8Array, {
        algorithms: this.algorithms,
        clockTolerance: 60,
        ...(this.settings.issuer === undefined ? {} : { issuer: this.settings.issuer }),
        ...(this.settings.audience === undefined ? {} : { audience: this.settings.audience }),
      });
      if (typeof payload.sub !== 'string' || payload.sub === '') return null;
      const claimed =
        typeof payload.scope === 'string'
          ? payload.scope.split(/\s+/)
          : Array.isArray(payload.scopes)
            ? payload.scopes.filter((s): s is string => typeof s === 'string')
            : [];
      const scopes = new Set(
        claimed.filter((s): s is ApiScope => (API_SCOPES as readonly string[]).includes(s)),
      );
      return { kind: 'jwt', id: `jwt:${payload.sub}`, scopes };
    } catch {
      return null;
    }
  }
}
