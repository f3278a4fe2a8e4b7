import { type ObjectInfo, StorageError, type Visibility } from '@stowage/core';
import { quoteEtag } from '@stowage/kit';

/** User-metadata names the adapter keeps for itself (`x-amz-meta-stowage-*`). */
export const RESERVED_METADATA_PREFIX = 'stowage-';
export const SHA256_METADATA = 'stowage-sha256';
export const VISIBILITY_METADATA = 'stowage-visibility';
/** Names of user metadata whose value is empty, for servers that drop such headers. */
export const EMPTY_METADATA = 'stowage-empty';

const SHA256_HEX = /^[0-9a-f]{64}$/;

/**
 * Refuses user metadata names the adapter keeps for itself (the layer has already checked and
 * lower-cased the rest).
 * @throws InvalidInput naming the reserved entry.
 */
export function assertNoReservedMetadata(
  metadata: Record<string, string> | undefined,
  ctx: { operation: string; key?: string; backend: string },
): void {
  for (const name of Object.keys(metadata ?? {})) {
    if (name.startsWith(RESERVED_METADATA_PREFIX)) {
      throw new StorageError(
        'InvalidInput',
        `Metadata names starting with "${RESERVED_METADATA_PREFIX}" are reserved: ${name}`,
        ctx,
      );
    }
  }
}

/** What goes into `x-amz-meta-*` on a write: user metadata plus the adapter's own entries. */
export function encodeMetadata(
  user: Record<string, string>,
  extra: { sha256?: string; visibility?: Visibility; recordEmptyValues: boolean },
): Record<string, string> {
  const out: Record<string, string> = { ...user };
  if (extra.sha256 !== undefined) out[SHA256_METADATA] = extra.sha256;
  if (extra.visibility === 'public') out[VISIBILITY_METADATA] = 'public';
  if (extra.recordEmptyValues) {
    const empty = Object.keys(user).filter((name) => user[name] === '');
    if (empty.length > 0) out[EMPTY_METADATA] = empty.join(',');
  }
  return out;
}

/** Splits stored metadata back into user metadata and the adapter's entries. */
export function decodeMetadata(stored: Record<string, string> | undefined): {
  metadata: Record<string, string>;
  sha256?: string;
  visibility: Visibility;
} {
  const metadata: Record<string, string> = {};
  let sha256: string | undefined;
  let visibility: Visibility = 'private';
  let empty: string[] = [];
  for (const [rawName, value] of Object.entries(stored ?? {})) {
    const name = rawName.toLowerCase();
    if (name === SHA256_METADATA) {
      if (SHA256_HEX.test(value)) sha256 = value;
    } else if (name === VISIBILITY_METADATA) {
      visibility = value === 'public' ? 'public' : 'private';
    } else if (name === EMPTY_METADATA) {
      empty = value.split(',').filter((n) => n !== '');
    } else if (!name.startsWith(RESERVED_METADATA_PREFIX)) {
      metadata[name] = value;
    }
  }
  for (const name of empty) metadata[name] ??= '';
  return { metadata, sha256, visibility };
}

/** The fields HeadObject and GetObject share. */
export interface S3ObjectHeaders {
  ETag?: string;
  LastModified?: Date;
  ContentType?: string;
  CacheControl?: string;
  ContentDisposition?: string;
  ContentLength?: number;
  Metadata?: Record<string, string>;
}

export function objectInfoFromHeaders(key: string, out: S3ObjectHeaders, size: number): ObjectInfo {
  const { metadata, sha256, visibility } = decodeMetadata(out.Metadata);
  const info: ObjectInfo = {
    key,
    size,
    etag: quoteEtag(out.ETag ?? ''),
    lastModified: out.LastModified ?? new Date(0),
    contentType: out.ContentType || 'application/octet-stream',
    metadata,
    visibility,
  };
  if (out.CacheControl) info.cacheControl = out.CacheControl;
  if (out.ContentDisposition) info.contentDisposition = out.ContentDisposition;
  if (sha256 !== undefined) info.sha256 = sha256;
  return info;
}
