import { abortedError, isStorageError, StorageError } from '@stowage/core';

export interface OperationContext {
  operation: string;
  key?: string;
  backend: string;
}

/**
 * Any failure as a StorageError carrying the operation's context. A StorageError keeps its
 * kind (context it lacks is filled in); a bare abort under an aborted signal becomes
 * `Aborted` (or `Timeout`); anything else is `Unexpected`, with the original as `cause`.
 */
export function storageErrorFrom(error: unknown, ctx: OperationContext, signal?: AbortSignal): StorageError {
  if (isStorageError(error)) return error.withContext(ctx);
  if (signal?.aborted || (error as { name?: unknown } | null)?.name === 'AbortError') {
    return abortedError(signal, ctx);
  }
  const message = error instanceof Error ? error.message : String(error);
  return new StorageError('Unexpected', `${ctx.operation} failed: ${message}`, { ...ctx, cause: error });
}
