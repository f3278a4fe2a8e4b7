import { type ErrorKind, isStorageError, StorageError } from '@stowage/core';

export type Ctx = { operation: string; key?: string; backend: string };

/** The one table mapping filesystem errno codes to error kinds. */
const KIND_BY_CODE: Record<string, ErrorKind> = {
  ENOENT: 'NotFound',
  ENOTDIR: 'NotFound',
  EACCES: 'PermissionDenied',
  EPERM: 'PermissionDenied',
  EROFS: 'PermissionDenied',
  ELOOP: 'PermissionDenied',
  EEXIST: 'AlreadyExists',
  ENOTEMPTY: 'Conflict',
  EISDIR: 'Conflict',
  ENAMETOOLONG: 'InvalidKey',
  ENOSPC: 'Unavailable',
  EDQUOT: 'Unavailable',
  EMFILE: 'Unavailable',
  ENFILE: 'Unavailable',
  EAGAIN: 'Unavailable',
  EBUSY: 'Unavailable',
  EIO: 'Unavailable',
  EFBIG: 'PayloadTooLarge',
};

export function errnoCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

/** Any failure as a StorageError with the operation context filled in. */
export function toStorageError(error: unknown, ctx: Ctx): StorageError {
  if (isStorageError(error)) return error.withContext(ctx);
  const code = errnoCode(error);
  const kind = code === undefined ? 'Unexpected' : (KIND_BY_CODE[code] ?? 'Unexpected');
  const message = (error as Error)?.message ?? String(error);
  // ENOSPC and friends may clear up; the rest will fail the same way again.
  return new StorageError(kind, `${ctx.operation} failed: ${message}`, { ...ctx, cause: error });
}
