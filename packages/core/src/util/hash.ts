import { createHash } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';

export function sha256Hex(data: Uint8Array | string): string {
  return createHash('sha256').update(data).digest('hex');
}

export function md5Hex(data: Uint8Array | string): string {
  return createHash('md5').update(data).digest('hex');
}

/**
 * A pass-through that hashes (sha256 and md5) and counts what flows through it, so a body
 * can be verified while it streams instead of being buffered.
 */
export class HashingStream extends Transform {
  private readonly sha = createHash('sha256');
  private readonly md5 = createHash('md5');
  bytes = 0;
  private digests: { sha256: string; md5: string } | undefined;

  constructor(private readonly onChunk?: (bytes: number) => void) {
    super();
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    this.sha.update(chunk);
    this.md5.update(chunk);
    this.bytes += chunk.length;
    this.onChunk?.(this.bytes);
    cb(null, chunk);
  }

  /** Valid once the stream has ended. */
  result(): { sha256: string; md5: string; bytes: number } {
    this.digests ??= { sha256: this.sha.digest('hex'), md5: this.md5.digest('hex') };
    return { ...this.digests, bytes: this.bytes };
  }
}
