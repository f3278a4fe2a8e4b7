import { abortedError, type ErrorKind, StorageError } from '@stowage/core';
import { kindFromHttpStatus } from './kind-from-http-status.js';

export interface ErrorContext {
  operation: string;
  key?: string;
  backend: string;
}

/** Keeps error messages readable when a server answers with a whole HTML page. */
const MAX_DETAIL_CHARS = 300;

/**
 * The StorageError for a failed HTTP response. Consumes the body (an unread body holds
 * the connection) and quotes the start of it in the message.
 */
export async function errorFromResponse(
  response: Response,
  ctx: ErrorContext,
  describe: (status: number) => string = (status) => `HTTP ${status}`,
): Promise<StorageError> {
  const detail = await readDetail(response);
  const kind: ErrorKind = kindFromHttpStatus(response.status);
  const requestId =
    response.headers.get('x-request-id') ??
    response.headers.get('x-amz-request-id') ??
    response.headers.get('cf-ray') ??
    undefined;
  const suffix = detail === '' ? '' : `: ${detail}`;
  return new StorageError(kind, `${ctx.operation} failed with ${describe(response.status)}${suffix}`, {
    ...ctx,
    status: response.status,
    requestId,
  });
}

async function readDetail(response: Response): Promise<string> {
  try {
    const text = (await response.text()).trim().replace(/\s+/g, ' ');
    return text.length > MAX_DETAIL_CHARS ? `${text.slice(0, MAX_DETAIL_CHARS)}…` : text;
  } catch {
    return '';
  }
}

/**
 * The StorageError for a fetch that threw before any response: aborted by the caller,
 * timed out, or a network failure (refused, reset, DNS), which is worth retrying.
 */
export function errorFromFetchFailure(
  error: unknown,
  signal: AbortSignal | undefined,
  ctx: ErrorContext,
): StorageError {
  // One rule for every store and CDN: a timed-out signal is Timeout, any other abort Aborted.
  if (signal?.aborted) return abortedError(signal, ctx);
  const cause = error instanceof Error && error.cause !== undefined ? error.cause : error;
  const code = (cause as { code?: unknown } | undefined)?.code;
  const what = typeof code === 'string' ? code : error instanceof Error ? error.message : String(error);
  return new StorageError('Unavailable', `${ctx.operation} could not reach the server (${what})`, {
    ...ctx,
    cause: error,
  });
}
