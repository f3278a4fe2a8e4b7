import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import { StorageError } from '@stowage/core';
import { inspectStream } from './pull-readable.js';

export function sha256Hex(data: Uint8Array | string): string {
  return createHash('sha256').update(data).digest('hex');
}

export function md5Hex(data: Uint8Array | string): string {
  return createHash('md5').update(data).digest('hex');
}

export interface HashedStream {
  /** The bytes of the source, hashed and counted as they pass. */
  body: Readable;
  /** What passed: valid once `body` has ended. */
  result(): { sha256: string; bytes: number };
}

/**
 * Hashes (sha256) and counts a body while it streams to a backend. With `expected`, the last
 * read fails with `Integrity` instead of ending when the length or digest is wrong, so a
 * writer that commits only after a clean end (every adapter) stores nothing. Reads `source`
 * only as `body` is read; destroying `body` destroys `source`.
 */
export function hashingStream(
  source: Readable,
  expected: { contentLength?: number | undefined; sha256?: string | undefined } = {},
  ctx: { operation?: string; key?: string; backend?: string } = {},
): HashedStream {
  const hash = createHash('sha256');
  let bytes = 0;
  let digest: string | undefined;
  const body = inspectStream(
    source,
    (chunk) => {
      hash.update(chunk);
      bytes += chunk.length;
      if (expected.contentLength !== undefined && bytes > expected.contentLength) {
        throw new StorageError(
          'Integrity',
          `Body is longer than contentLength ${expected.contentLength}`,
          ctx,
        );
      }
    },
    () => {
      digest = hash.digest('hex');
      if (expected.contentLength !== undefined && bytes !== expected.contentLength) {
        throw new StorageError(
          'Integrity',
          `Body is ${bytes} bytes but contentLength says ${expected.contentLength}`,
          ctx,
        );
      }
      if (expected.sha256 !== undefined && digest !== expected.sha256) {
        throw new StorageError(
          'Integrity',
          `Body sha256 ${digest} does not match the expected ${expected.sha256}`,
          ctx,
        );
      }
    },
  );
  return {
    body,
    result: () => {
      digest ??= hash.digest('hex');
      return { sha256: digest, bytes };
    },
  };
}

/** Reads a stream to its end: the sha256 of its bytes and their count. */
export async function sha256OfStream(source: Readable): Promise<{ sha256: string; bytes: number }> {
  const hash = createHash('sha256');
  let bytes = 0;
  for await (const chunk of source) {
    const buf = typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer);
    hash.update(buf);
    bytes += buf.length;
  }
  return { sha256: hash.digest('hex'), bytes };
}
