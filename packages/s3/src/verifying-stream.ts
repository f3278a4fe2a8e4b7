import { createHash, type Hash } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';
import { StorageError, type StorageErrorOptions } from '@stowage/core';

export interface VerifyingStreamOptions {
  /** Expected hex sha256 of the whole body. */
  sha256?: string;
  /** Declared length of the whole body. */
  contentLength?: number;
  /** Largest acceptable body; more fails with PayloadTooLarge as soon as it is crossed. */
  maxSize?: number;
  /** Context for the errors (operation, key, backend). */
  context?: Pick<StorageErrorOptions, 'operation' | 'key' | 'backend'>;
}

/**
 * Passes bytes through while hashing and counting them, and refuses to END when they do not
 * match what was declared: a wrong sha256 or length makes the stream error in `_flush`, so an
 * upload reading it never sees the end of the body and never completes (nor replaces an
 * existing object). Too many bytes fail at once, without waiting for the end.
 *
 * @throws (as a stream error) Integrity for a sha256 or length mismatch, PayloadTooLarge above `maxSize`,
 *   InvalidInput for a chunk that is not bytes.
 */
export class VerifyingStream extends Transform {
  private readonly hash: Hash = createHash('sha256');
  private readonly expected: VerifyingStreamOptions;
  private bytes = 0;
  private digest: string | undefined;

  constructor(options: VerifyingStreamOptions = {}) {
    // Small buffers: an upload reads as fast as it sends, and each buffered byte costs memory.
    // The writable side takes any value so that a non-byte chunk is a typed InvalidInput.
    super({ highWaterMark: 64 * 1024, writableObjectMode: true, writableHighWaterMark: 4 });
    this.expected = options;
  }

  /** Bytes seen so far. */
  get length(): number {
    return this.bytes;
  }

  /** The verified sha256 and length; only once the stream has ended (`undefined` before). */
  result(): { sha256: string; bytes: number } | undefined {
    return this.digest === undefined ? undefined : { sha256: this.digest, bytes: this.bytes };
  }

  override _transform(chunk: unknown, _encoding: BufferEncoding, callback: TransformCallback): void {
    const buf = asBytes(chunk);
    if (buf === undefined) {
      callback(
        new StorageError(
          'InvalidInput',
          `Stream yielded ${Object.prototype.toString.call(chunk)}, not bytes`,
          this.expected.context,
        ),
      );
      return;
    }
    this.bytes += buf.length;
    const { contentLength, maxSize } = this.expected;
    if (contentLength !== undefined && this.bytes > contentLength) {
      callback(this.integrity(`Body is longer than contentLength ${contentLength}`));
      return;
    }
    if (maxSize !== undefined && this.bytes > maxSize) {
      callback(
        new StorageError('PayloadTooLarge', `Body exceeds the ${maxSize}-byte limit`, this.expected.context),
      );
      return;
    }
    this.hash.update(buf);
    callback(null, buf);
  }

  override _flush(callback: TransformCallback): void {
    const { contentLength, sha256 } = this.expected;
    if (contentLength !== undefined && this.bytes !== contentLength) {
      callback(this.integrity(`Body is ${this.bytes} bytes but contentLength says ${contentLength}`));
      return;
    }
    const digest = this.hash.digest('hex');
    if (sha256 !== undefined && digest !== sha256) {
      callback(this.integrity(`Body sha256 ${digest} does not match the expected ${sha256}`));
      return;
    }
    this.digest = digest;
    callback();
  }

  private integrity(message: string): StorageError {
    return new StorageError('Integrity', message, this.expected.context);
  }
}

function asBytes(chunk: unknown): Buffer | undefined {
  if (Buffer.isBuffer(chunk)) return chunk;
  if (typeof chunk === 'string') return Buffer.from(chunk, 'utf8');
  if (chunk instanceof Uint8Array) return Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
  return undefined;
}
