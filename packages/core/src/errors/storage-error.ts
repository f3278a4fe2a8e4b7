/** The closed set of failure kinds. Every adapter maps its backend's failures onto these. */
export const ERROR_KINDS = [
  'NotFound',
  'AlreadyExists',
  'PreconditionFailed',
  'InvalidKey',
  'InvalidInput',
  'PermissionDenied',
  'PayloadTooLarge',
  'Timeout',
  'RateLimited',
  'Unavailable',
  'Conflict',
  'Integrity',
  'Aborted',
  'Unsupported',
  'ConfigInvalid',
  'Unexpected',
] as const;

export type ErrorKind = (typeof ERROR_KINDS)[number];

/** Kinds that are worth retrying by default: transient by nature. */
const RETRYABLE_KINDS: ReadonlySet<ErrorKind> = new Set(['Timeout', 'RateLimited', 'Unavailable']);

export interface StorageErrorOptions {
  operation?: string;
  key?: string;
  backend?: string;
  /** Overrides the kind's default (Timeout, RateLimited and Unavailable retry). */
  retryable?: boolean;
  requestId?: string;
  /** HTTP status from the backend, when there was one. */
  status?: number;
  cause?: unknown;
}

// Symbol.for so that two copies of @stowage/core in one process still recognise each other's errors.
const MARKER = Symbol.for('@stowage/core/StorageError');

export class StorageError extends Error {
  override readonly name = 'StorageError';
  readonly kind: ErrorKind;
  readonly operation: string | undefined;
  readonly key: string | undefined;
  readonly backend: string | undefined;
  readonly retryable: boolean;
  readonly requestId: string | undefined;
  readonly status: number | undefined;

  constructor(kind: ErrorKind, message: string, options: StorageErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.kind = kind;
    this.operation = options.operation;
    this.key = options.key;
    this.backend = options.backend;
    this.retryable = options.retryable ?? RETRYABLE_KINDS.has(kind);
    this.requestId = options.requestId;
    this.status = options.status;
    Object.defineProperty(this, MARKER, { value: true });
  }

  /** A copy with operation context filled in where it was missing. */
  withContext(ctx: Pick<StorageErrorOptions, 'operation' | 'key' | 'backend'>): StorageError {
    if (
      (this.operation ?? ctx.operation) === this.operation &&
      (this.key ?? ctx.key) === this.key &&
      (this.backend ?? ctx.backend) === this.backend
    ) {
      return this;
    }
    const copy = new StorageError(this.kind, this.message, {
      operation: this.operation ?? ctx.operation,
      key: this.key ?? ctx.key,
      backend: this.backend ?? ctx.backend,
      retryable: this.retryable,
      requestId: this.requestId,
      status: this.status,
      cause: this.cause,
    });
    copy.stack = this.stack;
    return copy;
  }

  /**
   * What `util.inspect` and `console.log` show: the error, its context, and only the name and
   * message of its cause. A backend's own error can carry request details (an SDK's canonical
   * request, an access key id) that must never reach a log; `error.cause` still holds it whole.
   */
  [Symbol.for('nodejs.util.inspect.custom')](): string {
    const context = Object.entries({
      kind: this.kind,
      operation: this.operation,
      key: this.key,
      backend: this.backend,
      retryable: this.retryable,
      requestId: this.requestId,
      status: this.status,
    })
      .filter(([, value]) => value !== undefined)
      .map(([name, value]) => `${name}: ${JSON.stringify(value)}`)
      .join(', ');
    const cause = this.cause;
    const causeLine =
      cause === undefined
        ? ''
        : `\n  cause: ${cause instanceof Error ? `${cause.name}: ${cause.message}` : typeof cause}`;
    return `${this.stack ?? `${this.name}: ${this.message}`}\n  { ${context} }${causeLine}`;
  }

  toJSON(): Record<string, unknown> {
    return {
      name: this.name,
      kind: this.kind,
      message: this.message,
      operation: this.operation,
      key: this.key,
      backend: this.backend,
      retryable: this.retryable,
      requestId: this.requestId,
      status: this.status,
    };
  }
}

/** True for a StorageError (from any copy of this package), optionally of one kind. */
export function isStorageError(error: unknown, kind?: ErrorKind): error is StorageError {
  if (typeof error !== 'object' || error === null) return false;
  if ((error as Record<symbol, unknown>)[MARKER] !== true) return false;
  return kind === undefined || (error as StorageError).kind === kind;
}
