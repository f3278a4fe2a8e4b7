import { inspect } from 'node:util';
import { isStorageError, type StorageError } from '@stowage/core';
import { describe, expect, it } from 'vitest';
import { configFromEnv } from './from-env.js';
import { loadRuntimeConfig } from './load-config.js';

function failure(run: () => unknown): StorageError {
  try {
    run();
  } catch (error) {
    if (isStorageError(error)) return error;
    throw error;
  }
  throw new Error('expected ConfigInvalid');
}

describe('runtime configuration', () => {
  it('reads the names users already have, Stowage’s own name winning', () => {
    const config = loadRuntimeConfig({
      env: {
        STORAGE_MODE: 'hybrid',
        S3_BUCKET_NAME: 'second-choice',
        S3_BUCKET: 'first-choice',
        AWS_REGION: 'eu-west-1',
        S3_SERVER_URL: 'http://127.0.0.1:8333',
        S3_ACCESS_KEY_ID: 'AKID',
        S3_SECRET_ACCESS_KEY: 'very-secret-key',
        S3_SPLIT_PERCENTAGE: '25',
        DRY_RUN: 'yes',
        STOWAGE_S3_BUCKET: 'winner',
      },
    });
    expect(config.mode).toBe('hybrid');
    expect(config.s3?.bucket).toBe('winner');
    expect(config.s3?.region).toBe('eu-west-1');
    expect(config.s3?.endpoint).toBe('http://127.0.0.1:8333/');
    expect(config.hybrid?.percentage).toBe(25);
    expect(config.dryRun).toBe(true);
    expect(config.s3?.secretAccessKey?.reveal()).toBe('very-secret-key');
    expect(inspect(config, { depth: 5 })).not.toContain('very-secret-key');
    expect(JSON.stringify(config)).not.toContain('very-secret-key');
  });

  it('overrides win over the environment, which wins over the file', async () => {
    const { mkdtempSync, writeFileSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const file = join(mkdtempSync(join(tmpdir(), 'stowage-cfg-')), 'stowage.json');
    writeFileSync(file, JSON.stringify({ mode: 's3', dataDir: 'from-file', s3: { bucket: 'file-bucket' } }));
    const config = loadRuntimeConfig({
      file,
      env: { STOWAGE_DATA_DIR: 'from-env' },
      overrides: { mode: 'memory' },
    });
    expect([config.mode, config.dataDir, config.s3?.bucket]).toEqual(['memory', 'from-env', 'file-bucket']);
  });

  it('names every bad setting and never echoes a value', () => {
    const error = failure(() =>
      loadRuntimeConfig({
        env: { STORAGE_MODE: 'cloud', S3_SPLIT_PERCENTAGE: '150', DATABASE_URL: 'mysql://u:hunter2@db/x' },
      }),
    );
    expect(error.kind).toBe('ConfigInvalid');
    expect(error.message).toContain('mode:');
    expect(error.message).toContain('hybrid.percentage: must be a whole number from 0 to 100');
    expect(error.message).toContain('database.url: must be a postgres:// URL');
    expect(error.message).not.toContain('hunter2');
  });

  it('refuses an unknown STOWAGE_ variable (a typo must not silently do nothing)', () => {
    expect(failure(() => configFromEnv({ STOWAGE_MDOE: 'local' })).message).toContain('STOWAGE_MDOE');
    expect(failure(() => configFromEnv({ DRY_RUN: 'maybe' })).message).toContain(
      'DRY_RUN (dryRun) must be true or false',
    );
  });
});
