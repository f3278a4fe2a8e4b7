import type { ServerResponse } from 'node:http';
import { isStorageError } from '@stowage/core';
import { STATUS_OF_KIND } from './error-reply.js';

/** An error on a response the route took over (`reply.hijack()`): same JSON as every other error. */
export function writeRawError(res: ServerResponse, error: unknown, requestId: string): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const known = isStorageError(error) && STATUS_OF_KIND[error.kind] !== undefined;
  const auth =
    isStorageError(error) && error.kind === 'PermissionDenied' && error.operation === 'authenticate';
  const status = auth
    ? 401
    : known
      ? STATUS_OF_KIND[(error as { kind: keyof typeof STATUS_OF_KIND }).kind]!
      : 500;
  const body = JSON.stringify({
    error: {
      kind: known ? (error as { kind: string }).kind : 'Unexpected',
      message: known ? (error as Error).message : 'The server failed to handle this request',
      requestId,
    },
  });
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(body),
    'x-request-id': requestId,
    'x-content-type-options': 'nosniff',
    ...(auth ? { 'www-authenticate': 'Bearer realm="stowage"' } : {}),
  });
  res.end(body);
}
