import { inspect } from 'node:util';

const REDACTED = '[redacted]';

/**
 * A secret value (an access key, an HMAC key, an API token). The value sits in a private
 * field: it is not enumerable, so `JSON.stringify`, `util.inspect`, `console.log`, string
 * concatenation and structured logging all show `[redacted]`. Only `reveal()` returns it, at
 * the one place the value is used.
 */
export class Secret {
  readonly #value: string;

  constructor(value: string) {
    this.#value = value;
  }

  /** The value itself. Call it where the secret is used, never to log or show it. */
  reveal(): string {
    return this.#value;
  }

  toString(): string {
    return REDACTED;
  }

  toJSON(): string {
    return REDACTED;
  }

  [inspect.custom](): string {
    return `Secret(${REDACTED})`;
  }
}

export function isSecret(value: unknown): value is Secret {
  return value instanceof Secret;
}

/** The value of a secret given either as a plain string or a `Secret`. */
export function revealSecret(value: string | Secret): string {
  return typeof value === 'string' ? value : value.reveal();
}

/** A `Secret` for a value given either as a plain string or a `Secret`. */
export function toSecret(value: string | Secret): Secret {
  return typeof value === 'string' ? new Secret(value) : value;
}
