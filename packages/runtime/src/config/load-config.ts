import { readFileSync } from 'node:fs';
import { StorageError } from '@stowage/core';
import { configFromEnv, mergeConfig } from './from-env.js';
import { type ParsedRuntimeConfig, parseRuntimeConfig, type RuntimeConfig } from './runtime-config.js';

export interface LoadConfigOptions {
  /** A JSON file of settings (default `STOWAGE_CONFIG` when set; no file otherwise). */
  file?: string;
  /** Default `process.env`. */
  env?: NodeJS.ProcessEnv;
  /** Settings given in code or by CLI flags: they win over the environment and the file. */
  overrides?: RuntimeConfig;
}

/**
 * The runtime's settings: the file, then the environment, then `overrides`, each winning over
 * the one before, validated as a whole.
 * @throws ConfigInvalid naming each bad setting, or a file that cannot be read or parsed.
 */
export function loadRuntimeConfig(options: LoadConfigOptions = {}): ParsedRuntimeConfig {
  const env = options.env ?? process.env;
  const file = options.file ?? env.STOWAGE_CONFIG;
  let fromFile: RuntimeConfig | undefined;
  if (file !== undefined && file !== '') {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (cause) {
      throw new StorageError(
        'ConfigInvalid',
        `Cannot read the configuration file ${file}: ${(cause as NodeJS.ErrnoException).code ?? 'error'}`,
        {
          operation: 'configure',
          backend: 'stowage',
        },
      );
    }
    try {
      fromFile = JSON.parse(text) as RuntimeConfig;
    } catch (cause) {
      throw new StorageError(
        'ConfigInvalid',
        `The configuration file ${file} is not JSON: ${(cause as Error).message}`,
        {
          operation: 'configure',
          backend: 'stowage',
        },
      );
    }
  }
  return parseRuntimeConfig(mergeConfig(fromFile, configFromEnv(env), options.overrides));
}
