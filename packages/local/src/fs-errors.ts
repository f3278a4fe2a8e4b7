import { type ErrorKind, isStorageError, StorageError } from '@stowage/core';

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

/**
 * A filesystem failure as a StorageError whose message names the errno and the system call,
 * never a path: messages reach HTTP clients of the local server, and the root's location is
 * none of their business (the caller's key is in the error's context). The original error,
 * path and all, stays the `cause` for the operator. StorageErrors pass through; anything
 * else is left for the checked layer (`Unexpected`).
 */
export function fromFsError(error: unknown): unknown {
  if (isStorageError(error)) return error;
  const code = errnoCode(error);
  if (code === undefined || !(error instanceof Error)) return error;
  const kind = KIND_BY_CODE[code] ?? 'Unexpected';
  return new StorageError(kind, `The filesystem failed: ${describeErrno(error, code)}`, { cause: error });
}

/** "EMFILE: too many open files (open)" from Node's "EMFILE: too many open files, open '/path'". */
function describeErrno(error: Error, code: string): string {
  const syscall = (error as { syscall?: unknown }).syscall;
  const at = typeof syscall === 'string' ? error.message.indexOf(`, ${syscall}`) : -1;
  const text = at > 0 ? error.message.slice(0, at) : code;
  // Whatever shape the message had, no path of the error may survive in it.
  const safe = stripPaths(text, error);
  return typeof syscall === 'string' ? `${safe} (${syscall})` : safe;
}

function stripPaths(text: string, error: Error): string {
  let out = text;
  for (const field of ['path', 'dest'] as const) {
    const path = (error as { path?: unknown; dest?: unknown })[field];
    if (typeof path === 'string' && path !== '') out = out.split(path).join('<path>');
  }
  return out;
}
