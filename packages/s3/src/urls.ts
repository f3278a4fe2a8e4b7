import { encodeKeyPath } from '@stowage/kit';
import type { ResolvedS3StoreConfig } from './config.js';

/** CopyObject's `x-amz-copy-source`: `bucket/key`, URL-encoded. */
export function encodeCopySource(bucket: string, key: string): string {
  return `${bucket}/${encodeKeyPath(key)}`;
}

/** The URL a public object is served from: `publicUrlBase` if set, else the bucket's endpoint. */
export function publicObjectUrl(config: ResolvedS3StoreConfig, key: string): string {
  const path = encodeKeyPath(key);
  if (config.publicUrlBase !== undefined) return `${config.publicUrlBase.replace(/\/+$/, '')}/${path}`;
  if (config.endpoint === undefined) {
    return `https://${config.bucket}.s3.${config.region}.amazonaws.com/${path}`;
  }
  const endpoint = new URL(config.endpoint);
  const base = `${endpoint.origin}${endpoint.pathname.replace(/\/+$/, '')}`;
  if (config.forcePathStyle) return `${base}/${config.bucket}/${path}`;
  return `${endpoint.protocol}//${config.bucket}.${endpoint.host}${endpoint.pathname.replace(/\/+$/, '')}/${path}`;
}
