import { encodeKeyPath } from '@stowage/kit';
import type { ParsedS3StoreConfig } from './s3-config.js';

/** CopyObject's `x-amz-copy-source`: `bucket/key`, URL-encoded. */
export function encodeCopySource(bucket: string, key: string): string {
  return `${bucket}/${encodeKeyPath(key)}`;
}

/** The bucket's own URL, ending with "/": path-style or virtual-hosted, as configured. */
export function bucketUrl(
  config: Pick<ParsedS3StoreConfig, 'bucket' | 'endpoint' | 'region' | 'forcePathStyle'>,
): string {
  if (config.endpoint === undefined) return `https://${config.bucket}.s3.${config.region}.amazonaws.com/`;
  const endpoint = new URL(config.endpoint);
  const path = endpoint.pathname.replace(/\/+$/, '');
  if (config.forcePathStyle) return `${endpoint.origin}${path}/${config.bucket}/`;
  return `${endpoint.protocol}//${config.bucket}.${endpoint.host}${path}/`;
}

/** The URL a public object is served from: `publicUrlBase` if set, else the bucket's endpoint. */
export function publicObjectUrl(config: ParsedS3StoreConfig, key: string): string {
  const path = encodeKeyPath(key);
  if (config.publicUrlBase !== undefined) return `${config.publicUrlBase.replace(/\/+$/, '')}/${path}`;
  return `${bucketUrl(config)}${path}`;
}
