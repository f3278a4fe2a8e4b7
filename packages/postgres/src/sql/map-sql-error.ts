import { isStorageError, StorageError } from '@stowage/core';

/** A driver error's SQLSTATE (Postgres) or errno (the socket), when it has one. */
export function errorCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

/** SQLSTATEs that mean "run the transaction again": serialization failure, deadlock. */
export function isRetryableConflict(error: unknown): boolean {
  const code = errorCode(error);
  return code === '40001' || code === '40P01';
}

const UNAVAILABLE_ERRNO = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENOTFOUND',
]);

/**
 * The StorageError for a database failure. Connection trouble (refused, reset, terminated by
 * the server, shutting down, too many clients) is `Unavailable` and retryable; a query
 * cancelled for its statement timeout is `Timeout`; unique violations are for the caller
 * (it knows whether that is `AlreadyExists` or `Conflict`) and arrive here only as a last
 * resort. Messages say what failed, never the connection string.
 */
export function mapSqlError(
  error: unknown,
  ctx: { operation: string; key?: string; backend: string },
): StorageError {
  if (isStorageError(error)) return error.withContext(ctx);
  const code = errorCode(error);
  const message = error instanceof Error ? error.message : String(error);
  if (
    code !== undefined &&
    (UNAVAILABLE_ERRNO.has(code) ||
      code.startsWith('08') ||
      code === '57P01' ||
      code === '57P02' ||
      code === '57P03' ||
      code === '53300')
  ) {
    return new StorageError('Unavailable', `The database is unavailable (${code}): ${message}`, {
      ...ctx,
      cause: error,
    });
  }
  if (/Connection terminated|Client has encountered a connection error|connection is closed/i.test(message)) {
    return new StorageError('Unavailable', `The database connection was lost: ${message}`, {
      ...ctx,
      cause: error,
    });
  }
  if (code === '57014')
    return new StorageError('Timeout', `The database cancelled the statement: ${message}`, {
      ...ctx,
      cause: error,
    });
  if (isRetryableConflict(error)) {
    return new StorageError('Conflict', `The database could not serialise the transaction (${code})`, {
      ...ctx,
      retryable: true,
      cause: error,
    });
  }
  if (code === '23505')
    return new StorageError('Conflict', `A concurrent write got there first: ${message}`, {
      ...ctx,
      cause: error,
    });
  if (code?.startsWith('22')) {
    return new StorageError('InvalidInput', `The database refused a value (${code}): ${message}`, {
      ...ctx,
      cause: error,
    });
  }
  return new StorageError(
    'Unexpected',
    `Database failure${code === undefined ? '' : ` (${code})`}: ${message}`,
    {
      ...ctx,
      cause: error,
    },
  );
}
