import { StorageError } from '@stowage/core';
import type { ApiScope } from '@stowage/services';
import type { FastifyRequest } from 'fastify';
import { hasScope } from '../auth/principal.js';

/** A preHandler: anonymous requests get 401, authenticated ones without the scope 403. */
export function requireScope(scope: ApiScope) {
  return async (request: FastifyRequest): Promise<void> => {
    if (request.principal === null) {
      throw new StorageError(
        'PermissionDenied',
        'Authentication required (X-Api-Key or Authorization: Bearer)',
        {
          operation: 'authenticate',
        },
      );
    }
    if (!hasScope(request.principal, scope)) {
      throw new StorageError('PermissionDenied', `This needs the ${scope} scope`, { operation: 'authorize' });
    }
  };
}
