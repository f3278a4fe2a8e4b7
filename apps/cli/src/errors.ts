import { isStorageError, type StorageError } from '@stowage/core';

/** The documented exit codes (README, "Exit codes"). */
export const EXIT = {
  ok: 0,
  failed: 1,
  usage: 2,
  notFound: 3,
  differences: 4,
  retryable: 5,
  interrupted: 130,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/**
 * A failure the CLI itself detects (bad arguments, a missing local file, a command that needs
 * another mode). `kind` follows StorageError's kinds so every error prints the same way.
 */
export class CliError extends Error {
  override readonly name = 'CliError';
  constructor(
    readonly kind: string,
    message: string,
    readonly exitCode: ExitCode,
    readonly hint?: string,
  ) {
    super(message);
  }
}

export const usageError = (message: string, hint?: string) =>
  new CliError('Usage', message, EXIT.usage, hint);

/** A command finished its work but found something to report with a non-zero code (verify, sync failures). */
export class CompletedWithCode extends Error {
  constructor(readonly exitCode: ExitCode) {
    super(`exit ${exitCode}`);
  }
}

/** Raised into the command's AbortSignal on Ctrl-C (SIGINT) or SIGTERM. */
export class Interrupted extends Error {
  override readonly name = 'Interrupted';
  /** How to resume, for commands that can. */
  hint?: string;
  constructor(readonly signalName: string) {
    super(`Interrupted by ${signalName}`);
  }
}

export function exitCodeFor(error: unknown, interrupted: boolean): ExitCode {
  if (interrupted) return EXIT.interrupted;
  if (error instanceof CompletedWithCode) return error.exitCode;
  if (error instanceof CliError) return error.exitCode;
  if (isStorageError(error)) return exitCodeForKind(error);
  if (isNodeError(error) && error.code === 'ENOENT') return EXIT.notFound;
  return EXIT.failed;
}

function exitCodeForKind(error: StorageError): ExitCode {
  switch (error.kind) {
    case 'NotFound':
      return EXIT.notFound;
    case 'InvalidKey':
    case 'InvalidInput':
    case 'ConfigInvalid':
      return EXIT.usage;
    case 'Aborted':
      return EXIT.interrupted;
    default:
      return error.retryable ? EXIT.retryable : EXIT.failed;
  }
}

export function isNodeError(error: unknown): error is NodeJS.ErrnoException {
  return error instanceof Error && typeof (error as NodeJS.ErrnoException).code === 'string';
}

/** What to tell the user besides the message: the setting to check, for errors that point at one. */
export function hintFor(error: unknown): string | undefined {
  if (error instanceof CliError || error instanceof Interrupted) return error.hint;
  if (!isStorageError(error)) return undefined;
  const backend = error.backend ?? '';
  const s3Family = /s3|seaweed|spaces|aws|generic/i.test(backend);
  if (error.kind === 'PermissionDenied' && s3Family) {
    return 'check the credentials: s3.accessKeyId and s3.secretAccessKey (STOWAGE_S3_ACCESS_KEY_ID / STOWAGE_S3_SECRET_ACCESS_KEY, or S3_ACCESS_KEY_ID / S3_SECRET_ACCESS_KEY), and that they may use s3.bucket';
  }
  if (error.kind === 'NotFound' && s3Family && /bucket/i.test(error.message)) {
    return 'check s3.bucket (STOWAGE_S3_BUCKET or S3_BUCKET, or --bucket)';
  }
  if (error.kind === 'Unavailable' && s3Family) {
    return 'check s3.endpoint (STOWAGE_S3_ENDPOINT or S3_ENDPOINT, or --endpoint) and that the server is up; this failure is retryable';
  }
  if (
    (error.kind === 'Unavailable' || error.kind === 'PermissionDenied') &&
    /postgres|pglite/i.test(backend)
  ) {
    return 'check database.url (STOWAGE_DATABASE_URL or DATABASE_URL, or --database-url)';
  }
  return undefined;
}

/** One line about the cause: its name and message, never its whole object (SDK errors carry request details). */
export function causeLine(error: unknown): string | undefined {
  const cause = (error as { cause?: unknown } | null)?.cause;
  if (cause === undefined || cause === null) return undefined;
  if (cause instanceof Error) {
    const message = cause.message.split('\n')[0] ?? '';
    return `${cause.name}${message === '' ? '' : `: ${message}`}`;
  }
  return typeof cause === 'string' ? cause.split('\n')[0] : undefined;
}

/** The error as the one JSON document `--json` prints on stderr. */
export function errorJson(error: unknown, exitCode: number): Record<string, unknown> {
  const base: Record<string, unknown> = {
    kind: kindOf(error),
    message: error instanceof Error ? error.message : String(error),
  };
  if (isStorageError(error)) {
    for (const field of ['operation', 'key', 'backend', 'retryable', 'requestId', 'status'] as const) {
      if (error[field] !== undefined) base[field] = error[field];
    }
  }
  const cause = causeLine(error);
  if (cause !== undefined) base.cause = cause;
  const hint = hintFor(error);
  if (hint !== undefined) base.hint = hint;
  return { error: base, exitCode };
}

export function kindOf(error: unknown): string {
  if (isStorageError(error)) return error.kind;
  if (error instanceof CliError) return error.kind;
  if (error instanceof Interrupted) return 'Aborted';
  if (isNodeError(error)) return error.code === 'ENOENT' ? 'NotFound' : `Error ${error.code}`;
  return 'Unexpected';
}

/** The human form: `stowage: NotFound: … (get photos/a.jpg on seaweedfs)`, then cause and hint lines. */
export function errorLines(error: unknown, verbose: boolean): string[] {
  const kind = kindOf(error);
  const message = error instanceof Error ? error.message : String(error);
  const context: string[] = [];
  if (isStorageError(error)) {
    if (error.operation !== undefined) context.push(error.operation);
    if (error.key !== undefined && !message.includes(error.key)) context.push(error.key);
    if (error.backend !== undefined) context.push(`on ${error.backend}`);
  }
  const lines = [`stowage: ${kind}: ${message}${context.length > 0 ? ` (${context.join(' ')})` : ''}`];
  const cause = causeLine(error);
  if (cause !== undefined && !message.includes(cause)) lines.push(`  cause: ${cause}`);
  const hint = hintFor(error);
  if (hint !== undefined) lines.push(`  hint: ${hint}`);
  if (verbose && error instanceof Error && error.stack !== undefined) {
    lines.push(error.stack);
    let cause: unknown = (error as { cause?: unknown }).cause;
    while (cause instanceof Error) {
      lines.push(`caused by: ${cause.stack ?? `${cause.name}: ${cause.message}`}`);
      cause = (cause as { cause?: unknown }).cause;
    }
  }
  return lines;
}
