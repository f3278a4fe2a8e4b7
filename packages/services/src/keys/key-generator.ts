import { createHash } from 'node:crypto';
import { type Clock, keyProblem, StorageError, TOKENS } from '@stowage/core';
import { inject, injectable } from 'tsyringe';
import { SERVICE_TOKENS } from '../tokens.js';
import { normalizeExtension } from './normalize-extension.js';

/** Values for a key pattern's placeholders. */
export type KeyValues = Record<string, string | number>;

export interface KeyGeneratorConfig {
  /**
   * The deployment environment. `environmentSuffix` marks keys of every environment but
   * production (`data/users.json` → `data/users-dev.json`), so a development process never
   * overwrites production documents in a shared bucket.
   */
  environment?: string;
  /** Suffix per environment; default development → "-dev", test → "-test", production → none. */
  environmentSuffixes?: Record<string, string>;
}

const DEFAULT_SUFFIXES: Record<string, string> = { development: '-dev', test: '-test', production: '' };
const PLACEHOLDER = /\{([a-zA-Z][a-zA-Z0-9]*)\}/g;

/**
 * Keys from patterns such as `{category}/{yyyy}/{mm}/{dd}/{hash}_{ts}.{ext}` or
 * `{prefix}/{userId}.{ext}`, content-hash keys and environment suffixes. Time placeholders
 * (`yyyy mm dd hh ts`) read the Clock, in UTC. Every key it returns is a valid portable key;
 * otherwise generation fails with `InvalidInput` naming what made it invalid.
 */
@injectable()
export class KeyGenerator {
  private readonly suffixes: Record<string, string>;
  private readonly environment: string;

  constructor(
    @inject(TOKENS.Clock) private readonly clock: Clock,
    @inject(SERVICE_TOKENS.KeyGeneratorConfig) config: KeyGeneratorConfig,
  ) {
    this.environment = config.environment ?? 'production';
    this.suffixes = { ...DEFAULT_SUFFIXES, ...config.environmentSuffixes };
  }

  /**
   * Fills `pattern` from `values`, the clock (`yyyy`, `mm`, `dd`, `hh`, `ts`) and `ext`
   * normalised (`.JPEG` → `jpg`).
   * @throws InvalidInput for an unknown placeholder, or a result that is no valid key.
   */
  fromPattern(pattern: string, values: KeyValues = {}, options: { at?: Date } = {}): string {
    const at = options.at ?? this.clock.now();
    const builtins: Record<string, string> = {
      yyyy: String(at.getUTCFullYear()).padStart(4, '0'),
      mm: String(at.getUTCMonth() + 1).padStart(2, '0'),
      dd: String(at.getUTCDate()).padStart(2, '0'),
      hh: String(at.getUTCHours()).padStart(2, '0'),
      ts: String(at.getTime()),
    };
    const key = pattern.replace(PLACEHOLDER, (_, name: string) => {
      const given = values[name];
      if (given !== undefined) {
        const text = String(given);
        return name === 'ext' ? normalizeExtension(text) : text;
      }
      const builtin = builtins[name];
      if (builtin !== undefined) return builtin;
      throw new StorageError(
        'InvalidInput',
        `Key pattern ${JSON.stringify(pattern)} needs a value for {${name}}`,
        {
          operation: 'generateKey',
        },
      );
    });
    return checked(key, `pattern ${JSON.stringify(pattern)}`);
  }

  /**
   * `prefix/<sha256 of the content, hex, first `length` characters>.ext`: the same bytes
   * always get the same key, which makes persisting them idempotent.
   */
  contentHash(
    content: Uint8Array | string,
    options: { prefix?: string; ext?: string; length?: number } = {},
  ): string {
    const length = options.length ?? 32;
    if (!Number.isInteger(length) || length < 8 || length > 64) {
      throw new StorageError('InvalidInput', `length must be an integer from 8 to 64; got ${length}`, {
        operation: 'generateKey',
      });
    }
    const hash = createHash('sha256').update(content).digest('hex').slice(0, length);
    const ext = options.ext === undefined ? '' : `.${normalizeExtension(options.ext)}`;
    const prefix =
      options.prefix === undefined || options.prefix === '' ? '' : `${options.prefix.replace(/\/+$/, '')}/`;
    return checked(`${prefix}${hash}${ext}`, 'content-hash key');
  }

  /** The key with this environment's suffix before its extension (`a/b.json` → `a/b-dev.json`). */
  withEnvironmentSuffix(key: string): string {
    const suffix = this.suffixes[this.environment] ?? `-${this.environment}`;
    if (suffix === '') return checked(key, 'key');
    const slash = key.lastIndexOf('/');
    const dot = key.lastIndexOf('.');
    const at = dot > slash + 1 ? dot : key.length;
    return checked(`${key.slice(0, at)}${suffix}${key.slice(at)}`, 'key with environment suffix');
  }
}

function checked(key: string, what: string): string {
  const problem = keyProblem(key);
  if (problem !== undefined) {
    throw new StorageError(
      'InvalidInput',
      `The ${what} gives ${JSON.stringify(key)}, no valid key: ${problem}`,
      {
        operation: 'generateKey',
      },
    );
  }
  return key;
}
