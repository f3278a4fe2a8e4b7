import { abortedError, type ErrorKind, isStorageError, StorageError } from '@stowage/core';
import { kindFromHttpStatus } from '@stowage/kit';

export interface S3ErrorRule {
  kind: ErrorKind;
  /** Overrides the kind's default retryability. */
  retryable?: boolean;
}

/**
 * The one table from S3 error codes (the SDK's `error.name`) to kinds. HTTP statuses not
 * named here fall back to core's `kindFromHttpStatus`.
 */
export const S3_ERROR_TABLE: Readonly<Record<string, S3ErrorRule>> = {
  NoSuchKey: { kind: 'NotFound' },
  NotFound: { kind: 'NotFound' },
  NoSuchBucket: { kind: 'NotFound' },
  NoSuchUpload: { kind: 'NotFound' },
  NoSuchVersion: { kind: 'NotFound' },
  NoSuchLifecycleConfiguration: { kind: 'NotFound' },
  PreconditionFailed: { kind: 'PreconditionFailed' },
  // AWS: a concurrent conditional write or a multipart upload completed meanwhile; retrying is safe.
  ConditionalRequestConflict: { kind: 'Conflict', retryable: true },
  OperationAborted: { kind: 'Conflict', retryable: true },
  BucketNotEmpty: { kind: 'Conflict' },
  BucketAlreadyExists: { kind: 'AlreadyExists' },
  BucketAlreadyOwnedByYou: { kind: 'AlreadyExists' },
  AccessDenied: { kind: 'PermissionDenied' },
  Forbidden: { kind: 'PermissionDenied' },
  AllAccessDisabled: { kind: 'PermissionDenied' },
  InvalidAccessKeyId: { kind: 'PermissionDenied' },
  SignatureDoesNotMatch: { kind: 'PermissionDenied' },
  ExpiredToken: { kind: 'PermissionDenied' },
  InvalidToken: { kind: 'PermissionDenied' },
  AccountProblem: { kind: 'PermissionDenied' },
  RequestTimeTooSkewed: { kind: 'PermissionDenied' },
  AccessControlListNotSupported: { kind: 'Unsupported' },
  NotImplemented: { kind: 'Unsupported' },
  MethodNotAllowed: { kind: 'Unsupported' },
  EntityTooLarge: { kind: 'PayloadTooLarge' },
  MaxMessageLengthExceeded: { kind: 'PayloadTooLarge' },
  EntityTooSmall: { kind: 'InvalidInput' },
  KeyTooLongError: { kind: 'InvalidKey' },
  MetadataTooLarge: { kind: 'InvalidInput' },
  InvalidArgument: { kind: 'InvalidInput' },
  InvalidRequest: { kind: 'InvalidInput' },
  InvalidRange: { kind: 'InvalidInput' },
  InvalidBucketName: { kind: 'InvalidInput' },
  InvalidPart: { kind: 'InvalidInput' },
  InvalidPartOrder: { kind: 'InvalidInput' },
  MalformedXML: { kind: 'InvalidInput' },
  MissingContentLength: { kind: 'InvalidInput' },
  IncompleteBody: { kind: 'Integrity' },
  BadDigest: { kind: 'Integrity' },
  InvalidDigest: { kind: 'Integrity' },
  XAmzContentSHA256Mismatch: { kind: 'Integrity' },
  // The SDK's own response-checksum validation failure.
  ChecksumMismatch: { kind: 'Integrity' },
  SlowDown: { kind: 'RateLimited' },
  Throttling: { kind: 'RateLimited' },
  ThrottlingException: { kind: 'RateLimited' },
  TooManyRequestsException: { kind: 'RateLimited' },
  RequestLimitExceeded: { kind: 'RateLimited' },
  RequestTimeout: { kind: 'Timeout' },
  TimeoutError: { kind: 'Timeout' },
  RequestTimeoutException: { kind: 'Timeout' },
  InternalError: { kind: 'Unavailable' },
  ServiceUnavailable: { kind: 'Unavailable' },
  AbortError: { kind: 'Aborted' },
};

/** Node network error codes (before any HTTP response) → kind. */
export const NETWORK_ERROR_TABLE: Readonly<Record<string, S3ErrorRule>> = {
  ECONNREFUSED: { kind: 'Unavailable' },
  ECONNRESET: { kind: 'Unavailable' },
  EPIPE: { kind: 'Unavailable' },
  EHOSTUNREACH: { kind: 'Unavailable' },
  ENETUNREACH: { kind: 'Unavailable' },
  ENOTFOUND: { kind: 'Unavailable' },
  EAI_AGAIN: { kind: 'Unavailable' },
  ETIMEDOUT: { kind: 'Timeout' },
  ECONNABORTED: { kind: 'Timeout' },
  UND_ERR_SOCKET: { kind: 'Unavailable' },
};

export interface ErrorContext {
  operation: string;
  key?: string;
  backend: string;
}

interface SdkErrorShape {
  name?: string;
  Code?: string;
  code?: string;
  message?: string;
  stack?: string;
  $metadata?: { httpStatusCode?: number; requestId?: string; extendedRequestId?: string };
}

/**
 * What a mapped error keeps of the SDK's (or the network's) failure: name, message, code, HTTP
 * status and request ids. Never the rest: an SDK service error carries the raw `$response` and,
 * for signature failures, the server's `CanonicalRequest`, `StringToSign`, `AWSAccessKeyId` and
 * `SignatureProvided`, none of which may reach a log.
 */
export class S3ErrorCause extends Error {
  /** The S3 error code (`NoSuchKey`, `SlowDown`, …) or the Node network code (`ECONNRESET`). */
  readonly code: string | undefined;
  readonly status: number | undefined;
  readonly requestId: string | undefined;
  readonly extendedRequestId: string | undefined;

  constructor(source: SdkErrorShape, code: string | undefined) {
    super(typeof source.message === 'string' ? source.message.slice(0, MAX_MESSAGE) : 'request failed');
    this.name = typeof source.name === 'string' ? source.name : 'Error';
    this.code = code;
    this.status = source.$metadata?.httpStatusCode;
    this.requestId = source.$metadata?.requestId;
    this.extendedRequestId = source.$metadata?.extendedRequestId;
    // The original frames say where it failed; its first line is the same name and message.
    if (typeof source.stack === 'string') this.stack = `${this.name}: ${this.message}${frames(source.stack)}`;
  }
}

const MAX_MESSAGE = 500;

function frames(stack: string): string {
  const at = stack.indexOf('\n    at ');
  return at < 0 ? '' : stack.slice(at);
}

/** The S3 error code of an SDK error (`NoSuchKey`, `SlowDown`, …) or of a mapped error's cause. */
export function s3ErrorCode(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  if (error instanceof S3ErrorCause) return error.code;
  const e = error as SdkErrorShape;
  return e.Code ?? e.name;
}

export function s3ErrorStatus(error: unknown): number | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  return (error as SdkErrorShape).$metadata?.httpStatusCode;
}

/** Decides the kind for an SDK or network error: table by code, then network code, then status. */
export function classifyS3Error(error: unknown): {
  kind: ErrorKind;
  retryable?: boolean;
  status?: number;
  code?: string;
} {
  const e = (typeof error === 'object' && error !== null ? error : {}) as SdkErrorShape;
  const status = e.$metadata?.httpStatusCode;
  // The SDK's response validation throws a plain Error ("Checksum mismatch: expected …").
  if (e.name === 'Error' && typeof e.message === 'string' && e.message.startsWith('Checksum mismatch')) {
    return { kind: 'Integrity', status, code: 'ChecksumMismatch' };
  }
  const netCode = typeof e.code === 'string' ? e.code : undefined;
  const byNet = netCode === undefined ? undefined : NETWORK_ERROR_TABLE[netCode];
  // Smithy's handler renames ECONNRESET / EPIPE / ETIMEDOUT request errors to `TimeoutError`
  // (keeping `code`): a reset or closed connection is a dead peer, not a slow one.
  if (e.name === 'TimeoutError' && e.Code === undefined && byNet !== undefined) {
    return { ...byNet, status, code: netCode };
  }
  const code = e.Code ?? e.name;
  const byCode = code === undefined ? undefined : S3_ERROR_TABLE[code];
  if (byCode !== undefined) return { ...byCode, status, code };
  if (byNet !== undefined) return { ...byNet, status, code: netCode };
  if (status !== undefined && status > 0) return { kind: kindFromHttpStatus(status), status, code };
  return { kind: 'Unexpected', status, code };
}

/**
 * Any failure as a StorageError with operation context, status, request id and a sanitised
 * cause (`S3ErrorCause`). Under an aborted `signal` the abort wins: `Timeout` for a timed-out
 * signal, `Aborted` otherwise (the SDK reports both as an AbortError).
 */
export function mapS3Error(error: unknown, ctx: ErrorContext, signal?: AbortSignal): StorageError {
  if (isStorageError(error)) return error.withContext(ctx);
  if (signal?.aborted) return abortedError(signal, ctx);
  const { kind, retryable, status, code } = classifyS3Error(error);
  const e = (typeof error === 'object' && error !== null ? error : {}) as SdkErrorShape;
  const what = ctx.key === undefined ? ctx.operation : `${ctx.operation} ${JSON.stringify(ctx.key)}`;
  const detail = [code, status === undefined ? undefined : `HTTP ${status}`].filter(Boolean).join(', ');
  const cause =
    typeof error === 'object' && error !== null
      ? new S3ErrorCause(e, code ?? (typeof e.code === 'string' ? e.code : undefined))
      : new S3ErrorCause({ message: String(error) }, undefined);
  const message = `${ctx.backend}: ${what} failed${detail ? ` (${detail})` : ''}: ${cause.message}`;
  return new StorageError(kind, message, {
    ...ctx,
    retryable,
    status,
    requestId: e.$metadata?.requestId,
    cause,
  });
}

/** Re-kinds a mapped error (e.g. a 412 on a create-only write means "already exists"). */
export function rekind(error: StorageError, kind: ErrorKind, message?: string): StorageError {
  return new StorageError(kind, message ?? error.message, {
    operation: error.operation,
    key: error.key,
    backend: error.backend,
    status: error.status,
    requestId: error.requestId,
    cause: error.cause,
  });
}
