import type { LogFields, Logger } from '@stowage/core';
import { type Logger as Pino, pino } from 'pino';

/**
 * Paths pino blanks in every line, whatever a caller logs: credentials, signatures and
 * authorization headers never reach a log even when a whole config or request is logged.
 */
export const REDACTED_LOG_PATHS: readonly string[] = [
  '*.secretAccessKey',
  '*.sessionToken',
  '*.signingSecret',
  '*.secret',
  '*.token',
  '*.password',
  '*.authorization',
  '*.headers.authorization',
  '*.headers.cookie',
  'req.headers.authorization',
  'req.headers.cookie',
  '*.url',
];

/** The core Logger port on pino. */
export class PinoLogger implements Logger {
  constructor(private readonly pino: Pino) {}

  debug(msg: string, fields?: LogFields): void {
    this.pino.debug(fields ?? {}, msg);
  }
  info(msg: string, fields?: LogFields): void {
    this.pino.info(fields ?? {}, msg);
  }
  warn(msg: string, fields?: LogFields): void {
    this.pino.warn(fields ?? {}, msg);
  }
  error(msg: string, fields?: LogFields): void {
    this.pino.error(fields ?? {}, msg);
  }
  child(bindings: LogFields): Logger {
    return new PinoLogger(this.pino.child(bindings));
  }
}

/** A pino logger to stderr at `level` (default `info`, or `STOWAGE_LOG_LEVEL`), with the redactions above. */
export function createPinoLogger(options: { level?: string; destination?: NodeJS.WritableStream } = {}): {
  logger: Logger;
  pino: Pino;
} {
  const instance = pino(
    {
      level: options.level ?? process.env.STOWAGE_LOG_LEVEL ?? 'info',
      redact: { paths: [...REDACTED_LOG_PATHS], censor: '[redacted]' },
    },
    (options.destination ?? process.stderr) as never,
  );
  return { logger: new PinoLogger(instance), pino: instance };
}
