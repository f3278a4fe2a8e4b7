import { StorageError } from '@stowage/core';
import type { ParsedRuntimeConfig, StorageMode } from '../config/runtime-config.js';

type ParsedS3 = NonNullable<ParsedRuntimeConfig['s3']>;

/**
 * The settings a mode cannot run without, checked before anything is opened (no database,
 * no server, no socket), so a refused configuration leaves nothing behind.
 * @throws ConfigInvalid naming the setting (and its environment variable).
 */
export function preflight(config: ParsedRuntimeConfig, mode: StorageMode): void {
  if (mode === 's3' || mode === 'spaces' || mode === 'seaweedfs') checkS3(mode, config.s3);
  if (mode === 'hybrid') {
    const from = config.hybrid?.from ?? 'local';
    const to = config.hybrid?.to ?? 's3';
    if (from === to && (from === 'local' || from === 'memory')) {
      throw configError('hybrid', `hybrid.to: must differ from hybrid.from (both are ${from})`);
    }
    for (const [side, mode, s3] of [
      ['from', from, config.hybrid?.fromS3 ?? config.s3],
      ['to', to, config.hybrid?.toS3 ?? config.s3],
    ] as const) {
      if (mode === 's3' || mode === 'spaces' || mode === 'seaweedfs')
        checkS3(mode, s3, `hybrid.${side}S3 or `);
    }
  }
  const db = config.database ?? {};
  if (db.kind === 'server' && db.url === undefined) {
    throw configError(
      'stowage',
      'database.url: required when database.kind is "server" (or STOWAGE_DATABASE_URL)',
    );
  }
  if (db.url !== undefined && db.kind !== undefined && db.kind !== 'server') {
    throw configError('stowage', `database.url: set, but database.kind is "${db.kind}"; drop one of them`);
  }
}

function checkS3(mode: 's3' | 'spaces' | 'seaweedfs', s3: ParsedS3 | undefined, where = ''): void {
  required(s3?.bucket, `${where}s3.bucket`, 'STOWAGE_S3_BUCKET or S3_BUCKET', mode);
  if (mode === 'spaces') {
    required(s3?.region, `${where}s3.region`, 'STOWAGE_S3_REGION or S3_REGION', mode);
    if (s3?.accessKeyId === undefined || s3.secretAccessKey === undefined) {
      throw configError(mode, `${where}s3.accessKeyId and s3.secretAccessKey: Spaces needs its access keys`);
    }
  }
  if ((s3?.accessKeyId === undefined) !== (s3?.secretAccessKey === undefined)) {
    throw configError(
      mode,
      `${where}s3.accessKeyId and s3.secretAccessKey: set both, or neither for the AWS default credential chain`,
    );
  }
}

function required(value: string | undefined, setting: string, env: string, mode: string): string {
  if (value === undefined) throw configError(mode, `${setting}: required in ${mode} mode (or ${env})`);
  return value;
}

export function configError(backend: string, message: string): StorageError {
  return new StorageError('ConfigInvalid', `Invalid stowage configuration: ${message}`, {
    operation: 'configure',
    backend,
  });
}
