import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import type { Capabilities, ObjectInfo, PutOptions } from '@stowage/core';
import { inspectStream } from '@stowage/kit';

/**
 * Passes `source` through a sha256 hasher without buffering it. The returned stream is
 * the body to hand to a `put`; it pulls from `source` only as the put reads (so an early
 * source error reaches the put as an error, never as a silently dead stream), and after
 * the put has read it to the end `result()` holds the digest of exactly the bytes read.
 */
export function hashThrough(source: Readable): {
  body: Readable;
  result: () => { sha256: string; bytes: number };
  destroy: (error?: Error) => void;
} {
  const sha = createHash('sha256');
  let bytes = 0;
  let digest: string | undefined;
  const body = inspectStream(source, (chunk) => {
    sha.update(chunk);
    bytes += chunk.length;
  });
  return {
    body,
    result: () => {
      digest ??= sha.digest('hex');
      return { sha256: digest, bytes };
    },
    destroy: (error?: Error) => {
      body.destroy(error);
      source.destroy(error);
    },
  };
}

/**
 * Put options that recreate `info` on a backend with `capabilities`: content type always,
 * and the headers, user metadata and visibility where the destination stores them (an
 * option a backend cannot honour would be `Unsupported`).
 */
export function preservedPutOptions(
  info: ObjectInfo,
  capabilities: Capabilities,
  overrides: {
    contentType?: string;
    cacheControl?: string;
    contentDisposition?: string;
    metadata?: Record<string, string>;
    visibility?: 'public' | 'private';
  } = {},
): PutOptions {
  const out: PutOptions = { contentType: overrides.contentType ?? info.contentType };
  if (capabilities.contentHeaders) {
    const cacheControl = overrides.cacheControl ?? info.cacheControl;
    const contentDisposition = overrides.contentDisposition ?? info.contentDisposition;
    if (cacheControl !== undefined) out.cacheControl = cacheControl;
    if (contentDisposition !== undefined) out.contentDisposition = contentDisposition;
  }
  const metadata = overrides.metadata ?? info.metadata;
  if (capabilities.userMetadata && Object.keys(metadata).length > 0) out.metadata = metadata;
  const visibility = overrides.visibility ?? info.visibility;
  if (capabilities.visibility) out.visibility = visibility;
  return out;
}
