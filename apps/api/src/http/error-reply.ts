import { type ErrorKind, isStorageError, StorageError } from '@stowage/core';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';

/** The HTTP status of each error kind. Unmapped kinds are 500 and their message is not shown. */
export const STATUS_OF_KIND: Readonly<Partial<Record<ErrorKind, number>>> = {
  NotFound: 404,
  AlreadyExists: 409,
  PreconditionFailed: 412,
  InvalidKey: 400,
  InvalidInput: 400,
  PermissionDenied: 403,
  PayloadTooLarge: 413,
  Timeout: 504,
  RateLimited: 429,
  Unavailable: 503,
  Conflict: 409,
  Integrity: 400,
  Aborted: 400,
  Unsupported: 501,
};

/** The JSON body of every error: `{ error: { kind, message, requestId } }`. */
export interface ErrorBody {
  error: { kind: string; message: string; requestId: string; retryable?: boolean };
}

/**
 * Renders any error as the service's JSON error. StorageErrors keep their kind and message
 * (they name keys, never secrets or host paths) and get the request id; request-shape errors
 * are InvalidInput; anything else is a 500 whose details go to the log only.
 */
export function replyWithError(error: unknown, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  const requestId = String(request.id);
  if (isStorageError(error)) {
    const original = error as StorageError;
    const withId = new StorageError(original.kind, original.message, {
      ...(original.operation === undefined ? {} : { operation: original.operation }),
      ...(original.key === undefined ? {} : { key: original.key }),
      ...(original.backend === undefined ? {} : { backend: original.backend }),
      retryable: original.retryable,
      requestId,
      cause: original,
    });
    const auth = withId.kind === 'PermissionDenied' && withId.operation === 'authenticate';
    const status = auth ? 401 : (STATUS_OF_KIND[withId.kind] ?? 500);
    if (status === 500) {
      request.log.error({ err: withId }, 'unexpected storage failure');
      return send(reply, 500, 'Unexpected', 'The server failed to handle this request', requestId);
    }
    if (status >= 500) request.log.warn({ kind: withId.kind, backend: withId.backend }, withId.message);
    if (auth) reply.header('www-authenticate', 'Bearer realm="stowage"');
    if (withId.kind === 'RateLimited' || withId.kind === 'Unavailable') reply.header('retry-after', '1');
    return send(reply, status, withId.kind, withId.message, requestId, withId.retryable);
  }
  if (hasZodFastifySchemaValidationErrors(error)) {
    const first = error.validation[0];
    const where = first?.instancePath
      ? `${error.validationContext ?? 'request'}${first.instancePath}`
      : (error.validationContext ?? 'request');
    return send(reply, 400, 'InvalidInput', `${where}: ${first?.message ?? 'invalid'}`, requestId);
  }
  const fastifyError = error as FastifyError;
  if (typeof fastifyError.statusCode === 'number' && fastifyError.statusCode < 500) {
    const kind =
      fastifyError.statusCode === 413
        ? 'PayloadTooLarge'
        : fastifyError.statusCode === 429
          ? 'RateLimited'
          : fastifyError.statusCode === 404
            ? 'NotFound'
            : 'InvalidInput';
    return send(reply, fastifyError.statusCode, kind, fastifyError.message, requestId);
  }
  request.log.error({ err: error }, 'unexpected failure');
  return send(reply, 500, 'Unexpected', 'The server failed to handle this request', requestId);
}

function send(
  reply: FastifyReply,
  status: number,
  kind: string,
  message: string,
  requestId: string,
  retryable?: boolean,
): FastifyReply {
  const body: ErrorBody = { error: { kind, message, requestId, ...(retryable ? { retryable } : {}) } };
  return reply.code(status).type('application/json; charset=utf-8').send(body);
}
